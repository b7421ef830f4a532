// What kwok's own log says about a window. In some windows kwok falls behind: it plays its pod-ready stage again on
// a stale Pending copy of a pod that is already Running, and the API server refuses the patch (a second pod IP). Those
// replays cost kwok CPU and the window wall time, whoever the contender is, so the table says how many there were.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** kwok's message for a stage whose patch the API server refused. */
const FAILED_STAGE = '"msg":"failed to apply stage"';

/**
 * How many of kwok's stage patches failed between fromMs and toMs (its log is JSON lines with a "time"), or null
 * when there is no log to read.
 */
export async function kwokFailedStages(kwokLog: string, fromMs: number, toMs: number): Promise<number | null> {
  if (!existsSync(kwokLog)) return null;
  let failed = 0;
  for await (const line of createInterface({ input: createReadStream(kwokLog), crlfDelay: Infinity })) {
    if (!line.includes(FAILED_STAGE)) continue; // cheap filter before parsing: a busy kwok logs 1,000s of lines
    if (within(line, fromMs, toMs)) failed += 1;
  }
  return failed;
}

function within(line: string, fromMs: number, toMs: number): boolean {
  try {
    const at = Date.parse((JSON.parse(line) as { time?: string }).time ?? '');
    return at >= fromMs && at <= toMs;
  } catch {
    return false; // the last line, half written while kwok still runs
  }
}
