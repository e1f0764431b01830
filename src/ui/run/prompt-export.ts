// The prompt explorer's rows as CSV (papaparse's unparse: quoting and formula escaping done by a well-kept
// library, so a prompt like "=HYPERLINK(…)" opens in a spreadsheet as text) and as JSON. Pure.
import Papa from 'papaparse';
import type { PromptRow } from './run-log';

const COLUMNS = ['text', 'trainAccuracy', 'validationAccuracy', 'testAccuracy', 'firstStep', 'sampled', 'replayed', 'bestLogReward', 'inBuffer', 'initial'] as const satisfies readonly (keyof PromptRow)[];

export function promptsToCsv(rows: readonly PromptRow[]): string {
  const data = rows.map((r) => COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))));
  return Papa.unparse({ fields: [...COLUMNS], data }, { escapeFormulae: true, newline: '\n' });
}

export function promptsToJson(rows: readonly PromptRow[], run: { id: string; task: string }): string {
  return `${JSON.stringify({ run: run.id, task: run.task, prompts: rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c]]))) }, null, 2)}\n`;
}
