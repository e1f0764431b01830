// Hugging Face datasets by id through the datasets-server API: /splits lists configs and splits, /rows pages
// through a split (at most 100 rows a request) into a Table of string rows, ClassLabel integers as their names.
// Every response is validated; errors are named. It caches nothing and does not map columns (import/mapping.ts).
import { DOWNLOAD_CAPS, HttpBodyError, failureAdvice, httpFailure, httpOrigin, isRepoId, networkFailure, readBody } from '../models/hub/http';
import { type Row, type Table, cellText } from './import/types';

export const DEFAULT_DATASETS_SERVER = 'https://datasets-server.huggingface.co';
/** The server's cap on `length` per /rows request. */
export const MAX_ROWS_PER_REQUEST = 100;

export interface DatasetServerOptions {
  /** datasets-server origin, optionally with a path prefix; default DEFAULT_DATASETS_SERVER. */
  host?: string;
  signal?: AbortSignal;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export interface DatasetSplitId {
  dataset: string;
  config: string;
  split: string;
}

export interface FetchRowsOptions extends DatasetServerOptions {
  config: string;
  split: string;
  /** First row to fetch; default 0. */
  offset?: number;
  /** Most rows to fetch; default all (num_rows_total). */
  limit?: number;
  /** Rows per request, 1..100; default 100. */
  pageSize?: number;
  /** After each page: rows fetched so far and how many this call will fetch in all. */
  onProgress?: (progress: { loaded: number; total: number }) => void;
}

export interface HubFeature {
  name: string;
  /** The feature's `_type`: 'Value', 'ClassLabel', 'Sequence', ... */
  type: string;
  /** For 'Value': 'string', 'int64', ... */
  dtype?: string;
  /** For 'ClassLabel': label names by integer value. */
  names?: string[];
}

export interface HubDatasetTable extends Table {
  format: 'hub';
  dataset: string;
  config: string;
  split: string;
  features: HubFeature[];
  /** Rows in the split (the server's num_rows_total). */
  numRowsTotal: number;
  /** The server has converted only part of the dataset (num_rows_total counts that part). */
  partial: boolean;
  /** row_idx of rows the server sent with truncated cells (too big for the API): their text is incomplete. */
  truncatedRows: number[];
}

export interface HubDatasetErrorDetails {
  dataset: string;
  url: string;
  status?: number;
  cause?: unknown;
}

/** A dataset could not be fetched (network, invalid id or host). Subclasses say why. */
export class HubDatasetError extends Error {
  override name = 'HubDatasetError';
  readonly dataset: string;
  readonly url: string;
  readonly status: number | undefined;

  constructor(message: string, details: HubDatasetErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.dataset = details.dataset;
    this.url = details.url;
    this.status = details.status;
  }
}

/** 404 (or 401/403): no such dataset, config or split on this host, or it is private or gated. */
export class DatasetNotFoundError extends HubDatasetError {
  override name = 'DatasetNotFoundError';
}

/** Any other non-2xx status. */
export class DatasetServerError extends HubDatasetError {
  override name = 'DatasetServerError';
}

/** A 2xx body that is not JSON or lacks a field we need. */
export class DatasetResponseError extends HubDatasetError {
  override name = 'DatasetResponseError';
}

function resolveHost(dataset: string, host: string | undefined): string {
  const h = httpOrigin(host ?? DEFAULT_DATASETS_SERVER);
  if (h === undefined) {
    throw new HubDatasetError(`datasets-server host ${JSON.stringify(host)} is not an http(s) URL; use e.g. ${DEFAULT_DATASETS_SERVER}`, { dataset, url: String(host) });
  }
  if (!isRepoId(dataset)) {
    throw new HubDatasetError(`${JSON.stringify(dataset)} is not a dataset id: use 'owner/name' (e.g. 'stanfordnlp/sst2') or 'name'`, { dataset, url: h });
  }
  return h;
}

/** GET `${host}${path}?params` as JSON, with named errors; aborts surface as the signal's reason. */
async function getJson(dataset: string, host: string, path: string, params: Record<string, string | number>, options: DatasetServerOptions): Promise<Record<string, unknown>> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const url = `${host}${path}?${query}`;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  options.signal?.throwIfAborted();
  let response: Response;
  let bytes: Uint8Array;
  const unreachable = (error: unknown): HubDatasetError =>
    new HubDatasetError(`could not reach ${host} for dataset ${JSON.stringify(dataset)} (${networkFailure(error, options.signal)}); check the network and the datasets-server host setting`, { dataset, url, cause: error });
  try {
    response = await fetchFn(url, { signal: options.signal, headers: { accept: 'application/json' } });
  } catch (error) {
    throw unreachable(error);
  }
  try {
    bytes = await readBody(response, { cap: DOWNLOAD_CAPS.datasetsPage, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (!(error instanceof HttpBodyError) || error.problem !== 'too-large') throw unreachable(error);
    throw new DatasetResponseError(`${url} sent a response too large to be a datasets-server page (${error.message}); check the datasets-server host setting`, { dataset, url, status: response.status, cause: error });
  }
  const text = new TextDecoder().decode(bytes);
  const serverSays = serverMessage(text);
  const failure = response.ok ? undefined : httpFailure(response.status);
  if (failure === 'not-found' || failure === 'unauthorized') {
    throw new DatasetNotFoundError(
      `dataset ${JSON.stringify(dataset)} was not found on ${host} (HTTP ${response.status}${serverSays}); check the id, config and split, or whether the dataset is private or gated`,
      { dataset, url, status: response.status },
    );
  }
  if (failure !== undefined) {
    throw new DatasetServerError(`${host} answered HTTP ${response.status} for dataset ${JSON.stringify(dataset)}${serverSays}; ${failureAdvice(failure)}`, { dataset, url, status: response.status });
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new DatasetResponseError(`${url} did not return JSON (${String(error)}); check the datasets-server host setting`, { dataset, url, status: response.status, cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DatasetResponseError(`${url} returned ${JSON.stringify(body)?.slice(0, 60)}, not a JSON object`, { dataset, url, status: response.status });
  }
  return body as Record<string, unknown>;
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    const error = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).error : undefined;
    return typeof error === 'string' ? `: ${error}` : '';
  } catch {
    return '';
  }
}

/** The configs and splits of a dataset, in the server's order. */
export async function listDatasetSplits(dataset: string, options: DatasetServerOptions = {}): Promise<DatasetSplitId[]> {
  const host = resolveHost(dataset, options.host);
  const body = await getJson(dataset, host, '/splits', { dataset }, options);
  const malformed = malformedAt(dataset, `${host}/splits?dataset=${encodeURIComponent(dataset)}`);
  const splits = body.splits;
  if (!Array.isArray(splits)) malformed('splits', 'an array');
  return (splits as unknown[]).map((s, k) => {
    const entry = s as Record<string, unknown> | null;
    if (typeof entry?.config !== 'string') malformed(`splits[${k}].config`, 'a string');
    if (typeof entry?.split !== 'string') malformed(`splits[${k}].split`, 'a string');
    return { dataset, config: entry!.config as string, split: entry!.split as string };
  });
}

function malformedAt(dataset: string, url: string) {
  return (field: string, expected: string): never => {
    throw new DatasetResponseError(`malformed response from ${url}: ${field} is missing or not ${expected}; check the datasets-server host setting`, { dataset, url });
  };
}

/** Rows offset..offset+limit of one split, page by page, as a Table (format 'hub'; rowLines are row_idx + 1). */
export async function fetchDatasetRows(dataset: string, options: FetchRowsOptions): Promise<HubDatasetTable> {
  const host = resolveHost(dataset, options.host);
  const { config, split } = options;
  const start = options.offset ?? 0;
  const pageSize = options.pageSize ?? MAX_ROWS_PER_REQUEST;
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`offset must be a non-negative integer, got ${start}`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_ROWS_PER_REQUEST) throw new RangeError(`pageSize must be an integer in 1..${MAX_ROWS_PER_REQUEST}, got ${pageSize}`);
  const limit = options.limit ?? Infinity;
  if (!(limit >= 0)) throw new RangeError(`limit must be non-negative, got ${limit}`);

  let features: HubFeature[] | undefined;
  let numRowsTotal = 0;
  let partial = false;
  let end = start + limit; // lowered to num_rows_total by the first page
  const rows: Row[] = [];
  const rowLines: number[] = [];
  const truncatedRows: number[] = [];
  let next = start;
  do {
    const length = Math.max(1, Math.min(pageSize, end - next)); // the first page is fetched even for limit 0: it has the features
    const params = { dataset, config, split, offset: next, length };
    const body = await getJson(dataset, host, '/rows', params, options);
    const malformed = malformedAt(dataset, `${host}/rows?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`);
    if (typeof body.num_rows_total !== 'number' || !Number.isInteger(body.num_rows_total) || body.num_rows_total < 0) malformed('num_rows_total', 'a non-negative integer');
    if (!Array.isArray(body.rows)) malformed('rows', 'an array');
    if (body.partial !== undefined && typeof body.partial !== 'boolean') malformed('partial', 'a boolean');
    if (!features) {
      features = parseFeatures(body.features, malformed);
      numRowsTotal = body.num_rows_total as number;
      partial = body.partial === true;
      end = Math.min(end, numRowsTotal);
      if (next >= end) break;
    }
    const page = (body.rows as unknown[]).slice(0, end - next);
    if (page.length === 0) malformed('rows', `non-empty at offset ${next} (num_rows_total is ${numRowsTotal})`);
    for (const [k, item] of page.entries()) {
      const entry = item as Record<string, unknown> | null;
      if (typeof entry?.row_idx !== 'number') malformed(`rows[${k}].row_idx`, 'a number');
      if (typeof entry!.row !== 'object' || entry!.row === null || Array.isArray(entry!.row)) malformed(`rows[${k}].row`, 'an object');
      const truncated = entry!.truncated_cells ?? [];
      if (!Array.isArray(truncated)) malformed(`rows[${k}].truncated_cells`, 'an array');
      const rowIdx = entry!.row_idx as number;
      rows.push(toRow(entry!.row as Record<string, unknown>, features, rowIdx, malformed, k));
      rowLines.push(rowIdx + 1);
      if ((truncated as unknown[]).length > 0) truncatedRows.push(rowIdx);
    }
    next += page.length;
    options.onProgress?.({ loaded: rows.length, total: end - start });
  } while (next < end);
  if (rows.length === 0) options.onProgress?.({ loaded: 0, total: 0 });
  return {
    source: `${dataset}/${config}/${split}`,
    format: 'hub',
    columns: features!.map((f) => f.name),
    rows,
    rowLines,
    dataset,
    config,
    split,
    features: features!,
    numRowsTotal,
    partial,
    truncatedRows,
  };
}

function parseFeatures(value: unknown, malformed: (field: string, expected: string) => never): HubFeature[] {
  if (!Array.isArray(value)) return malformed('features', 'an array');
  return value.map((f, k) => {
    const entry = f as Record<string, unknown> | null;
    if (typeof entry?.name !== 'string') malformed(`features[${k}].name`, 'a string');
    const type = entry!.type as Record<string, unknown> | null | undefined;
    if (typeof type !== 'object' || type === null) malformed(`features[${k}].type`, 'an object');
    const feature: HubFeature = { name: entry!.name as string, type: typeof type!._type === 'string' ? type!._type : 'unknown' };
    if (typeof type!.dtype === 'string') feature.dtype = type!.dtype;
    if (feature.type === 'ClassLabel') {
      const names = type!.names;
      if (!Array.isArray(names) || !names.every((x) => typeof x === 'string')) malformed(`features[${k}].type.names`, 'an array of strings');
      feature.names = names as string[];
    }
    return feature;
  });
}

/** Cell text by feature; a ClassLabel integer becomes its name, -1 (no label, as in GLUE test splits) ''. */
function toRow(row: Record<string, unknown>, features: HubFeature[], rowIdx: number, malformed: (field: string, expected: string) => never, k: number): Row {
  const out: Row = {};
  for (const f of features) {
    const value = Object.hasOwn(row, f.name) ? row[f.name] : null;
    let text: string;
    if (f.names && value !== null) {
      if (value === -1) text = '';
      else if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < f.names.length) text = f.names[value]!;
      else return malformed(`rows[${k}].row[${JSON.stringify(f.name)}] (row_idx ${rowIdx})`, `a label index in -1..${f.names.length - 1}, got ${JSON.stringify(value)}`);
    } else text = cellText(value);
    Object.defineProperty(out, f.name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
