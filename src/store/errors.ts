// Typed errors of the run store and the run-file format. Each message says what is wrong and what to do;
// comlink keeps name and message across the worker boundary, so the views can show them as they are.

/** A run file (export or headless state file) that cannot be read: not a run file, corrupted, truncated, or invalid. */
export class RunFileError extends Error {
  override name = 'RunFileError';
}

/** A run file written by a newer format version than this build reads. */
export class RunFileVersionError extends RunFileError {
  override name = 'RunFileVersionError';
  constructor(
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(`this run file is format version ${fileVersion}; this build reads versions up to ${supportedVersion}: open it with a lab build that reads version ${fileVersion} or later`);
  }
}

/** Misuse of the store or a record that is not there (unknown run, run exists, step out of order). */
export class RunStoreError extends Error {
  override name = 'RunStoreError';
}

/** The browser refused a write for lack of space; nothing of the step was written. */
export class StoreQuotaError extends RunStoreError {
  override name = 'StoreQuotaError';
}

/** The run is open for writing in another tab or worker. */
export class RunLockedError extends RunStoreError {
  override name = 'RunLockedError';
}

/** The database is held at an older or newer version by another tab, or was closed under us. */
export class StoreVersionError extends RunStoreError {
  override name = 'StoreVersionError';
}

/** A saved run that does not belong to the models, task or settings it is resumed with. */
export class RunMismatchError extends Error {
  override name = 'RunMismatchError';
}
