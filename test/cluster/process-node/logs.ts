// Container logs in the CRI format the kubelet writes ("<RFC3339Nano> stdout|stderr F|P <text>"), and reading
// them back with the options of pods/log: tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, follow.
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** RFC 3339 with nanoseconds, as the kubelet stamps each line (JavaScript knows milliseconds). */
export function criTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Appends a process's stdout and stderr to one CRI log file, a line at a time. */
export class CriLogWriter {
  private readonly file: WriteStream;
  private open = 2;
  readonly done: Promise<void>;

  constructor(path: string, stdout: Readable, stderr: Readable) {
    this.file = createWriteStream(path, { flags: 'a' });
    let finish: () => void;
    this.done = new Promise((resolve) => (finish = resolve));
    for (const [stream, name] of [
      [stdout, 'stdout'],
      [stderr, 'stderr'],
    ] as const) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop()!;
        for (const line of lines) this.file.write(`${criTimestamp()} ${name} F ${line}\n`);
        // A very long line without a newline is written in parts, marked P as the kubelet does.
        if (pending.length > 16 * 1024) {
          this.file.write(`${criTimestamp()} ${name} P ${pending}\n`);
          pending = '';
        }
      });
      stream.on('close', () => {
        if (pending) this.file.write(`${criTimestamp()} ${name} F ${pending}\n`);
        if (--this.open === 0) this.file.end(() => finish());
      });
    }
  }
}

export interface CriLine {
  time: string;
  stream: string;
  full: boolean;
  text: string;
}

export function parseCriLine(line: string): CriLine | undefined {
  const match = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!match) return undefined;
  return { time: match[1]!, stream: match[2]!, full: match[3] === 'F', text: match[4]! };
}

export interface LogOptions {
  tailLines?: number;
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Turns CRI lines into what pods/log returns, applying since, tail and timestamps (limitBytes is the caller's). */
export function renderLog(content: string, options: LogOptions): string {
  let lines = content
    .split('\n')
    .map(parseCriLine)
    .filter((l): l is CriLine => l !== undefined);
  if (options.sinceTime) {
    const since = options.sinceTime.getTime();
    lines = lines.filter((l) => Date.parse(l.time) >= since);
  }
  if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
  // A line written in parts (P…F) is stamped once, with the time of its first part.
  let lineStart = true;
  return lines
    .map((l) => {
      const stamp = options.timestamps && lineStart ? `${l.time} ` : '';
      lineStart = l.full;
      return stamp + l.text + (l.full ? '\n' : '');
    })
    .join('');
}

/**
 * Writes the log to `write`, then with follow keeps reading what is appended until `ended()` says the container
 * stopped (and the file is drained) or `closed()` says the client went away.
 */
export async function streamLog(
  path: string,
  options: LogOptions & { follow: boolean },
  write: (text: string) => void,
  state: { ended: () => boolean; closed: () => boolean },
): Promise<void> {
  const initial = await readFile(path, 'utf8').catch(() => '');
  let budget = options.limitBytes ?? Infinity;
  const emit = (text: string): boolean => {
    if (budget <= 0) return false;
    const chunk = Buffer.from(text).subarray(0, budget);
    budget -= chunk.length;
    write(chunk.toString('utf8'));
    return budget > 0;
  };
  const complete = initial.slice(0, initial.lastIndexOf('\n') + 1);
  if (!emit(renderLog(complete, options)) || !options.follow) return;
  let offset = Buffer.byteLength(complete);
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    let pending = '';
    for (;;) {
      if (state.closed()) return;
      const ended = state.ended();
      const { size } = await handle.stat();
      if (size > offset) {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        const text = pending + buffer.toString('utf8');
        const cut = text.lastIndexOf('\n') + 1;
        pending = text.slice(cut);
        if (!emit(renderLog(text.slice(0, cut), { timestamps: options.timestamps ?? false }))) return;
      } else if (ended) {
        return;
      } else {
        await sleep(200);
      }
    }
  } finally {
    await handle.close();
  }
}
