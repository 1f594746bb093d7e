/**
 * Image version names: `Major.Minor.Patch`, each a whole number from 0 to 2,147,483,647 (a 32-bit
 * signed integer). "latest" picks the highest Major, then Minor, then Patch, compared as numbers
 * (1.10.0 > 1.9.0).
 */

export const MAX_VERSION_PART = 2_147_483_647;
/** Digits of MAX_VERSION_PART: the width of each part of a sort key. */
const KEY_PART_WIDTH = 10;

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export class InvalidVersionError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`Invalid image version "${input.length > 40 ? `${input.slice(0, 40)}…` : input}": ${reason}`);
    this.name = 'InvalidVersionError';
  }
}

const VERSION_TEXT = /^(\d{1,10})\.(\d{1,10})\.(\d{1,10})$/;
const SORT_KEY_TEXT = /^(\d{10})\.(\d{10})\.(\d{10})$/;

/** Parses `Major.Minor.Patch`. Leading zeros are accepted and dropped ("1.02.0" is 1.2.0). */
export function parseVersion(text: string): Version {
  const m = VERSION_TEXT.exec(text);
  if (!m) throw new InvalidVersionError(text, 'must be Major.Minor.Patch of whole numbers');
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major > MAX_VERSION_PART || minor > MAX_VERSION_PART || patch > MAX_VERSION_PART) {
    throw new InvalidVersionError(text, `each part must be at most ${MAX_VERSION_PART}`);
  }
  return { major, minor, patch };
}

export function tryParseVersion(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}

export function isVersion(text: string): boolean {
  return tryParseVersion(text) !== undefined;
}

/** The canonical text of a version (no leading zeros). */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

function toVersion(v: Version | string): Version {
  return typeof v === 'string' ? parseVersion(v) : checked(v);
}

function checked(v: Version): Version {
  for (const part of [v.major, v.minor, v.patch]) {
    if (!Number.isInteger(part) || part < 0 || part > MAX_VERSION_PART) {
      throw new InvalidVersionError(formatVersion(v), `each part must be a whole number from 0 to ${MAX_VERSION_PART}`);
    }
  }
  return v;
}

/** Numeric comparison: negative when a < b, 0 when equal, positive when a > b. Throws on invalid text. */
export function compareVersions(a: Version | string, b: Version | string): number {
  const x = toVersion(a);
  const y = toVersion(b);
  return Math.sign(x.major - y.major) || Math.sign(x.minor - y.minor) || Math.sign(x.patch - y.patch);
}

/**
 * A key that sorts NEWEST FIRST as a plain string (e.g. a Table Storage RowKey): each part becomes
 * `MAX_VERSION_PART - n`, zero-padded to 10 digits, joined with '.'. So `top(1)` on an ascending
 * key range is the highest version. Contains only digits and '.', all valid in table keys.
 */
export function versionSortKey(v: Version | string): string {
  const { major, minor, patch } = toVersion(v);
  return [major, minor, patch].map((n) => String(MAX_VERSION_PART - n).padStart(KEY_PART_WIDTH, '0')).join('.');
}

/** The inverse of versionSortKey, as canonical version text. Throws InvalidVersionError on a malformed key. */
export function versionFromSortKey(key: string): string {
  const m = SORT_KEY_TEXT.exec(key);
  if (!m) throw new InvalidVersionError(key, 'is not a version sort key (three 10-digit parts joined by ".")');
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (parts.some((p) => p > MAX_VERSION_PART)) {
    throw new InvalidVersionError(key, `is not a version sort key (a part exceeds ${MAX_VERSION_PART})`);
  }
  return parts.map((p) => MAX_VERSION_PART - p).join('.');
}

/** Sorts a copy newest first (numerically), ties kept in input order. */
export function sortNewestFirst<T>(items: readonly T[], versionOf: (item: T) => Version | string): T[] {
  const keyed = items.map((item) => ({ item, v: toVersion(versionOf(item)) }));
  keyed.sort((a, b) => compareVersions(b.v, a.v));
  return keyed.map((k) => k.item);
}
