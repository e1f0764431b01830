// Prompt-LM worker: exposes the PromptLM engine over comlink (progress callbacks via Comlink.proxy,
// model bytes via Comlink.transfer); models are cached in the Cache API. No logic lives here.
import * as Comlink from 'comlink';
import { BrowserModelCache } from '../src/models/hub/model-cache';
import { loadOrtWeb } from '../src/runtime/ort-web';
import { PromptLM } from '../src/engines/prompt-lm';

Comlink.expose(new PromptLM(loadOrtWeb, new BrowserModelCache()));
