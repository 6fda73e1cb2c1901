/**
 * A short string matching a regular expression, for the id-like patterns APIs use
 * (`^wf_[A-Za-z0-9_]{1,64}$`, `^[0-9a-f]{32}$`, `^([A-Z]{2}|C2)$`): literals, escapes, classes,
 * groups (first alternative), quantifiers at their minimum (or `extra` more). Lookarounds are
 * skipped, and the result is checked against the real RegExp: undefined when it does not match.
 */
export function samplePattern(pattern: string, extra = 0): string | undefined {
  let regexp: RegExp;
  try {
    regexp = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  let out: string;
  try {
    out = generateSequence({ text: pattern, at: 0 }, extra);
  } catch {
    return undefined;
  }
  return regexp.test(out) ? out : undefined;
}

interface Cursor {
  readonly text: string;
  at: number;
}

const ESCAPES: Record<string, string> = {
  d: '1',
  w: 'a',
  s: ' ',
  D: 'a',
  W: '-',
  S: 'a',
  n: '\n',
  t: '\t',
  r: '\r',
};

/** Up to `)` or the end; `|` ends the first alternative and skips the rest. */
function generateSequence(cursor: Cursor, extra: number): string {
  let out = '';
  while (cursor.at < cursor.text.length) {
    const char = cursor.text[cursor.at]!;
    if (char === ')') return out;
    if (char === '|') {
      skipAlternatives(cursor);
      return out;
    }
    const atom = readAtom(cursor, extra);
    const { min, max } = readQuantifier(cursor);
    const count = max === 0 ? 0 : Math.min(max, min + (min === 0 && extra === 0 ? 0 : extra));
    out += atom.repeat(count);
  }
  return out;
}

function skipAlternatives(cursor: Cursor): void {
  let depth = 0;
  for (; cursor.at < cursor.text.length; cursor.at++) {
    const char = cursor.text[cursor.at];
    if (char === '\\') cursor.at++;
    else if (char === '[') skipClass(cursor);
    else if (char === '(') depth++;
    else if (char === ')') {
      if (depth === 0) return;
      depth--;
    }
  }
}

function skipClass(cursor: Cursor): void {
  for (cursor.at++; cursor.at < cursor.text.length && cursor.text[cursor.at] !== ']'; cursor.at++) {
    if (cursor.text[cursor.at] === '\\') cursor.at++;
  }
}

function readAtom(cursor: Cursor, extra: number): string {
  const { text } = cursor;
  const char = text[cursor.at]!;
  cursor.at++;
  if (char === '^' || char === '$') return '';
  if (char === '.') return 'a';
  if (char === '\\') {
    const next = text[cursor.at++] ?? '';
    if (next === 'b' || next === 'B') return '';
    return ESCAPES[next] ?? next;
  }
  if (char === '[') return readClass(cursor);
  if (char === '(') {
    if (
      text.startsWith('?=', cursor.at) ||
      text.startsWith('?!', cursor.at) ||
      text.startsWith('?<', cursor.at)
    ) {
      const lookaround =
        text.startsWith('?<=', cursor.at) || text.startsWith('?<!', cursor.at) || text[cursor.at + 1] !== '<';
      if (lookaround) {
        cursor.at--;
        skipGroup(cursor);
        return '';
      }
      // A named group: `(?<name>...)`.
      cursor.at = text.indexOf('>', cursor.at) + 1;
    } else if (text.startsWith('?:', cursor.at)) cursor.at += 2;
    const inner = generateSequence(cursor, extra);
    cursor.at++; // ')'
    return inner;
  }
  return char;
}

function skipGroup(cursor: Cursor): void {
  let depth = 0;
  for (; cursor.at < cursor.text.length; cursor.at++) {
    const char = cursor.text[cursor.at];
    if (char === '\\') cursor.at++;
    else if (char === '[') skipClass(cursor);
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) {
      cursor.at++;
      return;
    }
  }
}

/** The first character a class allows (`[^...]`: a letter or digit it does not exclude). */
function readClass(cursor: Cursor): string {
  const { text } = cursor;
  const negated = text[cursor.at] === '^';
  if (negated) cursor.at++;
  const members: string[] = [];
  const ranges: [string, string][] = [];
  let first = true;
  while (cursor.at < text.length && (text[cursor.at] !== ']' || first)) {
    first = false;
    let char = text[cursor.at++]!;
    if (char === '\\') {
      const next = text[cursor.at++] ?? '';
      char = ESCAPES[next] ?? next;
      if (next === 'd') ranges.push(['0', '9']);
      if (next === 'w') ranges.push(['a', 'z']);
    }
    if (text[cursor.at] === '-' && text[cursor.at + 1] !== ']' && cursor.at + 1 < text.length) {
      cursor.at++;
      let end = text[cursor.at++]!;
      if (end === '\\') end = text[cursor.at++] ?? end;
      ranges.push([char, end]);
    } else members.push(char);
  }
  cursor.at++; // ']'
  const allowed = (c: string) => members.includes(c) || ranges.some(([a, b]) => c >= a && c <= b);
  if (!negated)
    return members[0] !== undefined && ranges.length === 0
      ? members[0]
      : (ranges[0]?.[0] ?? members[0] ?? 'a');
  return [...'a1Ax_'].find((c) => !allowed(c)) ?? 'a';
}

function readQuantifier(cursor: Cursor): { min: number; max: number } {
  const { text } = cursor;
  const char = text[cursor.at];
  let bounds = { min: 1, max: 1 };
  if (char === '*') bounds = { min: 0, max: Number.POSITIVE_INFINITY };
  else if (char === '+') bounds = { min: 1, max: Number.POSITIVE_INFINITY };
  else if (char === '?') bounds = { min: 0, max: 1 };
  else if (char === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(cursor.at));
    if (!match) return bounds;
    cursor.at += match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
    if (text[cursor.at] === '?') cursor.at++;
    return { min, max };
  } else return bounds;
  cursor.at++;
  if (text[cursor.at] === '?') cursor.at++;
  return bounds;
}
