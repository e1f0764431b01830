// `npm run lm`: the headless command prints llama2.c-exact logits for stories260K, reproducible samples for
// a fixture folder, and a usage error with exit code 2 for bad arguments.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeTinyLlamaFixture } from '../../src/models/llama/fixture';
import { readShared, sharedPath } from '../support/shared-data';

const run = promisify(execFile);
const lm = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/lm.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 << 20 });

describe('npm run lm', () => {
  it('logits of stories260K equal llama2.c run.c rows', async () => {
    const golden = new Float32Array(readShared('models/stories260K/golden/logits.f32').slice().buffer);
    const ids = new TextDecoder().decode(readShared('models/stories260K/golden/greedy_ids.txt')).trim().split(/\s+/).slice(0, 3);
    const { stdout } = await lm(['logits', '--model', sharedPath('models/stories260K/stories260K.bin'), '--ids', ids.join(',')]);
    const { logits } = JSON.parse(stdout) as { logits: number[][] };
    expect(logits).toHaveLength(3);
    logits.forEach((row, p) => row.forEach((v, i) => expect(Math.abs(v - golden[p * 512 + i]!)).toBeLessThan(1e-4)));
  }, 60_000);

  it('samples from a hub-layout folder reproducibly by seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-llama-'));
    await writeTinyLlamaFixture(dir, { seed: 5 });
    const args = ['sample', '--model', dir, '--prompt', 'the cat', '--n', '2', '--seed', '3', '--max-new-tokens', '5'];
    const a = JSON.parse((await lm(args)).stdout) as { samples: { tokens: number[]; logProb: number; text: string }[] };
    const b = JSON.parse((await lm(args)).stdout) as typeof a;
    expect(a.samples).toHaveLength(2);
    expect(b).toEqual(a);
    for (const s of a.samples) expect(s.logProb).toBeLessThan(0);
  }, 180_000); // two CLI processes, each compiling the model: seconds alone, minutes on a loaded 2-core machine

  it('bad arguments exit with code 2 and the usage', async () => {
    await expect(lm(['logits', '--model', sharedPath('models/stories260K/stories260K.bin'), '--ids', '1,x'])).rejects.toMatchObject({ code: 2 });
    await expect(lm(['frobnicate'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run lm') });
  }, 60_000);
});
