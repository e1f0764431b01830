// The prompt explorer's view of the rows: sort key, text filter, "buffer only", and one page of them. Pure.
import type { PromptRow } from './run-log';

export type PromptSort = 'train' | 'validation' | 'test' | 'firstStep' | 'sampled';

export const SORT_LABELS: Readonly<Record<PromptSort, string>> = {
  train: 'training accuracy',
  validation: 'validation accuracy',
  test: 'test accuracy',
  firstStep: 'first step',
  sampled: 'times sampled',
};

export interface PromptQuery {
  sort: PromptSort;
  filter: string;
  bufferOnly: boolean;
  page: number;
  pageSize: number;
}

export interface PromptPage {
  rows: PromptRow[];
  /** Rows after filtering (all pages). */
  matching: number;
  page: number;
  pages: number;
  /** Rank (1-based, in the sorted, filtered list) of rows[0]. */
  firstRank: number;
}

const score = (x: number | null) => x ?? -1;

function compare(sort: PromptSort): (a: PromptRow, b: PromptRow) => number {
  switch (sort) {
    case 'train':
      return (a, b) => b.trainAccuracy - a.trainAccuracy || score(b.validationAccuracy) - score(a.validationAccuracy);
    case 'validation':
      return (a, b) => score(b.validationAccuracy) - score(a.validationAccuracy) || b.trainAccuracy - a.trainAccuracy;
    case 'test':
      return (a, b) => score(b.testAccuracy) - score(a.testAccuracy) || b.trainAccuracy - a.trainAccuracy;
    case 'firstStep':
      return (a, b) => a.firstStep - b.firstStep || b.trainAccuracy - a.trainAccuracy;
    case 'sampled':
      return (a, b) => b.sampled + b.replayed - (a.sampled + a.replayed) || b.trainAccuracy - a.trainAccuracy;
  }
}

/** Stable: rows equal under the sort keep the order they came in (run-log's: accuracy, then first step). */
export function queryPrompts(rows: readonly PromptRow[], q: PromptQuery): PromptPage {
  const needle = q.filter.trim().toLowerCase();
  const kept = rows.filter((r) => (!q.bufferOnly || r.inBuffer) && (needle === '' || r.text.toLowerCase().includes(needle)));
  const sorted = kept.map((r, i) => [r, i] as const).sort(([a, i], [b, j]) => compare(q.sort)(a, b) || i - j).map(([r]) => r);
  const pages = Math.max(1, Math.ceil(sorted.length / q.pageSize));
  const page = Math.min(Math.max(0, q.page), pages - 1);
  return { rows: sorted.slice(page * q.pageSize, (page + 1) * q.pageSize), matching: sorted.length, page, pages, firstRank: page * q.pageSize + 1 };
}

/** 0.8125 -> "81.3%"; null -> "—". */
export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}
