// helm's `--time-format` takes a Go time layout: the reference time Mon Jan 2 15:04:05 MST 2006 written the way
// the output should look (e.g. "2006-01-02T15:04:05Z07:00"). Release times are kept in UTC, so zones print as UTC.

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Layout elements, longest first where one is a prefix of another (as Go's parser tries them). */
const ELEMENTS: [string, (d: Date) => string][] = [
  ['January', (d) => MONTHS[d.getUTCMonth()]!],
  ['Monday', (d) => DAYS[d.getUTCDay()]!],
  ['2006', (d) => pad(d.getUTCFullYear(), 4)],
  ['Z07:00', () => 'Z'],
  ['Z0700', () => 'Z'],
  ['-07:00', () => '+00:00'],
  ['-0700', () => '+0000'],
  ['-07', () => '+00'],
  ['Jan', (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
  ['Mon', (d) => DAYS[d.getUTCDay()]!.slice(0, 3)],
  ['MST', () => 'UTC'],
  ['_2', (d) => String(d.getUTCDate()).padStart(2, ' ')],
  ['01', (d) => pad(d.getUTCMonth() + 1)],
  ['02', (d) => pad(d.getUTCDate())],
  ['03', (d) => pad(d.getUTCHours() % 12 || 12)],
  ['04', (d) => pad(d.getUTCMinutes())],
  ['05', (d) => pad(d.getUTCSeconds())],
  ['06', (d) => pad(d.getUTCFullYear() % 100)],
  ['15', (d) => pad(d.getUTCHours())],
  ['PM', (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM')],
  ['pm', (d) => (d.getUTCHours() < 12 ? 'am' : 'pm')],
  ['1', (d) => String(d.getUTCMonth() + 1)],
  ['2', (d) => String(d.getUTCDate())],
  ['3', (d) => String(d.getUTCHours() % 12 || 12)],
  ['4', (d) => String(d.getUTCMinutes())],
  ['5', (d) => String(d.getUTCSeconds())],
];

/** `.000` keeps trailing zeros, `.999` drops them (Go's fractional seconds); we have milliseconds. */
function fraction(d: Date, digits: string): string {
  const ms = pad(d.getUTCMilliseconds(), 3).padEnd(digits.length, '0').slice(0, digits.length);
  if (digits[0] === '0') return `.${ms}`;
  const trimmed = ms.replace(/0+$/, '');
  return trimmed ? `.${trimmed}` : '';
}

export function formatGoTime(iso: string, layout: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso;
  let out = '';
  for (let at = 0; at < layout.length;) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(at));
    if (frac) {
      out += fraction(date, frac[1]!);
      at += frac[0].length;
      continue;
    }
    const element = ELEMENTS.find(([token]) => layout.startsWith(token, at));
    if (element) {
      out += element[1](date);
      at += element[0].length;
    } else {
      out += layout[at];
      at++;
    }
  }
  return out;
}
