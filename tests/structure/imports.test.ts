// House-style import rules over the real tree (every src/ and workers/ file), one test per rule, each failing with
// the list of violations that names the file, the import and the rule; and the checker itself on small trees with a
// planted violation of each rule, so the rules cannot silently stop firing.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImportRules, domainOf, importCycles, importsOf, type Violation } from './import-rules';

const root = fileURLToPath(new URL('../../', import.meta.url));

function readSourceTree(): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts')) tree.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'workers'));
  return tree;
}

const tree = readSourceTree();
const violations = checkImportRules(tree);
const broken = (rule: string): string[] => violations.filter((v) => v.rule === rule).map((v) => v.message);

describe('import rules of house-style.md on src/ and workers/', () => {
  it('reads the tree: every domain folder has files, every file a domain', () => {
    expect(tree.size).toBeGreaterThan(100);
    const domains = new Set([...tree.keys()].map(domainOf));
    for (const d of ['ui', 'workers', 'engines', 'gflow', 'tasks', 'runtime', 'models', 'onnx', 'autodiff', 'random']) expect(domains).toContain(d);
    expect(broken('known-domain')).toEqual([]);
  });

  it('one door: only src/runtime imports onnxruntime-web or @huggingface/transformers', () => {
    expect(broken('one door')).toEqual([]);
  });

  it('layer order: app > ui > workers > engines, demo > gflow, tasks, store, runtime, models > onnx > autodiff > random', () => {
    expect(broken('layer order')).toEqual([]);
  });

  it('gflow is pure: no engines, runtime, store, ui, Node modules or DOM globals', () => {
    expect(broken('gflow is pure')).toEqual([]);
  });

  it('runtime is a door: it imports no gflow, tasks, engines, store or ui', () => {
    expect(broken('runtime is a door')).toEqual([]);
  });

  it('no import cycles between files', () => {
    expect(broken('no cycles')).toEqual([]);
  });
});

describe('the import-rule checker', () => {
  const clean = new Map([
    ['src/random/mulberry32.ts', 'export const r = 1;'],
    ['src/autodiff/ir.ts', "import { r } from '../random/mulberry32';"],
    ['src/gflow/run.ts', "import type { Task } from '../tasks/task';\nimport { r } from '../random/mulberry32';"],
    ['src/tasks/task.ts', 'export interface Task { id: string }'],
    ['src/runtime/ort-web.ts', "import * as ort from 'onnxruntime-web/webgpu';\nimport wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';"],
    ['src/engines/lab-engine.ts', "import { run } from '../gflow/run';\nimport { ort } from '../runtime/ort-web';"],
    ['workers/lab.worker.ts', "import { LabEngine } from '../src/engines/lab-engine';"],
    ['src/ui/App.svelte', "<script lang=\"ts\">\n  import type { LabEngine } from '../engines/lab-engine';\n  const w = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url));\n</script>\n<p>{document}</p>"],
  ]);
  const rulesOf = (extra: Record<string, string>): Violation[] => checkImportRules(new Map([...clean, ...Object.entries(extra)]));

  it('passes a clean tree and resolves imports to files', () => {
    expect(checkImportRules(clean)).toEqual([]);
    const files = new Set(clean.keys());
    expect(importsOf('src/ui/App.svelte', clean.get('src/ui/App.svelte')!, files).map((e) => [e.to, e.typeOnly])).toEqual([
      ['src/engines/lab-engine.ts', true],
      ['workers/lab.worker.ts', false],
    ]);
  });

  it('names the rule of each planted violation', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'src/gflow/x.ts': "import { env } from '@huggingface/transformers';" }, 'one door', /^src\/gflow\/x\.ts:1 imports '@huggingface\/transformers': only src\/runtime imports/],
      [{ 'src/tasks/x.ts': "import type { InferenceSession } from 'onnxruntime-web';" }, 'one door', /only src\/runtime imports onnxruntime-web/],
      [{ 'src/onnx/x.ts': "import { Task } from '../tasks/task';" }, 'layer order', /\(onnx -> tasks\): imports point one way/],
      [{ 'src/engines/x.ts': "export const w = () => import('../ui/App.svelte');" }, 'layer order', /\(engines -> ui\)/],
      [{ 'src/autodiff/x.ts': "let t: import('../gflow/run').X;" }, 'layer order', /\(autodiff -> gflow\)/],
      [{ 'src/gflow/x.ts': "import { ort } from '../runtime/ort-web';" }, 'gflow is pure', /\(gflow -> runtime\): gflow depends on interfaces/],
      [{ 'src/gflow/x.ts': "import { readFileSync } from 'node:fs';" }, 'gflow is pure', /gflow imports no Node module/],
      [{ 'src/gflow/x.ts': 'export const h = () => window.location.href;' }, 'gflow is pure', /^src\/gflow\/x\.ts:1 uses the DOM global 'window'/],
      [{ 'src/runtime/x.ts': "import type { Task } from '../tasks/task';" }, 'runtime is a door', /\(runtime -> tasks\)/],
      [{ 'src/tasks/a.ts': "import { b } from './b';", 'src/tasks/b.ts': "import { a } from './a';" }, 'no cycles', /^import cycle among src\/tasks\/a\.ts, src\/tasks\/b\.ts/],
      [{ 'src/widgets/x.ts': 'export {}' }, 'known-domain', /src\/widgets\/x\.ts is not in a known domain folder/],
    ];
    for (const [extra, rule, message] of cases) {
      const found = rulesOf(extra);
      expect(found.map((v) => v.rule), JSON.stringify(extra)).toEqual([rule]);
      expect(found[0]!.message).toMatch(message);
    }
  });

  it('ignores DOM-global names used as properties or declarations in gflow', () => {
    expect(rulesOf({ 'src/gflow/x.ts': 'const o = { window: 3 };\nexport const n = o.window;\nexport function f(document: string) { return document; }' })).toEqual([]);
  });

  it('finds each cycle once with Tarjan, including a self-import and a three-file ring', () => {
    const edge = (from: string, to: string) => ({ from, to, specifier: to, typeOnly: false, line: 1 });
    expect(importCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd'), edge('e', 'e'), edge('f', 'a')])).toEqual([['a', 'b', 'c'], ['e']]);
    expect(importCycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });
});
