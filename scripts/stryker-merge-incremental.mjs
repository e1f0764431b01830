// Merges the incremental files of mutation parts (MUTATE_ONLY runs) into the incremental file of the whole
// run, so `npm run mutate` reuses what the parts measured and tests only what Stryker's own differ says
// changed: a mutant whose code changed, a killed mutant whose killing test changed, a survivor that a new or
// changed test now covers, and every ignored or static mutant that new tests reach.
//   node scripts/stryker-merge-incremental.mjs <part incremental files, oldest first> > reports/stryker-incremental.json
// Each mutated file keeps the mutants of the last part that holds it. Test ids are only unique within one
// report, so tests are renumbered by (file, name) and every coveredBy/killedBy is mapped to the new ids.
// A test file whose source differs between parts keeps a source that differs from the current file when
// any part's does: Stryker then treats all its tests as changed (vitest reports no test locations, so a
// test's span is its whole file) and retests what they killed or covered. Keeping the current source
// instead would let a part measured before the change reuse results its tests may no longer give.
import { existsSync, readFileSync } from 'node:fs';

/** @param {object[]} reports incremental reports (mutation-testing-report-schema), oldest first */
export function mergeIncremental(reports, currentSource = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined)) {
  const testIds = new Map(); // `${file}\n${name}` -> new id
  const testFiles = {};
  const idOf = (file, name) => {
    const key = `${file}\n${name}`;
    let id = testIds.get(key);
    if (id === undefined) {
      id = String(testIds.size);
      testIds.set(key, id);
      testFiles[file].tests.push({ id, name });
    }
    return id;
  };
  const files = {};
  for (const report of reports) {
    const remap = new Map(); // this report's test id -> new id
    for (const [file, testFile] of Object.entries(report.testFiles ?? {})) {
      const now = currentSource(file);
      const kept = testFiles[file];
      if (kept === undefined) testFiles[file] = { source: testFile.source, tests: [] };
      else if (kept.source === now && testFile.source !== now) kept.source = testFile.source;
      for (const test of testFile.tests) remap.set(test.id, idOf(file, test.name));
    }
    const mapIds = (ids) => ids?.map((id) => remap.get(id)).filter((id) => id !== undefined);
    for (const [file, result] of Object.entries(report.files)) {
      files[file] = {
        ...result,
        mutants: result.mutants.map((m) => ({ ...m, coveredBy: mapIds(m.coveredBy), killedBy: mapIds(m.killedBy) })),
      };
    }
  }
  let next = 0;
  for (const file of Object.values(files)) for (const m of file.mutants) m.id = String(next++);
  const last = reports.at(-1);
  return { ...last, files, testFiles };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) {
    console.error('usage: node scripts/stryker-merge-incremental.mjs <part incremental files, oldest first> > reports/stryker-incremental.json');
    process.exit(2);
  }
  const merged = mergeIncremental(paths.map((p) => JSON.parse(readFileSync(p, 'utf8'))));
  process.stdout.write(JSON.stringify(merged));
}
