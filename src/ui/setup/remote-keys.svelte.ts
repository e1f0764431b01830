// API keys of remote target-LM servers, held in this page's memory for the session only (issue 15.3): never in
// IndexedDB, localStorage, run specs, exports, logs or events. Keyed by the server's base URL; a reload forgets
// them, so resuming a run whose server needs a key asks for it again (RemoteKeyPrompt.svelte). Reactive, no DOM.

class SessionKeys {
  #keys = $state.raw<Readonly<Record<string, string>>>({});

  get(baseUrl: string): string | null {
    return this.#keys[normalise(baseUrl)] ?? null;
  }

  has(baseUrl: string): boolean {
    return this.get(baseUrl) !== null;
  }

  /** An empty key forgets the server's key. */
  set(baseUrl: string, key: string): void {
    const k = normalise(baseUrl);
    const { [k]: _old, ...rest } = this.#keys;
    this.#keys = key === '' ? rest : { ...rest, [k]: key };
  }

  /** Never the keys themselves. */
  toJSON(): string {
    return `[${Object.keys(this.#keys).length} API keys held in memory]`;
  }
}

/** The base URL as the remote client uses it: no trailing slash. */
function normalise(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}

export const sessionKeys = new SessionKeys();

/** A run's remote target-LM server needs its key and this page has none: say where to enter it. */
export class RemoteKeyNeededError extends Error {
  override name = 'RemoteKeyNeededError';
}
