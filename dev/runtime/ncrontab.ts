/**
 * NCRONTAB schedules as the Functions timer trigger reads them: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}` (UTC here), or a TimeSpan `hh:mm:ss`.
 */

interface Field {
  min: number;
  max: number;
}
const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 6 },
];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export type Schedule = { kind: 'cron'; sets: Set<number>[] } | { kind: 'interval'; ms: number };

function parseValue(text: string, index: number): number {
  const lower = text.toLowerCase();
  if (index === 4 && MONTHS.includes(lower.slice(0, 3))) return MONTHS.indexOf(lower.slice(0, 3)) + 1;
  if (index === 5 && DAYS.includes(lower.slice(0, 3))) return DAYS.indexOf(lower.slice(0, 3));
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number`);
  return Number(text);
}

function parseField(text: string, index: number): Set<number> {
  const { min, max } = FIELDS[index] as Field;
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let lo = min;
    let hi = max;
    if (range !== '*' && range !== undefined) {
      const [a, b] = range.split('-');
      lo = parseValue(a ?? '', index);
      hi = b === undefined ? (stepText === undefined ? lo : max) : parseValue(b, index);
    }
    if (index === 5 && hi === 7) hi = 6;
    if (lo < min || hi > max || lo > hi) throw new Error(`"${part}" is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return set;
}

export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const span = /^(\d+):(\d{2}):(\d{2})$/.exec(trimmed);
  if (span) {
    const ms = (Number(span[1]) * 3600 + Number(span[2]) * 60 + Number(span[3])) * 1000;
    if (ms <= 0) throw new Error(`Invalid schedule "${expression}": the interval must be positive`);
    return { kind: 'interval', ms };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) throw new Error(`Invalid schedule "${expression}": NCRONTAB needs six fields`);
  try {
    return { kind: 'cron', sets: fields.map((f, i) => parseField(f, i)) };
  } catch (err) {
    throw new Error(`Invalid schedule "${expression}": ${(err as Error).message}`);
  }
}

/** The first occurrence strictly after `after` (UTC). */
export function nextOccurrence(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'interval') return new Date(after.getTime() + schedule.ms);
  const [sec, min, hour, day, month, dow] = schedule.sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const d = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (d.getTime() <= limit) {
    if (!month.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!day.has(d.getUTCDate()) || !dow.has(d.getUTCDay())) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!hour.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!min.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!sec.has(d.getUTCSeconds())) {
      d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
      continue;
    }
    return d;
  }
  throw new Error('The schedule has no occurrence in the next five years');
}
