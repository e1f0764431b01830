// The committed demo models as model sources: public/models/demo-target-lm and public/models/demo-prompt-lm (the
// hub layout, served by Vite at /models/<name>/ in the lab). Every file is checked against the SHA-256 its model
// card lists before anything is parsed, so a corrupted or truncated file is refused by name, never half-loaded;
// the engines then validate the files like any model's. Node reads the folder (node:fs, imported lazily), the
// browser fetches it.
import { parseHashTable, sha256Hex } from './model-files';
import { DEMO_MODEL_NAMES, type DemoRole } from './recipes';

export { DEMO_MODEL_NAMES, type DemoRole };

/** The files of a demo model folder besides its card (README.md). */
export const DEMO_MODEL_FILES = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** A demo model file is missing, unreadable or not the file its model card describes. */
export class DemoModelError extends Error {
  override name = 'DemoModelError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads one file of a model folder by name. */
export type ReadModelFile = (name: string) => Promise<Uint8Array>;

/** The folder's files by name, each verified against the card's SHA-256 (README.md is read first). */
export async function readDemoModel(role: DemoRole, read: ReadModelFile, where = `public/models/${DEMO_MODEL_NAMES[role]}`): Promise<Map<string, Uint8Array>> {
  const get = async (name: string): Promise<Uint8Array> => {
    try {
      return await read(name);
    } catch (error) {
      throw new DemoModelError(name, `cannot read ${where}/${name} (${(error as Error).message}); run \`npm run demo:train\` to remake the demo models`);
    }
  };
  const card = new TextDecoder().decode(await get('README.md'));
  const hashes = parseHashTable(card);
  const files = new Map<string, Uint8Array>();
  for (const name of DEMO_MODEL_FILES) {
    const expected = hashes.get(name);
    if (!expected) throw new DemoModelError('README.md', `the model card ${where}/README.md lists no SHA-256 for ${name}; restore the card or run \`npm run demo:train\``);
    const bytes = await get(name);
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      throw new DemoModelError(name, `${where}/${name} is corrupted or not the committed file: SHA-256 ${actual}, the model card lists ${expected} (${bytes.byteLength} bytes read); restore it (git checkout) or run \`npm run demo:train\``);
    }
    files.set(name, bytes);
  }
  return files;
}

/** A model source the prompt-LM and target engines load ({ kind: 'files' }). */
export interface DemoModelSource {
  kind: 'files';
  files: Map<string, Uint8Array>;
}

/**
 * The demo model of `role` as a model source. Node: read from `root` (default: the working directory, the
 * repository root for npm scripts) + public/models/<name>. Browser: fetched from `baseUrl` (default '/models/').
 */
export async function demoModelSource(role: DemoRole, options: { root?: string; baseUrl?: string } = {}): Promise<DemoModelSource> {
  const name = DEMO_MODEL_NAMES[role];
  if (typeof window === 'undefined' && typeof process !== 'undefined' && process.release?.name === 'node' && options.baseUrl === undefined) {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const folder = demoModelFolder(role, options.root ?? process.cwd(), join);
    const files = await readDemoModel(role, async (file) => new Uint8Array(await readFile(join(folder, file))), folder);
    return { kind: 'files', files };
  }
  const base = `${(options.baseUrl ?? '/models/').replace(/\/?$/, '/')}${name}/`;
  const files = await readDemoModel(
    role,
    async (file) => {
      const response = await fetch(`${base}${file}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    base.replace(/\/$/, ''),
  );
  return { kind: 'files', files };
}

/** The folder of a demo model under a repository root. */
export function demoModelFolder(role: DemoRole, root: string, join: (...parts: string[]) => string): string {
  return join(root, 'public', 'models', DEMO_MODEL_NAMES[role]);
}
