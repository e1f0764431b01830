// The browser's storage for the lab: whether it is persistent (not evicted under pressure) and how much is used.
// navigator.storage.persist() exists only on the page (not in workers): the page calls requestPersistence() and
// shows the answer; the lab worker reports persisted() and estimate(). Node has neither (null answers).

export interface StorageState {
  /** true: the browser will not evict the lab's data under storage pressure; null: unknown (no Storage API). */
  persisted: boolean | null;
  /** Bytes used and allowed for this site, as the browser estimates them (null where unknown). */
  usage: number | null;
  quota: number | null;
}

function manager(): StorageManager | undefined {
  return (globalThis.navigator as Navigator | undefined)?.storage;
}

export async function storageState(): Promise<StorageState> {
  const storage = manager();
  const persisted = storage?.persisted ? await storage.persisted() : null;
  const estimate = storage?.estimate ? await storage.estimate() : null;
  return { persisted, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
}

/**
 * Asks the browser to keep the lab's data (call it on the page, ideally after a user action). Returns the
 * browser's answer: true when granted (or already persistent), false when refused, null where the API is missing
 * (in a worker, or an old browser).
 */
export async function requestPersistence(): Promise<boolean | null> {
  const storage = manager();
  if (!storage?.persist) return null;
  if (storage.persisted && (await storage.persisted())) return true;
  return storage.persist();
}
