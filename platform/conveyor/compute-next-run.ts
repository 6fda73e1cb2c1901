/**
 * Next run time of a five-field cron expression (minute hour day-of-month month day-of-week), in UTC.
 * Supports `*`, numbers, lists, ranges and steps: what the seeded schedules use.
 */

const FIELD_RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;

const MINUTE_MS = 60_000;
const SEARCH_LIMIT_MINUTES = 366 * 24 * 60;

export function computeNextRun(cron: string, after: number): number | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const sets = fields.map((field, index) => parseField(field, FIELD_RANGES[index] ?? [0, 0]));
  const [minutes, hours, days, months, weekdays] = sets;
  if (!minutes || !hours || !days || !months || !weekdays) return null;
  const dayRestricted = fields[2] !== '*';
  const weekdayRestricted = fields[4] !== '*';
  let time = Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  for (let step = 0; step < SEARCH_LIMIT_MINUTES; step++, time += MINUTE_MS) {
    const date = new Date(time);
    if (!minutes.has(date.getUTCMinutes()) || !hours.has(date.getUTCHours())) continue;
    if (!months.has(date.getUTCMonth() + 1)) continue;
    const dayMatches = days.has(date.getUTCDate());
    const weekday = date.getUTCDay();
    const weekdayMatches = weekdays.has(weekday) || (weekday === 0 && weekdays.has(7));
    // Standard cron: when both day fields are restricted, either may match.
    const matches =
      dayRestricted && weekdayRestricted ? dayMatches || weekdayMatches : dayMatches && weekdayMatches;
    if (matches) return time;
  }
  return null;
}

function parseField(field: string, [min, max]: readonly [number, number]): Set<number> | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [rangePart = '', stepPart] = part.split('/');
    const step = stepPart === undefined ? 1 : Number(stepPart);
    let from = min;
    let to = max;
    if (rangePart !== '*') {
      const [start, end] = rangePart.split('-');
      from = Number(start);
      to = end === undefined ? (stepPart === undefined ? from : max) : Number(end);
    }
    if (![from, to, step].every(Number.isInteger) || step < 1 || from < min || to > max || from > to)
      return undefined;
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}
