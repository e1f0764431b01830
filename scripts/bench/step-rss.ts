// Node side of `npm run bench:step -- --browser`: the peak resident memory of Chromium's renderer processes started
// under this Node process, sampled from /proc (Linux only; elsewhere it reports nothing). The page itself can see only
// its wasm heap and JS heap; this is what the operating system charges for the tab. Does not start or stop anything.
import { readdirSync, readFileSync } from 'node:fs';

const PAGE_BYTES = 4096;

/** pid -> [parent pid, resident bytes] of every process readable under /proc. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state ppid ...
      table.set(Number(name), [Number(fields[1]), Number(fields[21]) * PAGE_BYTES]); // ppid is field 4, rss field 24
    } catch {
      // the process ended between readdir and read
    }
  }
  return table;
}

function isRenderer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
  } catch {
    return false;
  }
}

export class RendererMemory {
  /** The largest resident size one renderer process had at any sample, in bytes (0: none seen). */
  peak = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly root = process.pid) {}

  start(everyMs = 500): void {
    if (process.platform !== 'linux') return;
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    if (process.platform !== 'linux') return;
    const table = processTable();
    const children = new Map<number, number[]>();
    for (const [pid, [ppid]] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    const queue = [...(children.get(this.root) ?? [])];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      queue.push(...(children.get(pid) ?? []));
      const rss = table.get(pid)![1];
      if (rss > this.peak && isRenderer(pid)) this.peak = rss;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
