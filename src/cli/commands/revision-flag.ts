import { UsageError } from '../../errors.ts';

/** --revision N as a number, or undefined for the latest. */
export function parseRevision(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--revision "${text}" must be a positive whole number`);
  return Number(text);
}
