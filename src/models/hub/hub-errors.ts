// The hub download's typed errors: a bad model id or request setting, and a file that could not be downloaded
// (network, status, size, contents), each carrying the model, file and URL. Thrown by hub.ts; no logic here.
/** Not a Hugging Face model id ('owner/name' or 'name'). */
export class InvalidModelIdError extends Error {
  override name = 'InvalidModelIdError';
}

/** A hub setting or file name that cannot make a request (host not an http(s) URL, empty revision, '..' in a path). */
export class HubRequestError extends Error {
  override name = 'HubRequestError';
}

export interface DownloadErrorDetails {
  modelId: string;
  file: string;
  url: string;
  status?: number;
  expectedBytes?: number | null;
  receivedBytes?: number;
  cause?: unknown;
}

/** A file could not be downloaded (network, HTTP status, truncated body). Nothing of it was cached. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  readonly modelId: string;
  readonly file: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly expectedBytes: number | null | undefined;
  readonly receivedBytes: number | undefined;

  constructor(message: string, details: DownloadErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.modelId = details.modelId;
    this.file = details.file;
    this.url = details.url;
    this.status = details.status;
    this.expectedBytes = details.expectedBytes;
    this.receivedBytes = details.receivedBytes;
  }
}

/** The hub answered 404 for one file of the model. */
export class FileNotFoundError extends DownloadError {
  override name = 'FileNotFoundError';
}

/** The model (or its revision) does not exist on this host, or has no config.json. */
export class ModelNotFoundError extends FileNotFoundError {
  override name = 'ModelNotFoundError';
}

/** The file is larger than a browser can hold for its type (downloadCap in http.ts): refused before or while reading. */
export class FileTooLargeError extends DownloadError {
  override name = 'FileTooLargeError';
}

/** The file arrived whole but its contents are wrong (bad safetensors header, invalid JSON, bad shard index). */
export class CorruptFileError extends DownloadError {
  override name = 'CorruptFileError';
}
