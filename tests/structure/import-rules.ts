// The import rules of shared/docs/house-style.md as a checker over source texts: every import of every src/ and
// workers/ file is parsed with the TypeScript compiler (Svelte files: their <script> blocks), resolved to a file or a
// package, and checked. Each violation names the file, what it imports and the rule it breaks. Pure: it reads no
// files itself (readSourceTree in imports.test.ts does), so a test can feed it a tree with a planted violation.
//
// Layers, each importing only its own or lower ones (random is importable by all and imports nothing of ours):
//   app (src/main.ts, src/csp-boot.ts: the page's entry modules) > ui > workers > engines, demo > gflow, tasks, store, runtime, models > onnx > autodiff > random
// Rules beyond the order: only src/runtime imports onnxruntime-web/-node or @huggingface/transformers; gflow imports
// no runtime or store (same layer), no Node module and uses no DOM global; runtime imports no gflow, tasks or store;
// no import cycles between files (Tarjan's strongly connected components; type-only imports count too).
import ts from 'typescript';

export type Domain = 'app' | 'ui' | 'workers' | 'engines' | 'demo' | 'gflow' | 'tasks' | 'store' | 'runtime' | 'models' | 'onnx' | 'autodiff' | 'random';

export const LAYER: Readonly<Record<Domain, number>> = {
  app: 7,
  ui: 6,
  workers: 5,
  engines: 4,
  demo: 4,
  gflow: 3,
  tasks: 3,
  store: 3,
  runtime: 3,
  models: 3,
  onnx: 2,
  autodiff: 1,
  random: 0,
};

export interface ImportEdge {
  /** Importing file, repository-relative ('src/gflow/run.ts'). */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** Repository-relative file it resolves to, or null for a package. */
  to: string | null;
  typeOnly: boolean;
  line: number;
}

export interface Violation {
  rule: string;
  message: string;
}

/** 'src/gflow/run.ts' -> 'gflow'; 'workers/x.ts' -> 'workers'; 'src/main.ts' -> 'app'; null outside src/ and workers/. */
export function domainOf(file: string): Domain | null {
  if (file.startsWith('workers/')) return 'workers';
  if (file === 'src/main.ts' || file === 'src/csp-boot.ts') return 'app';
  const m = /^src\/([^/]+)\//.exec(file);
  if (!m) return null;
  return Object.hasOwn(LAYER, m[1]!) ? (m[1] as Domain) : null;
}

function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** A relative specifier resolved against the tree's files ('.ts', '.svelte', '/index.ts' tried), or the bare path. */
function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string {
  const base = normalise(`${from.slice(0, from.lastIndexOf('/'))}/${specifier.replace(/\?.*$/, '')}`);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')]) if (files.has(candidate)) return candidate;
  return base;
}

const DOM_GLOBALS = new Set(['document', 'window', 'navigator', 'localStorage', 'sessionStorage', 'indexedDB']);

/**
 * Identifiers naming a DOM global as a value: not a property name, not a type, and not a name the file declares
 * itself (a parameter or variable called `document` is a local; best effort, without scopes).
 */
function domGlobalUses(source: ts.SourceFile): { name: string; line: number }[] {
  const declared = new Set<string>();
  const candidates: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && DOM_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const propertyName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node);
      const declaration = (ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isBindingElement(parent) || ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent)) && parent.name === node;
      if (declaration) declared.add(node.text);
      else if (!propertyName && !ts.isTypeReferenceNode(parent)) candidates.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return candidates.filter((n) => !declared.has(n.text)).map((n) => ({ name: n.text, line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1 }));
}

/** Every import of one file: import/export ... from, import(), import('x').T types, new URL('…', import.meta.url). */
export function importsOf(file: string, text: string, files: ReadonlySet<string>): ImportEdge[] {
  const source = ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.ES2022, true);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean): void => {
    const to = specifier.startsWith('.') ? resolveRelative(file, specifier, files) : null;
    edges.push({ from: file, specifier, to, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node, node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.length === 2 && ts.isStringLiteral(node.arguments[0]!) && node.arguments[1]!.getText() === 'import.meta.url') {
      add(node, node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const DOORS = [/^onnxruntime-web(\/|$)/, /^onnxruntime-node(\/|$)/, /^@huggingface\/transformers(\/|$)/];
const NODE_MODULE = /^node:|^(fs|path|os|url|child_process|crypto|worker_threads|process|stream|util|zlib|http|https|net)(\/|$)/;

/** Tarjan's strongly connected components of the file graph; returns the cycles (components of two or more, or a self-import). */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.to === null) continue;
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    if (!graph.has(e.to)) graph.set(e.to, new Set());
    graph.get(e.from)!.add(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const strongConnect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.has(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);
  return cycles;
}

/** Every rule violation of a source tree (repository-relative path -> text) of src/ and workers/ files. */
export function checkImportRules(tree: ReadonlyMap<string, string>): Violation[] {
  const files = new Set(tree.keys());
  const violations: Violation[] = [];
  const edges: ImportEdge[] = [];
  for (const [file, text] of tree) {
    const from = domainOf(file);
    if (from === null) {
      violations.push({ rule: 'known-domain', message: `${file} is not in a known domain folder (${Object.keys(LAYER).join(', ')}): add its folder to the layer table of tests/structure/import-rules.ts` });
      continue;
    }
    for (const edge of importsOf(file, text, files)) {
      edges.push(edge);
      const at = `${file}:${edge.line} imports '${edge.specifier}'`;
      if (edge.to === null) {
        if (DOORS.some((d) => d.test(edge.specifier)) && from !== 'runtime') {
          violations.push({ rule: 'one door', message: `${at}: only src/runtime imports onnxruntime-web, onnxruntime-node or @huggingface/transformers (ort-web.ts, ort-node.ts, transformers.ts are the doors)` });
        }
        if (from === 'gflow' && NODE_MODULE.test(edge.specifier)) violations.push({ rule: 'gflow is pure', message: `${at}: gflow imports no Node module (it runs in the browser and in Node tests alike)` });
        continue;
      }
      const to = domainOf(edge.to);
      if (to === null) {
        if (!edge.to.startsWith('src/') && !edge.to.startsWith('workers/')) continue; // e.g. ../package.json, public assets
        violations.push({ rule: 'known-domain', message: `${at} -> ${edge.to}, which is in no known domain folder` });
        continue;
      }
      if (LAYER[to] > LAYER[from]) {
        violations.push({ rule: 'layer order', message: `${at} (${from} -> ${to}): imports point one way, app > ui > workers > engines, demo > gflow, tasks, store, runtime, models > onnx > autodiff > random` });
      }
      if (from === 'gflow' && (to === 'runtime' || to === 'store')) violations.push({ rule: 'gflow is pure', message: `${at} (gflow -> ${to}): gflow depends on interfaces, not on the runtime or the store` });
      if (from === 'runtime' && (to === 'gflow' || to === 'tasks' || to === 'store')) violations.push({ rule: 'runtime is a door', message: `${at} (runtime -> ${to}): runtime touches onnxruntime-web and transformers.js only; it never imports gflow, tasks, engines, store or ui` });
    }
    if (from === 'gflow') {
      const source = ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.ES2022, true);
      for (const use of domGlobalUses(source)) violations.push({ rule: 'gflow is pure', message: `${file}:${use.line} uses the DOM global '${use.name}': gflow runs without a DOM (pass what it needs in through an interface)` });
    }
  }
  for (const cycle of importCycles(edges)) violations.push({ rule: 'no cycles', message: `import cycle among ${cycle.join(', ')}: move what they share into one module both import` });
  return violations;
}
