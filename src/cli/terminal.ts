/* eslint-disable no-control-regex -- finding control characters is what this module is for */
// Text from the cluster (API-server messages, release descriptions, Events, status) reaches the user's terminal. A
// terminal obeys escape sequences: one in a RayCluster's status could retitle the window, move the cursor over
// earlier output or write to the clipboard (OSC 52). Everything printed from outside goes through here first.

const OSC = /\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g;
const CSI = /(\u001b\[|\u009b)[0-?]*[ -/]*[@-~]/g;
const SGR = /^\u001b\[[0-9;]*m$/;
/** C0 controls but tab, newline and ESC (handled above), DEL, and the C1 controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f]/g;

/**
 * `text` without terminal control sequences. With `keepColour`, SGR colour codes stay (ours, from chalk, in tables);
 * every other sequence and control character goes.
 */
export function printable(text: string, options: { keepColour?: boolean } = {}): string {
  const kept = text
    .replace(OSC, '')
    .replace(CSI, (sequence) => (options.keepColour && SGR.test(sequence) ? sequence : ''));
  // An ESC still here starts no kept colour code: drop it with the character of a two-character escape.
  const lone = options.keepColour ? /\u001b(?!\[[0-9;]*m)[0-~]?/g : /\u001b[0-~]?/g;
  return kept.replace(lone, '').replace(CONTROL, '');
}

/** The width a terminal shows: colour codes take no columns. */
export function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
