// Task-import worker (UI only): exposes the setup view's TaskImporter so parsing, mapping and splitting a user
// file or hub dataset never blocks the page. No logic lives here.
import * as Comlink from 'comlink';
import { TaskImporter } from '../src/engines/task-importer';

Comlink.expose(new TaskImporter());
