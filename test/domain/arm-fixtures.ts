/**
 * Test helpers: load the ARM REST fixtures (test/fixtures/arm) and convert them to the flattened
 * shape `@azure/arm-compute` returns (`properties` lifted to the top level, date strings → Date).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ArmGallery, ArmGalleryImage, ArmGalleryImageVersion } from '../../shared/domain/arm-shapes.js';

const FIXTURES = new URL('../fixtures/arm/', import.meta.url);

/** Fields the SDK deserialises from ISO strings into Date, as paths from the flattened resource. */
const DATE_PATHS: ReadonlyArray<readonly string[]> = [
  ['endOfLifeDate'],
  ['publishingProfile', 'publishedDate'],
  ['publishingProfile', 'endOfLifeDate'],
];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadFixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Json;
}

/** Lifts `properties` into the resource (as the SDK does) and turns the known date strings into Date. */
export function flattenArm(json: Json): Record<string, unknown> {
  if (!isObject(json)) throw new TypeError('an ARM resource must be a JSON object');
  const { properties, ...rest } = structuredClone(json);
  const flat: Record<string, unknown> = { ...rest, ...(isObject(properties) ? properties : {}) };
  for (const path of DATE_PATHS) {
    let holder: Record<string, unknown> | undefined = flat;
    for (const key of path.slice(0, -1)) {
      const next: unknown = holder?.[key];
      holder = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : undefined;
    }
    const last = path[path.length - 1]!;
    const value = holder?.[last];
    if (holder && typeof value === 'string') holder[last] = new Date(value);
  }
  return flat;
}

export const flatGallery = (json: Json): ArmGallery => flattenArm(json);
export const flatImage = (json: Json): ArmGalleryImage => flattenArm(json);
export const flatVersion = (json: Json): ArmGalleryImageVersion => flattenArm(json);

/** The `value` items of a list page fixture. */
export function listItems(json: Json): Json[] {
  if (!isObject(json) || !Array.isArray(json.value)) throw new TypeError('not a list page');
  return json.value;
}
