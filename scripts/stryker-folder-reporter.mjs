// A Stryker reporter plugin ('folder-score') that prints the mutation score per folder of mutated files,
// and the same summary as a command over a saved JSON report:
//   node scripts/stryker-folder-reporter.mjs [reports/mutation/mutation.json]
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), Stryker's definition; mutants
// that do not compile or crash the runner (CompileError, RuntimeError) and ignored ones are not counted.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
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

class FolderScoreReporter {
  static inject = [];
  onMutationTestReportReady(report) {
    console.log(`\n${formatFolderScores(report)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'folder-score', FolderScoreReporter)];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? 'reports/mutation/mutation.json';
  console.log(formatFolderScores(JSON.parse(readFileSync(file, 'utf8'))));
}
