// `npm run task -- inspect FILE [--family F] [--map JSON] [--name N]`: the Task a user file would make, as JSON on
// stdout: format, name, id, family, template, split sizes, label words or metric, two examples, the mapping used and
// its flags. BIG-bench and BBH files are recognised by their structure; other tables need a mapping when the guess is
// flagged. Any error is printed as JSON {"error": {name, message, file, line, column}} with exit code 2.
import { readFileSync } from 'node:fs';
import { taskFromFile, type TaskFileOptions } from '../src/tasks/import/task-file';
import type { TaskMapping } from '../src/tasks/import/to-task';
import type { TaskFamily } from '../src/tasks/task';

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = 'usage: npm run task -- inspect FILE [--family classification|generation|multiple_choice] [--map \'{"inputColumns": [...], "targetColumn": "...", ...}\'] [--name NAME]';

function parseArgs(argv: string[]): { file: string; options: TaskFileOptions } {
  const [command, file, ...rest] = argv;
  if (command !== 'inspect') throw new UsageError(`unknown command '${command ?? ''}'`);
  if (!file || file.startsWith('--')) throw new UsageError('inspect needs a FILE');
  const options: TaskFileOptions = {};
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if (value === undefined) throw new UsageError(`${key} needs a value`);
    if (key === '--family') options.family = value as TaskFamily;
    else if (key === '--name') options.name = value;
    else if (key === '--map') {
      let map: unknown;
      try {
        map = JSON.parse(value);
      } catch (error) {
        throw new UsageError(`--map is not JSON (${(error as Error).message})`);
      }
      if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new UsageError('--map must be a JSON object such as {"inputColumns": ["text"], "targetColumn": "label"}');
      options.map = map as Partial<TaskMapping>;
    } else throw new UsageError(`unknown option '${key}'`);
  }
  return { file, options };
}

function inspect(file: string, options: TaskFileOptions): unknown {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { format, task, mapping, flags } = taskFromFile(file, bytes, options);
  return {
    format,
    name: task.name,
    id: task.id,
    family: task.family,
    template: task.template,
    ...(task.labelWords ? { labels: task.labelWords } : {}),
    metric: task.metric,
    splits: { train: task.splits.train.length, validation: task.splits.validation.length, test: task.splits.test.length },
    examples: task.splits.train.slice(0, 2),
    ...(mapping ? { mapping } : {}),
    flags,
    notes: task.notes ?? [],
    description: task.description,
  };
}

try {
  const { file, options } = parseArgs(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(inspect(file, options), null, 2)}\n`);
} catch (error) {
  const e = error as Error & { file?: string; line?: number; column?: number };
  const position = { ...(e.file !== undefined && { file: e.file }), ...(e.line !== undefined && { line: e.line }), ...(e.column !== undefined && { column: e.column }) };
  process.stdout.write(`${JSON.stringify({ error: { name: e.name, message: e.message, ...position } }, null, 2)}\n`);
  if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
