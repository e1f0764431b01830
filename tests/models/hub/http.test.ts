// The shared hub HTTP door: repo ids, hosts, status meanings, and bodies read into a buffer that grows with the bytes
// received (issue 9: a 4e9 Content-Length was allocated before a byte arrived) up to a cap per file type.
import { describe, expect, it } from 'vitest';
import { DOWNLOAD_CAPS, HttpBodyError, downloadCap, httpFailure, httpOrigin, isRepoId, nextCapacity, readBody } from '../../../src/models/hub/http';

/** A response streaming `chunks`, with the given headers; `pulls` counts reads of the body. */
function streamed(chunks: Uint8Array[], headers: Record<string, string> = {}, fail?: Error): { response: Response; pulls: () => number } {
  let pulls = 0;
  let k = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (k < chunks.length) controller.enqueue(chunks[k++]!);
      else if (fail) controller.error(fail);
      else controller.close();
    },
  });
  return { response: new Response(body, { headers }), pulls: () => pulls };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('ids, hosts and statuses', () => {
  it('repo ids: owner/name or name, no "..", no empty parts', () => {
    for (const ok of ['HuggingFaceTB/SmolLM2-135M', 'gpt2', 'a_b/c.d-e']) expect(isRepoId(ok), ok).toBe(true);
    for (const bad of ['', '/x', 'a/b/c', 'a/../b', 'a/b..c', '-a/b', 'a b', 42, null]) expect(isRepoId(bad), String(bad)).toBe(false);
  });

  it('hosts: http(s) URLs without query or fragment, trailing slashes dropped', () => {
    expect(httpOrigin('https://huggingface.co/')).toBe('https://huggingface.co');
    expect(httpOrigin('http://mirror.local:8080/hf//')).toBe('http://mirror.local:8080/hf');
    for (const bad of ['ftp://x', 'huggingface.co', 'https://x?a=1', 'https://x#f', '', 3]) expect(httpOrigin(bad), String(bad)).toBeUndefined();
  });

  it('statuses', () => {
    expect([404, 401, 403, 429, 500, 503, 400, 418].map(httpFailure)).toEqual(['not-found', 'unauthorized', 'unauthorized', 'rate-limited', 'server', 'server', 'refused', 'refused']);
  });

  it('caps by file type', () => {
    expect(downloadCap('model-00001-of-00002.safetensors')).toBe(4 * 2 ** 30);
    expect(downloadCap('onnx/model.onnx')).toBe(4 * 2 ** 30);
    expect(downloadCap('tokenizer.json')).toBe(64 * 2 ** 20);
    expect(downloadCap('config.json')).toBe(16 * 2 ** 20);
    expect(downloadCap('model.safetensors.index.json')).toBe(DOWNLOAD_CAPS.json);
  });
});

describe('nextCapacity', () => {
  it('doubles, stops at an honest Content-Length, and never passes the cap', () => {
    expect(nextCapacity(65536, 70000, null, 1e9)).toBe(131072);
    expect(nextCapacity(65536, 70000, 100000, 1e9)).toBe(100000);
    expect(nextCapacity(65536, 200000, 100000, 1e9)).toBe(200000); // the server lied: grow with what arrives
    expect(nextCapacity(65536, 70000, null, 100000)).toBe(100000);
    expect(nextCapacity(1, 10, 4e9, 8e9)).toBe(10);
  });
});

describe('readBody', () => {
  it('reads chunks into one buffer of exactly the body, with progress', async () => {
    const parts = [bytes(70000, 1), bytes(100000, 2), bytes(5, 3)];
    const { response } = streamed(parts, { 'content-length': '170005' });
    const progress: [number, number | null][] = [];
    const out = await readBody(response, { cap: 1e6, onProgress: (l, t) => progress.push([l, t]) });
    expect(out.byteLength).toBe(170005);
    expect(out.buffer.byteLength).toBe(170005); // grown to the honest length, no copy at the end
    expect(Array.from(out.subarray(69998, 70002))).toEqual([...parts[0]!.subarray(69998), ...parts[1]!.subarray(0, 2)]);
    expect(progress).toEqual([[0, 170005], [70000, 170005], [170000, 170005], [170005, 170005]]);
  });

  it('a Content-Length of 4e9 over a 10-byte body allocates nothing of that size: a short-body error', async () => {
    let pulls = 0;
    let peak = 0;
    const before = process.memoryUsage().arrayBuffers;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers); // the second pull comes after the reader's first read
        if (pulls++ === 0) controller.enqueue(bytes(10));
        else controller.close();
      },
    });
    const error = await readBody(new Response(body, { headers: { 'content-length': '4000000000' } }), { cap: 2 ** 33 }).catch((e: unknown) => e);
    expect(pulls).toBe(2);
    expect(peak - before).toBeLessThan(16 * 2 ** 20);
    expect(error).toBeInstanceOf(HttpBodyError);
    expect(error).toMatchObject({ problem: 'short', expectedBytes: 4e9, receivedBytes: 10 });
  });

  it('a declared length over the cap is refused before a byte is read', async () => {
    const { response, pulls } = streamed([bytes(10)], { 'content-length': String(5 * 2 ** 30) });
    const error = (await readBody(response, { cap: DOWNLOAD_CAPS.binary }).catch((e: unknown) => e)) as HttpBodyError;
    expect(error).toMatchObject({ problem: 'too-large', expectedBytes: 5 * 2 ** 30, receivedBytes: 0 });
    expect(error.message).toBe('the server announces 5368709120 bytes (5120.0 MiB), more than the 4096.0 MiB accepted for this file');
    expect(pulls()).toBeLessThanOrEqual(1); // a stream may pre-pull once; nothing was read into a buffer
  });

  it('a body without Content-Length is refused once it passes the cap', async () => {
    const { response } = streamed([bytes(60), bytes(60), bytes(60)]);
    const error = (await readBody(response, { cap: 100 }).catch((e: unknown) => e)) as HttpBodyError;
    expect(error).toMatchObject({ problem: 'too-large', expectedBytes: null, receivedBytes: 120 });
  });

  it('a connection that breaks is a broken-body error with the bytes so far', async () => {
    const { response } = streamed([bytes(30)], {}, new Error('socket hang up'));
    const error = (await readBody(response, { cap: 100 }).catch((e: unknown) => e)) as HttpBodyError;
    expect(error).toMatchObject({ problem: 'broken', receivedBytes: 30 });
    expect(error.message).toBe('the connection broke off: socket hang up');
  });

  it('a compressed body is not checked against its Content-Length', async () => {
    const { response } = streamed([bytes(50)], { 'content-length': '20', 'content-encoding': 'gzip' });
    expect((await readBody(response, { cap: 100 })).byteLength).toBe(50);
  });
});
