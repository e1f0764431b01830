// `npm run fixture:tiny-llama -- <dir> [--seed S] [--model-type llama|qwen2|qwen3] [--tied|--untied] [--shards N]`:
// writes a tiny random model in the Hugging Face hub layout (src/models/fixture-tiny-llama.ts) and lists the files.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type TinyLlamaFixtureOptions, writeTinyLlamaFixture } from '../src/models/llama/fixture';

const USAGE = 'usage: npm run fixture:tiny-llama -- <dir> [--seed S] [--model-type llama|qwen2|qwen3] [--tied|--untied] [--shards N]';

export class FixtureArgsError extends Error {
  override name = 'FixtureArgsError';
}

function integer(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new FixtureArgsError(`${flag} needs a non-negative integer, got ${value ?? 'nothing'}`);
  return Number(value);
}

/** Parses the arguments after `--`; throws FixtureArgsError naming the bad argument. */
export function parseFixtureArgs(argv: readonly string[]): { dir: string; options: TinyLlamaFixtureOptions } {
  let dir: string | undefined;
  const options: TinyLlamaFixtureOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seed') options.seed = integer(arg, argv[++i]);
    else if (arg === '--shards') options.shards = integer(arg, argv[++i]);
    else if (arg === '--model-type') {
      const type = argv[++i];
      if (type !== 'llama' && type !== 'qwen2' && type !== 'qwen3') throw new FixtureArgsError(`--model-type must be llama, qwen2 or qwen3, got ${type ?? 'nothing'}`);
      options.modelType = type;
    } else if (arg === '--tied' || arg === '--untied') {
      if (options.tied !== undefined) throw new FixtureArgsError('give at most one of --tied and --untied');
      options.tied = arg === '--tied';
    } else if (arg.startsWith('-')) throw new FixtureArgsError(`unknown option ${arg}`);
    else if (dir === undefined) dir = arg;
    else throw new FixtureArgsError(`one output directory expected, got ${dir} and ${arg}`);
  }
  if (dir === undefined) throw new FixtureArgsError('the output directory is missing');
  return { dir, options };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseFixtureArgs>;
  try {
    parsed = parseFixtureArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const written = await writeTinyLlamaFixture(resolve(parsed.dir), parsed.options);
  for (const path of written) console.log(`${path} (${statSync(path).size} bytes)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
