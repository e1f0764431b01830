// Picks the parser for a user file from its extension and a sniff of its content, decodes bytes (UTF-8, or UTF-16
// with a BOM, as Excel's "Unicode text" is) and returns the parsed table. It reads no files itself: the caller
// passes File.text() or bytes.
import { type CsvOptions, type CsvQuoting, parseCsv } from './csv';
import { parseJson } from './json';
import { parseJsonl } from './jsonl';
import { lineColumn, stripBom } from './position';
import { ImportError, type Table } from './types';

export type ImportFormat = 'csv' | 'tsv' | 'jsonl' | 'json';

export interface ImportOptions {
  /** Skip detection. */
  format?: ImportFormat;
  /** CSV only; default: sniffed from the first line (',', ';', '|' or tab). */
  delimiter?: string;
  /** CSV/TSV only; default 'rfc4180'. */
  quoting?: CsvQuoting;
  /** CSV/TSV only; default true. */
  header?: boolean | 'auto';
}

const EXTENSIONS: Record<string, ImportFormat> = { csv: 'csv', tsv: 'tsv', tab: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'json' };

/** The extension decides (.json holding JSON Lines counts as JSON Lines); without a known one, the content does. */
export function detectFormat(file: string, text: string): ImportFormat {
  const dot = file.lastIndexOf('.');
  const ext = dot >= 0 ? EXTENSIONS[file.slice(dot + 1).toLowerCase()] : undefined;
  if (ext === 'json') return sniffFormat(text) === 'jsonl' ? 'jsonl' : 'json';
  return ext ?? sniffFormat(text);
}

/** '[' -> JSON; '{' -> JSON Lines when the first line is a whole object and more lines follow, else JSON; else CSV/TSV by delimiter. */
export function sniffFormat(text: string): ImportFormat {
  const body = stripBom(text).trimStart();
  if (body.startsWith('[')) return 'json';
  if (body.startsWith('{')) {
    const lines = firstLines(body, 2);
    if (lines.length < 2) return 'json';
    try {
      const first: unknown = JSON.parse(lines[0]!);
      return typeof first === 'object' && first !== null && !Array.isArray(first) ? 'jsonl' : 'json';
    } catch {
      return 'json';
    }
  }
  return sniffDelimiter(text) === '\t' ? 'tsv' : 'csv';
}

/** The first `count` non-blank lines of text (CRLF, LF or CR ends), without splitting the whole text. */
function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < count && start < text.length) {
    let end = start;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    const line = text.slice(start, end);
    if (line.trim() !== '') lines.push(line);
    start = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
  }
  return lines;
}

const DELIMITERS = [',', '\t', ';', '|'];

/** The candidate that occurs most often outside quotes in the first line; ',' on a tie or when none occurs. */
export function sniffDelimiter(text: string): string {
  const body = stripBom(text);
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Decodes and parses one user file; throws ImportError for text that is not UTF-8/UTF-16 or does not parse. */
export function parseImport(file: string, content: string | Uint8Array, options: ImportOptions = {}): Table {
  const text = typeof content === 'string' ? content : decodeText(file, content);
  const format = options.format ?? detectFormat(file, text);
  const csv: CsvOptions = { quoting: options.quoting, header: options.header };
  switch (format) {
    case 'csv':
      return parseCsv(file, text, { ...csv, delimiter: options.delimiter ?? sniffDelimiter(text) });
    case 'tsv':
      return parseCsv(file, text, { ...csv, delimiter: '\t' });
    case 'jsonl':
      return parseJsonl(file, text);
    case 'json':
      return parseJson(file, text);
  }
}

/** UTF-16 when the bytes start with its BOM, else UTF-8 (a UTF-8 BOM is kept for the parsers to drop). */
export function decodeText(file: string, bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return new TextDecoder('utf-8').decode(bytes);
  const before = stripBom(new TextDecoder('utf-8').decode(bytes.subarray(0, bad)));
  const { line, column } = lineColumn(before, before.length);
  const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
  throw new ImportError(
    `${file}: not UTF-8 text: byte 0x${hex} at line ${line} column ${column} (byte ${bad}); save the file as UTF-8 (Excel: "CSV UTF-8"), or as UTF-16 with a BOM`,
    { file, line, column },
  );
}

/** Index of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
