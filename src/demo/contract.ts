// The demo's engine contract: what the page's worker exposes while the lab's views do not exist yet.
// Types only; the engine is src/demo/toy-trainer.ts, the worker workers/toy-trainer.worker.ts.

import type { BackendInfo } from '../runtime/device';

export type { BackendInfo };

/** One optimiser step of the toy task, as the page draws it. */
export interface DemoStep {
  /** 1-based count of applied optimiser steps. */
  step: number;
  /** Mean cross-entropy of the batch before the update. */
  loss: number;
  /** False when the loss or a gradient was not finite; parameters were then left unchanged. */
  finite: boolean;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Wall time of the step in milliseconds. */
  ms: number;
}

export interface DemoOptions {
  backend?: 'auto' | 'webgpu' | 'wasm';
  seed?: number;
  learningRate?: number;
}

/** Engine API exposed over comlink by the demo worker. */
export interface ToyTrainerApi {
  /** Compiles the toy model's training bundle and opens sessions; resolves with the chosen backend. */
  init(options?: DemoOptions): Promise<BackendInfo>;
  /** Runs one training step on a fresh batch of the toy sequence task. */
  step(): Promise<DemoStep>;
  /** A description of the toy task for the page ("reverse a sequence of 6 tokens", sizes, parameter count). */
  describe(): Promise<{ task: string; parameters: number; batch: number; sequence: number }>;
}
