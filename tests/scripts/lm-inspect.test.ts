// `npm run lm -- inspect`: a fixture folder's summary as JSON, and a broken model's named error as JSON with exit 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeTinyLlamaFixture } from '../../src/models/llama/fixture';

const run = promisify(execFile);
const lm = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/lm.ts', ...args], { cwd: process.cwd() });

describe('npm run lm -- inspect', () => {
  it('prints the summary of a hub-layout folder, and the named error of a broken one (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-inspect-'));
    await writeTinyLlamaFixture(dir, { seed: 4 });
    const summary = JSON.parse((await lm(['inspect', '--model', dir])).stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'llama', layers: 2, hidden: 32, heads: 4, vocab: 64, parameters: 22688, dtype: ['F32'], tokenizer: true });
    const config = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: 1e9 }));
    const broken = (await lm(['inspect', '--model', dir]).catch((e: unknown) => e)) as { code: number; stdout: string };
    expect(broken.code).toBe(2);
    const { error } = JSON.parse(broken.stdout) as { error: { name: string; message: string } };
    expect(error.name).toBe('UnsupportedConfigError');
    expect(error.message).toMatch(/^config\.json hidden_size = 1000000000 is above 65536/);
  }, 60_000);
});
