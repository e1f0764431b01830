// Helpers for Setup's state in node tests: an in-memory Storage (localStorage's two calls) and a Setup ready to start.
import { SetupState } from '../../src/ui/setup/setup.svelte';

/** getItem/setItem over a Map (its `items` visible to the test). */
export function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
}

/** A setup whose models are both the hub id `modelId` and whose task is a built-in one: ready to start. */
export function readySetup(modelId: string): SetupState {
  const setup = new SetupState();
  for (const slot of [setup.prompt, setup.target]) {
    slot.kind = 'custom';
    slot.customId = modelId;
  }
  setup.task.kind = 'builtin';
  setup.task.builtinName = 'sum';
  setup.task.chooseBuiltin();
  return setup;
}
