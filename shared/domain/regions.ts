/**
 * Azure region names. Image versions report target regions by display name ("West Europe"); the
 * rest of ARM uses canonical names ("westeurope"). Normalise both (lower case, whitespace removed)
 * before comparing.
 */

export const MAX_REGION_LENGTH = 40;

const WHITESPACE = /\s+/g;
const REGION = /^[a-z0-9]+$/;

/** "West Europe" → "westeurope"; "westeurope" → "westeurope". Only lower-cases and strips whitespace. */
export function normalizeRegion(name: string): string {
  return name.replace(WHITESPACE, '').toLowerCase();
}

/** True when two region names (display or canonical) name the same region. */
export function sameRegion(a: string, b: string): boolean {
  return normalizeRegion(a) === normalizeRegion(b);
}

/** What is wrong with a region given as query input, or undefined when it is acceptable. */
export function regionProblem(input: string): string | undefined {
  const region = normalizeRegion(input);
  if (region.length === 0) return 'must not be empty';
  if (region.length > MAX_REGION_LENGTH) return `must be at most ${MAX_REGION_LENGTH} characters (spaces not counted)`;
  if (!REGION.test(region)) return 'must contain only letters and digits (spaces are ignored)';
  return undefined;
}

export function isValidRegionQuery(input: string): boolean {
  return regionProblem(input) === undefined;
}

export type RegionQueryResult =
  { readonly ok: true; readonly region: string } | { readonly ok: false; readonly problem: string };

/** Validates and normalises a region name from a query or request body. */
export function parseRegionQuery(input: string): RegionQueryResult {
  const problem = regionProblem(input);
  return problem === undefined ? { ok: true, region: normalizeRegion(input) } : { ok: false, problem };
}
