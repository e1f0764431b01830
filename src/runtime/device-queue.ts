// One queue for every session run in this thread: concurrent runs fail on WebGPU, and a worker's engines
// (trainer, sampler, scorer) share one device, so each run waits for the previous one to finish.

let tail: Promise<unknown> = Promise.resolve();

/** Runs `work` after every run queued before it; a failure rejects this call only, not later ones. */
export function onDevice<T>(work: () => Promise<T>): Promise<T> {
  const next = tail.then(work);
  tail = next.catch(() => undefined);
  return next;
}

/** Resolves when everything queued so far has finished. */
export function deviceIdle(): Promise<void> {
  return onDevice(async () => undefined);
}
