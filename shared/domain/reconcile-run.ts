/**
 * A reconcile run, as a queue of gallery units: the message that carries one unit, its key, and
 * the run's progress summed from what each unit and each subscription's plan recorded. Pure.
 *
 * A run lists each source subscription's galleries (its plan: one unit per gallery) and queues
 * one message per unit; each unit, once done (or failed for good), records one row. The run is
 * finished when every subscription is planned and every planned unit has its row.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { dateTimeSchema as dateTime } from './schemas.js';
import { tryParseResourceId } from './ids.js';

export const UNIT_MESSAGE_SCHEMA = 1;

/** The body of a `reconcile-units` message. */
export interface UnitMessage {
  schemaVersion: typeof UNIT_MESSAGE_SCHEMA;
  runId: string;
  subscriptionId: string;
  unit: { galleryId: string; reread: boolean };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ParsedUnitMessage = { ok: true; message: UnitMessage } | { ok: false; reason: string };

/** Validates a message body (the queue may hold anything a producer with rights sent). */
export function parseUnitMessage(body: unknown): ParsedUnitMessage {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, reason: 'the body is not a JSON object' };
  const b = body as Record<string, unknown>;
  if (b.schemaVersion !== UNIT_MESSAGE_SCHEMA)
    return { ok: false, reason: `schemaVersion must be ${UNIT_MESSAGE_SCHEMA}` };
  if (typeof b.runId !== 'string' || !GUID.test(b.runId)) return { ok: false, reason: 'runId must be a GUID' };
  if (typeof b.subscriptionId !== 'string' || !GUID.test(b.subscriptionId))
    return { ok: false, reason: 'subscriptionId must be a GUID' };
  const unit = b.unit;
  if (unit === null || typeof unit !== 'object' || Array.isArray(unit))
    return { ok: false, reason: 'unit must be an object' };
  const u = unit as Record<string, unknown>;
  if (typeof u.reread !== 'boolean') return { ok: false, reason: 'unit.reread must be a boolean' };
  if (typeof u.galleryId !== 'string') return { ok: false, reason: 'unit.galleryId must be a gallery resource id' };
  const ref = tryParseResourceId(u.galleryId);
  if (ref?.level !== 'gallery') return { ok: false, reason: 'unit.galleryId must be a gallery resource id' };
  if (ref.subscriptionId.toLowerCase() !== b.subscriptionId.toLowerCase())
    return { ok: false, reason: 'unit.galleryId is not in subscriptionId' };
  return {
    ok: true,
    message: {
      schemaVersion: UNIT_MESSAGE_SCHEMA,
      runId: b.runId.toLowerCase(),
      subscriptionId: b.subscriptionId.toLowerCase(),
      unit: { galleryId: u.galleryId, reread: u.reread },
    },
  };
}

/** A gallery's key within a run: 32 hex digits of SHA-256 of its id in lower case (ARM ids are case-insensitive). */
export function unitKey(galleryId: string): string {
  return createHash('sha256').update(galleryId.toLowerCase()).digest('hex').slice(0, 32);
}

/**
 * The message id of a unit: the run and the gallery, so that a plan sent again is dropped by the
 * queue's duplicate detection (69 characters; Service Bus allows 128).
 */
export function unitMessageId(runId: string, galleryId: string): string {
  return `${runId.toLowerCase()}:${unitKey(galleryId)}`;
}

/** The counts a reconcile reports (a unit's, a plan's, or the run's sum). */
const count = z.number().int().min(0);
const reconcileCountsSchema = z.strictObject({
  subscriptions: count,
  galleries: count,
  images: count,
  versions: count,
  versionReads: count.describe('Versions re-read with a GET (new, settling, or changed)'),
  galleryReads: count.describe('Galleries re-read with a GET (new, changed or shared)'),
  imageWrites: count.describe('Image definitions rewritten from their list entry'),
  flagUpgrades: count.describe('Version rows whose per-region flags were recomputed under the current rule'),
  tombstoned: count,
  skipped: count.describe('Resources skipped as unreadable'),
});
export type ReconcileCounts = z.infer<typeof reconcileCountsSchema>;

export const COUNT_NAMES: readonly (keyof ReconcileCounts)[] = [
  'subscriptions',
  'galleries',
  'images',
  'versions',
  'versionReads',
  'galleryReads',
  'imageWrites',
  'flagUpgrades',
  'tombstoned',
  'skipped',
];

export function zeroCounts(): ReconcileCounts {
  return {
    subscriptions: 0,
    galleries: 0,
    images: 0,
    versions: 0,
    versionReads: 0,
    galleryReads: 0,
    imageWrites: 0,
    flagUpgrades: 0,
    tombstoned: 0,
    skipped: 0,
  };
}

/** What a subscription's plan recorded: its units, the galleries listed and tombstoned, or why it failed. */
export interface PlanRow {
  subscriptionId: string;
  at: string;
  units: number;
  counts: ReconcileCounts;
  error?: string;
}

/** What a finished unit recorded: its counts, or why it failed for good. */
export interface UnitRow {
  galleryId: string;
  at: string;
  failed: boolean;
  counts: ReconcileCounts;
  error?: string;
  /** The last resource skipped as unreadable. */
  lastSkipped?: string;
}

const runStatusSchema = z.enum(['running', 'succeeded', 'failed']);
const tally = z.strictObject({ total: count, done: count, failed: count });

export const reconcileProgressSchema = z.strictObject({
  runId: z.string(),
  status: runStatusSchema,
  startedAt: dateTime,
  updatedAt: dateTime,
  finishedAt: dateTime.optional(),
  counts: reconcileCountsSchema,
  /** `total`: the units planned so far (final once every subscription is planned); `done` includes `failed`. */
  units: tally.describe('Gallery units queued so far (total), finished (done, failed included) and failed for good'),
  /** Subscriptions of the run, and those planned so far. */
  plans: tally.describe('Subscriptions of the run (total), planned so far (done) and whose gallery list failed'),
  /** The units that failed for good (at most MAX_LISTED_FAILURES, oldest first), with the error. */
  failedUnits: z
    .array(z.strictObject({ galleryId: z.string(), at: dateTime, error: z.string() }))
    .describe('The units that failed for good (at most 100, oldest first)'),
  /** The last problem met: a failed plan or unit, or a resource skipped. */
  lastError: z.strictObject({ at: dateTime, message: z.string() }).optional(),
});
export type ReconcileProgress = z.infer<typeof reconcileProgressSchema>;

/** The answer to starting a run by hand (POST /api/manage/reconcile). */
export const reconcileStartedSchema = z.strictObject({
  runId: z.string(),
  status: runStatusSchema,
  units: count,
  subscriptions: count,
});
export type ReconcileStarted = z.infer<typeof reconcileStartedSchema>;

/** Failed units listed in a progress read (all are counted in `units.failed`). */
export const MAX_LISTED_FAILURES = 100;
/** Longest error text kept per failed unit or plan. */
export const MAX_ERROR_LENGTH = 500;

export function clipError(message: string): string {
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}

/**
 * The run's progress from its rows: counts summed over plans and units, units done against those
 * planned, and finished (succeeded, or failed when a plan or a unit failed) once every
 * subscription is planned and every planned unit has its row.
 */
export function summarizeRun(
  run: { runId: string; startedAt: string; subscriptions: number },
  plans: readonly PlanRow[],
  units: readonly UnitRow[],
): ReconcileProgress {
  const counts = zeroCounts();
  const add = (c: ReconcileCounts): void => {
    for (const k of COUNT_NAMES) counts[k] += c[k];
  };
  let updatedAt = run.startedAt;
  const later = (at: string): void => {
    if (at > updatedAt) updatedAt = at;
  };
  let lastError: { at: string; message: string } | undefined;
  const problem = (at: string, message: string): void => {
    if (!lastError || at >= lastError.at) lastError = { at, message };
  };
  let planned = 0;
  let failedPlans = 0;
  for (const p of plans) {
    add(p.counts);
    later(p.at);
    planned += p.units;
    if (p.error !== undefined) {
      failedPlans++;
      problem(p.at, `subscription ${p.subscriptionId}: ${p.error}`);
    }
  }
  const failedUnits: ReconcileProgress['failedUnits'] = [];
  let failed = 0;
  for (const u of units) {
    add(u.counts);
    later(u.at);
    if (u.failed) {
      failed++;
      failedUnits.push({ galleryId: u.galleryId, at: u.at, error: u.error ?? 'failed' });
      problem(u.at, `${u.galleryId}: ${u.error ?? 'failed'}`);
    } else if (u.lastSkipped !== undefined) problem(u.at, `skipped ${u.lastSkipped}`);
  }
  failedUnits.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.galleryId.localeCompare(b.galleryId)));
  const finished = plans.length >= run.subscriptions && units.length >= planned;
  return {
    runId: run.runId,
    status: !finished ? 'running' : failed > 0 || failedPlans > 0 ? 'failed' : 'succeeded',
    startedAt: run.startedAt,
    updatedAt,
    ...(finished ? { finishedAt: updatedAt } : {}),
    counts,
    units: { total: planned, done: units.length, failed },
    plans: { total: run.subscriptions, done: plans.length, failed: failedPlans },
    failedUnits: failedUnits.slice(0, MAX_LISTED_FAILURES),
    ...(lastError ? { lastError } : {}),
  };
}

/** One log line for a finished (or running) run. */
export function describeRun(p: ReconcileProgress): string {
  const c = p.counts;
  const failures =
    p.units.failed + p.plans.failed > 0
      ? `; ${p.units.failed} units and ${p.plans.failed} subscription plans failed`
      : '';
  return `reconcile: ${c.subscriptions} subscriptions, ${c.galleries} galleries (${c.galleryReads} re-read, ${p.units.total} units queued), ${c.images} definitions (${c.imageWrites} rewritten), ${c.versions} versions (${c.versionReads} re-read, ${c.flagUpgrades} re-flagged), ${c.tombstoned} tombstoned, ${c.skipped} skipped${failures}: ${p.status}`;
}
