// Global setup of the e2e project: builds the app (vite build, into a temporary folder, not dist/), adds a test hub
// with two tiny random fixture models in the Hugging Face URL layout (test-only: never committed, never in
// public/), serves it with vite preview (the production headers), and provides the URL to the tests.
import { access, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { hashTable } from '../../src/demo/world/model-files';
import { DEMO_MODEL_NAMES } from '../../src/demo/world/recipes';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { XSS_PAYLOADS } from './payloads';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The preview server's origin, e.g. http://localhost:4173. */
    baseUrl: string;
    /** Folder of the built app. */
    distDir: string;
    /** The build had no demo models (public/models/), so fixture models stand in for them (with model cards). */
    demoStandIn: boolean;
  }
}

/** Fixture models the tests pick as "other hub id" with the hub address `${baseUrl}/test-hub`. */
export const FIXTURE_MODELS = { prompt: { id: 'fixture/tiny-prompt', seed: 1 }, target: { id: 'fixture/tiny-target', seed: 2 } } as const;

/**
 * The prompt fixture with many vocabulary words renamed to markup (ids kept): its random samples decode to prompts
 * full of <script> and <img onerror> text. Encoding never yields those tokens (the pre-tokenizer splits them).
 */
function xssPromptFixture(): Record<string, Uint8Array> {
  const files = tinyLlamaFixtureFiles({ seed: 1 });
  const tokenizer = JSON.parse(new TextDecoder().decode(files['tokenizer.json'])) as { model: { vocab: Record<string, number> } };
  const words = ['cat', 'dog', 'sat', 'mat', 'ran', 'big', 'small', 'red', 'blue', 'good', 'bad', 'one', 'two', 'three', 'love', 'hate', 'say', 'hello', 'world', 'movie', 'great', 'terrible', 'review', 'positive', 'negative'];
  const vocab: Record<string, number> = {};
  let k = 0;
  for (const [word, id] of Object.entries(tokenizer.model.vocab)) {
    if (!words.includes(word)) {
      vocab[word] = id;
      continue;
    }
    // Distinct keys: the payloads, then the payloads with a number after them.
    vocab[`${XSS_PAYLOADS[k % XSS_PAYLOADS.length]!}${k >= XSS_PAYLOADS.length ? k : ''}`] = id;
    k++;
  }
  tokenizer.model.vocab = vocab;
  return { ...files, 'tokenizer.json': new TextEncoder().encode(JSON.stringify(tokenizer)) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = join(import.meta.dirname, '../..');
  const outDir = await mkdtemp(join(tmpdir(), 'gflowpo-e2e-'));
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const models: [string, Record<string, Uint8Array>][] = [
    ...Object.values(FIXTURE_MODELS).map(({ id, seed }) => [id, tinyLlamaFixtureFiles({ seed })] as [string, Record<string, Uint8Array>]),
    ['fixture/xss-prompt', xssPromptFixture()],
  ];
  for (const [id, files] of models) {
    const dir = join(outDir, 'test-hub', id, 'resolve', 'main');
    await mkdir(dir, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
  }
  // The demo world's models come with the build (public/models/); without them, fixture models stand in, carded.
  let demoStandIn = false;
  for (const [role, seed] of [['prompt', 1], ['target', 2]] as const) {
    const dir = join(outDir, 'models', DEMO_MODEL_NAMES[role]);
    if (await access(join(dir, 'README.md')).then(() => true, () => false)) continue;
    demoStandIn = true;
    const files = tinyLlamaFixtureFiles({ seed });
    await mkdir(dir, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
    await writeFile(join(dir, 'README.md'), `# Stand-in for ${DEMO_MODEL_NAMES[role]} (e2e only)\n\n${await hashTable(files)}\n`);
  }

  // A datasets-server stand-in: static answers to /splits and /rows (the query string is ignored).
  const datasets = join(outDir, 'test-datasets');
  await mkdir(datasets, { recursive: true });
  await writeFile(join(datasets, 'splits'), JSON.stringify({ splits: [{ dataset: 'fixture/reviews', config: 'default', split: 'train' }] }));
  const rows = Array.from({ length: 30 }, (_, i) => ({ row_idx: i, row: { sentence: `review ${i} <script>window.__xss=9</script>`, label: i % 3 === 0 ? 0 : 1 }, truncated_cells: [] }));
  const features = [{ feature_idx: 0, name: 'sentence', type: { dtype: 'string', _type: 'Value' } }, { feature_idx: 1, name: 'label', type: { names: ['negative', 'positive'], _type: 'ClassLabel' } }];
  await writeFile(join(datasets, 'rows'), JSON.stringify({ features, rows, num_rows_total: rows.length, num_rows_per_page: 100, partial: false }));
  const server = await preview({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
  if (!url) throw new Error('vite preview started without a local URL');
  project.provide('baseUrl', url);
  project.provide('distDir', outDir);
  project.provide('demoStandIn', demoStandIn);
  return async () => {
    await server.close();
    await rm(outDir, { recursive: true, force: true });
  };
}
