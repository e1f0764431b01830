// Hub datasets against a local server that imitates datasets-server: /splits, paged /rows (length capped at 100)
// with a ClassLabel feature, a 404 dataset, a 500, malformed and non-JSON bodies. Counts requests, checks paging,
// progress, aborts and that examples map from the fetched table.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DatasetNotFoundError,
  DatasetResponseError,
  DatasetServerError,
  HubDatasetError,
  fetchDatasetRows,
  listDatasetSplits,
} from '../../src/tasks/hub-datasets';
import { mapExamples } from '../../src/tasks/import/mapping';
import { ImportError } from '../../src/tasks/import/types';

const FEATURES = [
  { feature_idx: 0, name: 'idx', type: { dtype: 'int32', _type: 'Value' } },
  { feature_idx: 1, name: 'sentence', type: { dtype: 'string', _type: 'Value' } },
  { feature_idx: 2, name: 'label', type: { names: ['negative', 'positive'], _type: 'ClassLabel' } },
];

const SPLIT_SIZES: Record<string, number> = { train: 250, validation: 5, test: 3 };

function sst2Row(split: string, i: number): Record<string, unknown> {
  return { idx: i, sentence: `${split} sentence ${i}`, label: split === 'test' ? -1 : i % 3 === 0 ? 0 : 1 };
}

/** Answers like datasets-server for 'fixture/sst2'; other ids misbehave on purpose. */
class DatasetsServerFixture {
  readonly requests: URL[] = [];
  private server!: Server;
  host = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.host = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const dataset = url.searchParams.get('dataset');
    if (dataset === 'broken/server') return void json(500, { error: 'Unexpected error.' });
    if (dataset === 'broken/not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    if (dataset === 'broken/malformed') return void json(200, { features: FEATURES, rows: [] });
    if (dataset === 'broken/labels') return void json(200, { features: FEATURES, rows: [{ row_idx: 0, row: { idx: 0, sentence: 's', label: 7 }, truncated_cells: [] }], num_rows_total: 1 });
    if (dataset === 'fixture/big-cells') {
      return void json(200, { features: FEATURES.slice(0, 2), rows: [{ row_idx: 0, row: { idx: 0, sentence: 'lon' }, truncated_cells: ['sentence'] }], num_rows_total: 1, partial: true });
    }
    if (dataset !== 'fixture/sst2') {
      return void json(404, { error: 'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.' });
    }
    if (url.pathname === '/splits') {
      return void json(200, {
        splits: Object.keys(SPLIT_SIZES).map((split) => ({ dataset, config: 'default', split })),
        pending: [],
        failed: [],
      });
    }
    if (url.pathname !== '/rows') return void json(404, { error: 'Not found.' });
    const split = url.searchParams.get('split') ?? '';
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const length = Number(url.searchParams.get('length') ?? 100);
    if (url.searchParams.get('config') !== 'default' || !(split in SPLIT_SIZES)) return void json(404, { error: 'Not found.' });
    if (length > 100 || length < 0) return void json(422, { error: 'Parameter \'length\' must be between 0 and 100.' });
    const total = SPLIT_SIZES[split]!;
    const rows = [];
    for (let i = offset; i < Math.min(total, offset + length); i++) rows.push({ row_idx: i, row: sst2Row(split, i), truncated_cells: [] });
    json(200, { features: FEATURES, rows, num_rows_total: total, num_rows_per_page: 100, partial: false });
  }
}

const server = new DatasetsServerFixture();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
});

const pages = () => server.requests.map((u) => [Number(u.searchParams.get('offset')), Number(u.searchParams.get('length'))]);

async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('listDatasetSplits', () => {
  it('lists configs and splits with one request', async () => {
    expect(await listDatasetSplits('fixture/sst2', { host: server.host })).toEqual([
      { dataset: 'fixture/sst2', config: 'default', split: 'train' },
      { dataset: 'fixture/sst2', config: 'default', split: 'validation' },
      { dataset: 'fixture/sst2', config: 'default', split: 'test' },
    ]);
    expect(server.requests.map((u) => `${u.pathname}${u.search}`)).toEqual(['/splits?dataset=fixture%2Fsst2']);
  });

  it('a missing dataset is a DatasetNotFoundError naming the id and host, with the status', async () => {
    const e = await rejection(listDatasetSplits('nobody/nothing', { host: `${server.host}/` }), DatasetNotFoundError);
    expect(e.name).toBe('DatasetNotFoundError');
    expect(e.status).toBe(404);
    expect(e.dataset).toBe('nobody/nothing');
    expect(e.message).toContain(`dataset "nobody/nothing" was not found on ${server.host} (HTTP 404: The dataset does not exist`);
  });
});

describe('fetchDatasetRows', () => {
  it('pages through a split 100 rows at a time, mapping ClassLabel integers to names, with progress', async () => {
    const progress: { loaded: number; total: number }[] = [];
    const table = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'train', onProgress: (p) => progress.push(p) });
    expect(pages()).toEqual([[0, 100], [100, 100], [200, 50]]);
    expect(progress).toEqual([{ loaded: 100, total: 250 }, { loaded: 200, total: 250 }, { loaded: 250, total: 250 }]);
    expect(table.rows).toHaveLength(250);
    expect(table.rows.slice(0, 2)).toEqual([
      { idx: '0', sentence: 'train sentence 0', label: 'negative' },
      { idx: '1', sentence: 'train sentence 1', label: 'positive' },
    ]);
    expect(table.rows[249]).toEqual({ idx: '249', sentence: 'train sentence 249', label: 'negative' });
    expect(table.rowLines.slice(0, 3)).toEqual([1, 2, 3]);
    expect(table.rowLines[249]).toBe(250);
    expect(table).toMatchObject({
      source: 'fixture/sst2/default/train',
      format: 'hub',
      columns: ['idx', 'sentence', 'label'],
      numRowsTotal: 250,
      partial: false,
      truncatedRows: [],
      features: [
        { name: 'idx', type: 'Value', dtype: 'int32' },
        { name: 'sentence', type: 'Value', dtype: 'string' },
        { name: 'label', type: 'ClassLabel', names: ['negative', 'positive'] },
      ],
    });
  });

  it('fetches offset..offset+limit in pages of pageSize, never past the end', async () => {
    const progress: number[][] = [];
    const onProgress = (p: { loaded: number; total: number }) => progress.push([p.loaded, p.total]);
    const table = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'train', offset: 10, limit: 70, pageSize: 30, onProgress });
    expect(pages()).toEqual([[10, 30], [40, 30], [70, 10]]);
    expect(progress).toEqual([[30, 70], [60, 70], [70, 70]]);
    expect(table.rows.map((r) => r.idx)).toEqual(Array.from({ length: 70 }, (_, i) => String(10 + i)));
    server.requests.length = 0;
    const tail = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'train', offset: 240, limit: 500 });
    expect(pages()).toEqual([[240, 100]]);
    expect(tail.rows).toHaveLength(10);
  });

  it('an offset past the end or a limit of 0 gives no rows after one request', async () => {
    const progress: { loaded: number; total: number }[] = [];
    const none = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'validation', offset: 5, onProgress: (p) => progress.push(p) });
    expect(none.rows).toEqual([]);
    expect(none.columns).toEqual(['idx', 'sentence', 'label']);
    expect(progress).toEqual([{ loaded: 0, total: 0 }]);
    expect((await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'validation', limit: 0 })).rows).toEqual([]);
    expect(pages()).toEqual([[5, 100], [0, 1]]);
  });

  it('rejects bad arguments before any request', async () => {
    const base = { host: server.host, config: 'default', split: 'train' };
    await expect(fetchDatasetRows('fixture/sst2', { ...base, pageSize: 101 })).rejects.toThrow(RangeError);
    await expect(fetchDatasetRows('fixture/sst2', { ...base, offset: -1 })).rejects.toThrow(RangeError);
    await expect(fetchDatasetRows('../etc', base)).rejects.toThrow(/not a dataset id/);
    await expect(fetchDatasetRows('fixture/sst2', { ...base, host: 'ftp://x' })).rejects.toThrow(/not an http\(s\) URL/);
    expect(server.requests).toHaveLength(0);
  });

  it('a missing split is a DatasetNotFoundError', async () => {
    const e = await rejection(fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'dev' }), DatasetNotFoundError);
    expect(e.status).toBe(404);
    expect(e.url).toContain('split=dev');
  });

  it('a server error is a DatasetServerError with the status', async () => {
    const e = await rejection(fetchDatasetRows('broken/server', { host: server.host, config: 'default', split: 'train' }), DatasetServerError);
    expect(e.name).toBe('DatasetServerError');
    expect(e.status).toBe(500);
    expect(e.message).toBe(`${server.host} answered HTTP 500 for dataset "broken/server": Unexpected error.; the server failed: retry later`);
  });

  it('a malformed body is a DatasetResponseError naming the missing field', async () => {
    const e = await rejection(fetchDatasetRows('broken/malformed', { host: server.host, config: 'default', split: 'train' }), DatasetResponseError);
    expect(e.name).toBe('DatasetResponseError');
    expect(e.message).toContain('num_rows_total is missing or not a non-negative integer');
    const html = await rejection(listDatasetSplits('broken/not-json', { host: server.host }), DatasetResponseError);
    expect(html.message).toContain('did not return JSON');
    const labels = await rejection(fetchDatasetRows('broken/labels', { host: server.host, config: 'default', split: 'train' }), DatasetResponseError);
    expect(labels.message).toContain('a label index in -1..1, got 7');
  });

  it('reports rows with truncated cells and partial conversion', async () => {
    const table = await fetchDatasetRows('fixture/big-cells', { host: server.host, config: 'default', split: 'train' });
    expect(table.truncatedRows).toEqual([0]);
    expect(table.partial).toBe(true);
  });

  it('an abort between pages stops the paging and surfaces as the AbortError', async () => {
    const controller = new AbortController();
    const run = fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'train', signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
  });

  it('uses the fetch option, and a network failure is a HubDatasetError with its cause', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const e = await rejection(listDatasetSplits('fixture/sst2', { host: 'https://datasets.invalid', fetch: failing }), HubDatasetError);
    expect(calls).toBe(1);
    expect(e.name).toBe('HubDatasetError');
    expect(e.message).toContain('could not reach https://datasets.invalid');
    expect((e.cause as Error).message).toBe('fetch failed');
    const local: typeof fetch = (input, init) => {
      calls++;
      return fetch(String(input).replace('https://datasets-server.huggingface.co', server.host), init);
    };
    expect(await listDatasetSplits('fixture/sst2', { fetch: local })).toHaveLength(3);
    expect(calls).toBe(2);
  });
});

describe('response sizes (issue 9: bodies were read whole with response.text())', () => {
  it('a page larger than 32 MiB is a DatasetResponseError, read no further than the cap', async () => {
    let pulls = 0;
    const huge: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls++;
            controller.enqueue(new Uint8Array(2 ** 20).fill(0x20));
          },
        }),
      );
    const e = await rejection(listDatasetSplits('fixture/sst2', { host: 'https://datasets.test', fetch: huge }), DatasetResponseError);
    expect(e.message).toMatch(/^https:\/\/datasets\.test\/splits\?dataset=fixture%2Fsst2 sent a response too large to be a datasets-server page \(the body passed 32\.0 MiB/);
    expect(pulls).toBeLessThanOrEqual(35);
  });

  it('a body that is not UTF-8 is a DatasetResponseError, not text with U+FFFD', async () => {
    const bad: typeof fetch = async () => new Response(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    const e = await rejection(listDatasetSplits('fixture/sst2', { host: 'https://datasets.test', fetch: bad }), DatasetResponseError);
    expect(e.message).toContain('did not return JSON');
  });
});

describe('hub rows to examples', () => {
  it('maps fetched rows; a test split without labels (ClassLabel -1) is rejected at its row', async () => {
    const validation = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'validation' });
    const examples = mapExamples(validation, { inputColumns: ['sentence'], labelColumn: 'label', labelWords: { negative: 'terrible', positive: 'great' } });
    expect(examples.map((x) => [x.input, x.output, x.line])).toEqual([
      ['validation sentence 0', 'terrible', 1],
      ['validation sentence 1', 'great', 2],
      ['validation sentence 2', 'great', 3],
      ['validation sentence 3', 'terrible', 4],
      ['validation sentence 4', 'great', 5],
    ]);
    const test = await fetchDatasetRows('fixture/sst2', { host: server.host, config: 'default', split: 'test' });
    expect(test.rows[0]!.label).toBe('');
    let error: unknown;
    try {
      mapExamples(test, { inputColumns: ['sentence'], labelColumn: 'label' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).message).toBe('fixture/sst2/default/test: the row at line 1 has an empty "label"; fill it in or remove the row');
  });
});
