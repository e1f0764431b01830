// A Stryker reporter plugin ('folder-score') that prints the mutation score per folder of mutated files,
// and writes each undetected mutant as soon as it is known to reports/mutation/undetected-live.txt (a long
// run can be worked on before it ends). As a command it prints the summary of saved JSON reports, merged
// (each file keeps the result of the report listed last that holds it):
//   node scripts/stryker-folder-reporter.mjs [reports/mutation/mutation.json ...]
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), Stryker's definition; mutants
// that do not compile or crash the runner (CompileError, RuntimeError) and ignored ones are not counted.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

/** Per-folder counts from a mutation-testing-report-schema object ({ files: { path: { mutants } } }). */
export function folderScores(report) {
  const folders = new Map();
  for (const [path, file] of Object.entries(report.files)) {
    const folder = dirname(path.replace(/\\/g, '/'));
    const c = folders.get(folder) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 };
    for (const m of file.mutants) {
      if (m.status === 'Killed') c.killed++;
      else if (m.status === 'Timeout') c.timeout++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
      else c.other++;
    }
    folders.set(folder, c);
  }
  return [...folders.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function formatFolderScores(report) {
  const rows = folderScores(report);
  const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 };
  const line = (name, c) => {
    const detected = c.killed + c.timeout;
    const valid = detected + c.survived + c.noCoverage;
    const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(2)}%`;
    return `${name.padEnd(28)} ${score.padStart(8)}  killed ${c.killed}, timeout ${c.timeout}, survived ${c.survived}, no coverage ${c.noCoverage}, not counted ${c.other}`;
  };
  const out = ['Mutation score per folder:'];
  for (const [folder, c] of rows) {
    out.push(line(folder, c));
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  out.push(line('all', total));
  return out.join('\n');
}

const LIVE = 'reports/mutation/undetected-live.txt';
const sources = new Map();

/** One line per undetected mutant (schema locations: 1-based line and column): file:line:column, status, mutator, the line with the replacement marked. */
function describeMutant(m) {
  const file = relative(process.cwd(), m.fileName);
  if (!sources.has(file)) sources.set(file, readFileSync(m.fileName, 'utf8').split('\n'));
  const { start, end } = m.location;
  const line = sources.get(file)[start.line - 1] ?? '';
  const shown = start.line === end.line ? `${line.slice(0, start.column - 1)}<<${m.replacement}>>${line.slice(end.column - 1)}` : `${line} <<${m.replacement}>>`;
  return `${file}:${start.line}:${start.column} ${m.status} ${m.mutatorName} | ${shown.trim()}`;
}

class FolderScoreReporter {
  static inject = [];
  constructor() {
    mkdirSync(dirname(LIVE), { recursive: true });
    appendFileSync(LIVE, `# run started ${new Date().toISOString()}\n`);
  }
  onMutantTested(m) {
    if (m.status === 'Survived' || m.status === 'NoCoverage' || m.status === 'Timeout') appendFileSync(LIVE, `${describeMutant(m)}\n`);
  }
  onMutationTestReportReady(report) {
    console.log(`\n${formatFolderScores(report)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'folder-score', FolderScoreReporter)];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/mutation.json'];
  const merged = { files: {} };
  for (const file of files) Object.assign(merged.files, JSON.parse(readFileSync(file, 'utf8')).files);
  console.log(formatFolderScores(merged));
}
