/**
 * Test helpers: the Spot body fixtures (test/fixtures/spot), the resource SKU list
 * (test/fixtures/arm/resource-skus.json) and the fixture identities, plus envelope builders.
 */
import { readFileSync } from 'node:fs';
import type { SkuLike } from '../../shared/domain/vm-sizes.js';
import { parsePath } from '../../shared/domain/job-envelope.js';

const SPOT = new URL('../fixtures/spot/', import.meta.url);
const FIXTURES = new URL('../fixtures/', import.meta.url);

export type SpotFixture =
  'elastigroup-gallery-latest.json' | 'elastigroup-gallery-pinned.json' | 'stateful-node-gallery.json';
export const SPOT_FIXTURES: ReadonlyArray<{
  readonly name: SpotFixture;
  readonly kind: 'statelessGroup' | 'statefulNode';
}> = [
  { name: 'elastigroup-gallery-latest.json', kind: 'statelessGroup' },
  { name: 'elastigroup-gallery-pinned.json', kind: 'statelessGroup' },
  { name: 'stateful-node-gallery.json', kind: 'statefulNode' },
];

/** A fresh copy of a Spot body fixture (mutable, plain JSON). */
export function spotBody(name: SpotFixture): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SPOT), 'utf8')) as Record<string, unknown>;
}

export function resourceSkus(): SkuLike[] {
  const json = JSON.parse(readFileSync(new URL('arm/resource-skus.json', FIXTURES), 'utf8')) as { value: SkuLike[] };
  return json.value;
}

export interface Identities {
  readonly subscriptions: {
    readonly publisher_contoso: string;
    readonly consumer_contoso: string;
    readonly other_org: string;
  };
  readonly tenants: { readonly contoso: string; readonly partner: string };
}
export function identities(): Identities {
  return JSON.parse(readFileSync(new URL('identities.json', FIXTURES), 'utf8')) as Identities;
}

/** A raw (unparsed) envelope around a body. */
export function envelopeOf(
  kind: 'statelessGroup' | 'statefulNode',
  body: unknown,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schemaVersion: 1,
    jobId: 'job-0001',
    action: 'create',
    kind,
    caller: { account: 'act-1a2b3c4d' },
    body,
    ...overrides,
  };
}

/** The raw envelope of a Spot fixture. */
export function fixtureEnvelope(name: SpotFixture, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const kind = SPOT_FIXTURES.find((f) => f.name === name)?.kind ?? 'statelessGroup';
  return envelopeOf(kind, spotBody(name), overrides);
}

/** Follows a dotted/bracketed path (as formatPath writes it) into a JSON value; undefined when absent. */
export function valueAt(root: unknown, path: string): unknown {
  if (path === '') return root;
  const segments = parsePath(path);
  let cur: unknown = root;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}
