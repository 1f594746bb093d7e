import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  describeRun,
  MAX_ERROR_LENGTH,
  MAX_LISTED_FAILURES,
  UNIT_MESSAGE_SCHEMA,
  clipError,
  parseUnitMessage,
  summarizeRun,
  unitKey,
  unitMessageId,
  zeroCounts,
  type PlanRow,
  type UnitRow,
} from '../../shared/domain/reconcile-run.js';

const RUN = '6f1d2c3b-4a59-4e8d-9c7b-6a5f4e3d2c1b';
const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const GALLERY = `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
const message = (over: Record<string, unknown> = {}, unit: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  runId: RUN,
  subscriptionId: SUB,
  unit: { galleryId: GALLERY, reread: false, ...unit },
  ...over,
});

describe('unit messages', () => {
  it('accepts a unit message and lower-cases its run and subscription', () => {
    expect(parseUnitMessage(message({ runId: RUN.toUpperCase(), subscriptionId: SUB.toUpperCase() }))).toEqual({
      ok: true,
      message: { schemaVersion: 1, runId: RUN, subscriptionId: SUB, unit: { galleryId: GALLERY, reread: false } },
    });
  });

  it.each([
    ['a string', 'x', 'the body is not a JSON object'],
    ['null', null, 'the body is not a JSON object'],
    ['an array', [], 'the body is not a JSON object'],
    ['another schema', message({ schemaVersion: 2 }), 'schemaVersion must be 1'],
    ['a run id that is no GUID', message({ runId: 'run-1' }), 'runId must be a GUID'],
    ['no subscription', message({ subscriptionId: undefined }), 'subscriptionId must be a GUID'],
    ['no unit', message({ unit: 'g' }), 'unit must be an object'],
    ['reread not a boolean', message({}, { reread: 'yes' }), 'unit.reread must be a boolean'],
    ['an image id', message({}, { galleryId: `${GALLERY}/images/i` }), 'unit.galleryId must be a gallery resource id'],
    ['no id', message({}, { galleryId: 3 }), 'unit.galleryId must be a gallery resource id'],
    [
      'a gallery of another subscription',
      message({ subscriptionId: '11111111-2222-4333-8444-555555555555' }),
      'unit.galleryId is not in subscriptionId',
    ],
  ])('refuses %s', (_name, body, reason) => {
    expect(parseUnitMessage(body)).toEqual({ ok: false, reason });
  });

  it('keys a gallery case-insensitively, and names a message by run and gallery (within Service Bus 128 characters)', () => {
    expect(unitKey(GALLERY)).toBe(unitKey(GALLERY.toUpperCase()));
    expect(unitKey(GALLERY)).toMatch(/^[0-9a-f]{32}$/);
    expect(unitKey(GALLERY)).not.toBe(unitKey(`${GALLERY}2`));
    const id = unitMessageId(RUN, GALLERY);
    expect(id).toBe(`${RUN}:${unitKey(GALLERY)}`);
    expect(id.length).toBeLessThanOrEqual(128);
  });

  it('clips long errors', () => {
    expect(clipError('short')).toBe('short');
    expect(clipError('x'.repeat(2000))).toHaveLength(MAX_ERROR_LENGTH);
  });
});

const plan = (sub: string, units: number, over: Partial<PlanRow> = {}): PlanRow => ({
  subscriptionId: sub,
  at: '2026-12-01T10:00:01.000Z',
  units,
  counts: { ...zeroCounts(), subscriptions: 1, galleries: units },
  ...over,
});
const unit = (n: number, over: Partial<UnitRow> = {}): UnitRow => ({
  galleryId: `${GALLERY}${n}`,
  at: `2026-12-01T10:00:${String(10 + n).padStart(2, '0')}.000Z`,
  failed: false,
  counts: { ...zeroCounts(), images: 1, versions: 3, versionReads: 1 },
  ...over,
});
const run = { runId: RUN, startedAt: '2026-12-01T10:00:00.000Z', subscriptions: 2 };

describe('summarizeRun', () => {
  it('is running until every subscription is planned and every planned unit has its row', () => {
    expect(summarizeRun(run, [], [])).toMatchObject({
      status: 'running',
      units: { total: 0, done: 0, failed: 0 },
      plans: { total: 2, done: 0, failed: 0 },
      updatedAt: run.startedAt,
    });
    expect(summarizeRun(run, [plan('a', 2)], [unit(1), unit(2)]).status).toBe('running');
    const p = summarizeRun(run, [plan('a', 2), plan('b', 1)], [unit(1), unit(2)]);
    expect(p).toMatchObject({ status: 'running', units: { total: 3, done: 2, failed: 0 } });
    expect(p.finishedAt).toBeUndefined();
  });

  it('sums plans and units, and finishes succeeded at the last row', () => {
    const p = summarizeRun(
      run,
      [plan('a', 2), plan('b', 1)],
      [unit(1), unit(2), unit(3, { lastSkipped: '/x: not a version' })],
    );
    expect(p).toMatchObject({
      status: 'succeeded',
      counts: { subscriptions: 2, galleries: 3, images: 3, versions: 9, versionReads: 3 },
      units: { total: 3, done: 3, failed: 0 },
      updatedAt: '2026-12-01T10:00:13.000Z',
      finishedAt: '2026-12-01T10:00:13.000Z',
      failedUnits: [],
    });
    expect(p.lastError).toEqual({ at: '2026-12-01T10:00:13.000Z', message: 'skipped /x: not a version' });
  });

  it('finishes failed with the failed units (oldest first) and the failed plans', () => {
    const p = summarizeRun(
      run,
      [plan('a', 2), plan('b', 0, { error: 'ARM answered 403', counts: { ...zeroCounts(), subscriptions: 1 } })],
      [unit(2, { failed: true, error: 'ARM answered 400' }), unit(1, { failed: true, error: 'boom' })],
    );
    expect(p.status).toBe('failed');
    expect(p.units).toEqual({ total: 2, done: 2, failed: 2 });
    expect(p.plans).toEqual({ total: 2, done: 2, failed: 1 });
    expect(p.failedUnits.map((f) => f.error)).toEqual(['boom', 'ARM answered 400']);
    expect(p.lastError?.message).toBe(`${GALLERY}2: ARM answered 400`);
  });

  it('a run of subscriptions without galleries finishes with its plans', () => {
    expect(summarizeRun(run, [plan('a', 0), plan('b', 0)], []).status).toBe('succeeded');
  });

  it('lists at most MAX_LISTED_FAILURES failed units and counts them all', () => {
    const units = Array.from({ length: MAX_LISTED_FAILURES + 20 }, (_, n) =>
      unit(n % 40, { galleryId: `${GALLERY}${n}`, failed: true, error: 'x' }),
    );
    const p = summarizeRun({ ...run, subscriptions: 1 }, [plan('a', units.length)], units);
    expect(p.failedUnits).toHaveLength(MAX_LISTED_FAILURES);
    expect(p.units.failed).toBe(MAX_LISTED_FAILURES + 20);
  });

  it('counts are the sums of the rows, whatever their order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ images: fc.nat(50), versions: fc.nat(500), failed: fc.boolean() }), { maxLength: 60 }),
        (rows) => {
          const units = rows.map((r, n) =>
            unit(n, { failed: r.failed, counts: { ...zeroCounts(), images: r.images, versions: r.versions } }),
          );
          const a = summarizeRun({ ...run, subscriptions: 1 }, [plan('a', rows.length)], units);
          const b = summarizeRun({ ...run, subscriptions: 1 }, [plan('a', rows.length)], [...units].reverse());
          expect(a).toEqual(b);
          expect(a.counts.versions).toBe(rows.reduce((n, r) => n + r.versions, 0));
          expect(a.units.failed).toBe(rows.filter((r) => r.failed).length);
          expect(a.status).toBe(rows.some((r) => r.failed) ? 'failed' : 'succeeded');
        },
      ),
    );
  });

  it('describes a run in one line', () => {
    const p = summarizeRun(
      run,
      [plan('a', 2), plan('b', 0)],
      [unit(1), unit(2, { failed: true, error: 'x', counts: zeroCounts() })],
    );
    expect(describeRun(p)).toBe(
      'reconcile: 2 subscriptions, 2 galleries (0 re-read, 2 units queued), 1 definitions (0 rewritten), 3 versions (1 re-read, 0 re-flagged), 0 tombstoned, 0 skipped; 1 units and 0 subscription plans failed: failed',
    );
  });
});

describe('reconcile runs: edges', () => {
  const RUN = '3f2c1b0a-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
  const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
  const GALLERY = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g`;
  const good = {
    schemaVersion: UNIT_MESSAGE_SCHEMA,
    runId: RUN,
    subscriptionId: SUB,
    unit: { galleryId: GALLERY, reread: false },
  };

  it('a unit message: each field checked, with its reason', () => {
    expect(parseUnitMessage(good)).toEqual({ ok: true, message: good });
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, runId: 7 }, 'runId must be a GUID'],
      [{ ...good, runId: 'not-a-guid' }, 'runId must be a GUID'],
      [{ ...good, subscriptionId: 7 }, 'subscriptionId must be a GUID'],
      [{ ...good, subscriptionId: 'x' }, 'subscriptionId must be a GUID'],
      [{ ...good, unit: null }, 'unit must be an object'],
      [{ ...good, unit: [] }, 'unit must be an object'],
      [{ ...good, unit: { galleryId: GALLERY } }, 'unit.reread must be a boolean'],
      [{ ...good, unit: { galleryId: 7, reread: true } }, 'unit.galleryId must be a gallery resource id'],
      [
        { ...good, unit: { galleryId: `${GALLERY}/images/i`, reread: true } },
        'unit.galleryId must be a gallery resource id',
      ],
      [{ ...good, unit: { galleryId: 'nope', reread: true } }, 'unit.galleryId must be a gallery resource id'],
    ];
    for (const [body, reason] of cases) expect(parseUnitMessage(body), reason).toEqual({ ok: false, reason });
  });

  it('a unit key ignores the case of the id', () => {
    expect(unitKey(GALLERY.toUpperCase())).toBe(unitKey(GALLERY));
    expect(unitKey(GALLERY)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('an error is clipped only past the limit', () => {
    expect(clipError('x'.repeat(MAX_ERROR_LENGTH))).toBe('x'.repeat(MAX_ERROR_LENGTH));
    expect(clipError('x'.repeat(MAX_ERROR_LENGTH + 1))).toBe(`${'x'.repeat(MAX_ERROR_LENGTH - 1)}…`);
  });

  it('a run: failed units in time order (then by id), the last problem, the latest update, and the line that says so', () => {
    const run = { runId: RUN, startedAt: '2026-11-24T10:00:00Z', subscriptions: 1 };
    const plan: PlanRow = {
      subscriptionId: SUB,
      at: '2026-11-24T10:00:01Z',
      units: 3,
      counts: { ...zeroCounts(), subscriptions: 1, galleries: 3 },
    };
    const unit = (galleryId: string, at: string, extra: Partial<UnitRow> = {}): UnitRow => ({
      galleryId,
      at,
      failed: false,
      counts: zeroCounts(),
      ...extra,
    });
    const p = summarizeRun(
      run,
      [plan],
      [
        unit('/g/b', '2026-11-24T10:00:05Z', { failed: true, error: 'boom' }),
        unit('/g/a', '2026-11-24T10:00:05Z', { failed: true }),
        unit('/g/c', '2026-11-24T10:00:03Z', { lastSkipped: '/g/c/images/i' }),
      ],
    );
    expect(p).toMatchObject({
      status: 'failed',
      updatedAt: '2026-11-24T10:00:05Z',
      finishedAt: '2026-11-24T10:00:05Z',
      units: { total: 3, done: 3, failed: 2 },
      failedUnits: [
        { galleryId: '/g/a', at: '2026-11-24T10:00:05Z', error: 'failed' },
        { galleryId: '/g/b', at: '2026-11-24T10:00:05Z', error: 'boom' },
      ],
      lastError: { at: '2026-11-24T10:00:05Z', message: '/g/a: failed' },
    });
    expect(describeRun(p)).toBe(
      'reconcile: 1 subscriptions, 3 galleries (0 re-read, 3 units queued), 0 definitions (0 rewritten), 0 versions (0 re-read, 0 re-flagged), 0 tombstoned, 0 skipped; 2 units and 0 subscription plans failed: failed',
    );
    const planFailed = summarizeRun(run, [{ ...plan, units: 0, error: 'denied' }], []);
    expect(planFailed).toMatchObject({
      status: 'failed',
      lastError: { message: `subscription ${SUB}: denied` },
      plans: { failed: 1 },
    });
    expect(describeRun(planFailed)).toContain('; 0 units and 1 subscription plans failed: failed');
    const skippedOnly = summarizeRun(
      run,
      [plan],
      [unit('/g/c', '2026-11-24T10:00:03Z', { lastSkipped: '/g/c/images/i' })],
    );
    expect(skippedOnly).toMatchObject({ status: 'running', lastError: { message: 'skipped /g/c/images/i' } });
    expect(describeRun(skippedOnly)).not.toContain('failed');
  });
});
