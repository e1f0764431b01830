// Demo worker: exposes the toy trainer engine over comlink; no logic lives here.
import * as Comlink from 'comlink';
import { ToyTrainer } from '../src/demo/toy-trainer';
import { loadOrtWeb } from '../src/runtime/ort-web';

Comlink.expose(new ToyTrainer(loadOrtWeb));
