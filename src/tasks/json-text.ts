// JSON with line numbers for error messages: parseJson (JSON.parse, but a syntax error becomes a TaskError
// naming the file line) and jsonLineOf (the line where the value at a key path starts). The line finding is a
// small syntax scanner that only runs when a message needs a line; values always come from JSON.parse.
import { TaskError } from './task';

class ScanStop {
  constructor(readonly offset: number, readonly found: boolean) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Walk the JSON text; visit(path, offset) is called at the start of every value and may stop the walk. */
function scan(text: string, visit: (path: readonly string[], offset: number) => boolean): ScanStop | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw new ScanStop(i, false);
  };
  const string = (): string => {
    if (text[i] !== '"') fail();
    const start = ++i;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    return JSON.parse(text.slice(start - 1, ++i)) as string;
  };
  const value = (path: string[]): void => {
    ws();
    if (visit(path, i)) throw new ScanStop(i, true);
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value([...path, key]);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value([...path, String(index)]);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    }
    if (ch === '"') {
      string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value([]);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (stop) {
    if (stop instanceof ScanStop) return stop;
    throw stop;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** 1-based line where the value at `path` (object keys and array indices as strings) starts, if it exists. */
export function jsonLineOf(text: string, path: readonly string[]): number | undefined {
  const stop = scan(text, (at) => at.length === path.length && at.every((k, j) => k === path[j]));
  return stop?.found ? lineAt(text, stop.offset) : undefined;
}

/** JSON.parse; a syntax error becomes a TaskError at the line of the first offending character. */
export function parseJson(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const stop = scan(body, () => false);
    const line = lineAt(body, stop?.offset ?? body.length);
    throw new TaskError(`not valid JSON (${error.message.split('\n')[0]})`, { file, line });
  }
}
