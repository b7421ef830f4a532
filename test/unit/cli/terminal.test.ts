import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../../src/cli/output.ts';
import { printable, visibleLength } from '../../../src/cli/terminal.ts';

const ESC = '\u001b';

describe('text from the cluster on a terminal', () => {
  it('loses every control sequence: title, cursor moves, clipboard, screen clear, bell, C1', () => {
    const hostile = [
      `${ESC}]0;owned${'\u0007'}`, // window title
      `${ESC}]52;c;ZWNobyBvd25lZA==${ESC}\\`, // clipboard write
      `${ESC}[2J${ESC}[H`, // clear screen, cursor home
      `${ESC}[1A`, // cursor up: overwrite earlier output
      '\u0007\u0008\u009b31m', // bell, backspace, C1 CSI
      `${ESC}c`, // full reset
    ];
    for (const sequence of hostile)
      assert.equal(printable(`before${sequence}after`), 'beforeafter', JSON.stringify(sequence));
    assert.equal(printable('two\nlines\tand a tab'), 'two\nlines\tand a tab');
  });

  it('keeps colour codes only when asked (our own, in tables), and they take no width', () => {
    const red = `${ESC}[31mError${ESC}[39m`;
    assert.equal(printable(red), 'Error');
    assert.equal(printable(`${red}${ESC}[2J`, { keepColour: true }), red);
    assert.equal(visibleLength(red), 5);
  });

  it('aligns table columns by what the terminal shows, not by the colour codes', () => {
    const table = formatTable(
      ['PHASE', 'NAME'],
      [
        [`${ESC}[32mRunning${ESC}[39m`, 'a'],
        ['Pending', `b${ESC}]0;title${'\u0007'}`],
      ],
    );
    const lines = printable(table).split('\n');
    assert.deepEqual(lines.slice(0, 3), ['PHASE    NAME', 'Running  a', 'Pending  b']);
  });
});
