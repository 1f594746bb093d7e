/**
 * Secrets are validated, used, dropped: never in a table, a log, an event or a response. This scan
 * looks for given secret values everywhere a test's app could have left them:
 * - every entity of every Azurite table whose name starts with the test's table prefix (so one
 *   file's scan reads all of its app's tables, the outbox and the job records included);
 * - every log line the runtime captured;
 * - every domain event the local topic received (published events, with their data);
 * - every HTTP response body the test received.
 * Each secret is looked for as written, JSON-escaped, URL-encoded and in base64, so a secret kept in
 * an escaped or encoded form is found too. What a secret is comes from the field it is in
 * (`SECRET_FIELDS`): a new kind (tokens) is one more entry there.
 */
import { expect } from 'vitest';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import type { LogLine } from '../../dev/runtime/runtime.js';
import type { TopicEvent } from '../../dev/runtime/event-grid-topic.js';

/** The kinds of secret a request may carry. */
export type SecretKind = 'password' | 'protectedSettings' | 'token';

export interface Secret {
  kind: SecretKind;
  /** Where it was found in the request (a JSON Pointer), for the report. */
  pointer: string;
  value: string;
}

/**
 * Field names whose value is a secret, by kind: a string value is the secret; an object's (or
 * array's) string leaves are each a secret (extension `protectedSettings` is an object of any shape).
 */
export const SECRET_FIELDS: Readonly<Record<string, SecretKind>> = {
  password: 'password',
  protectedSettings: 'protectedSettings',
};

/** Every secret value in a request body (an envelope, a Spot body), by the field it is in. */
export function secretsIn(value: unknown, pointer = ''): Secret[] {
  const out: Secret[] = [];
  const leaves = (v: unknown, at: string, kind: SecretKind): void => {
    if (typeof v === 'string') {
      if (v.length > 0) out.push({ kind, pointer: at, value: v });
    } else if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${at}/${i}`, kind));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, `${at}/${k}`, kind);
  };
  if (Array.isArray(value)) value.forEach((x, i) => out.push(...secretsIn(x, `${pointer}/${i}`)));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const kind = Object.hasOwn(SECRET_FIELDS, k) ? SECRET_FIELDS[k] : undefined;
      if (kind) leaves(v, `${pointer}/${k}`, kind);
      else out.push(...secretsIn(v, `${pointer}/${k}`));
    }
  }
  return out;
}

export interface SecretScanSources {
  /** The Azurite the app writes to. */
  connectionString: string;
  /** The app's table prefix: every table whose name starts with it is read whole. */
  tablePrefix: string;
  logs: readonly LogLine[];
  /** Domain events the local topic received (`LocalEventTopic.recent`); none when the app publishes none. */
  events?: readonly TopicEvent[];
  /** HTTP response bodies the test received (text or parsed JSON). */
  responses: readonly unknown[];
}

export interface SecretFinding {
  kind: SecretKind;
  pointer: string;
  /** table <name> <partitionKey>/<rowKey>, log <function>, event <type>, response <n>. */
  where: string;
  /** The text around the find, the secret masked. */
  context: string;
}

export interface SecretScanReport {
  tables: string[];
  entities: number;
  logLines: number;
  events: number;
  responses: number;
  findings: SecretFinding[];
}

/** The forms a secret may be kept in. */
function formsOf(value: string): string[] {
  const forms = new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    Buffer.from(value, 'utf8').toString('base64'),
  ]);
  return [...forms];
}

function findIn(text: string, secrets: readonly Secret[], where: string, findings: SecretFinding[]): void {
  for (const s of secrets) {
    for (const form of formsOf(s.value)) {
      const at = text.indexOf(form);
      if (at < 0) continue;
      const context = `${text.slice(Math.max(0, at - 60), at)}<${s.kind}>${text.slice(at + form.length, at + form.length + 60)}`;
      findings.push({ kind: s.kind, pointer: s.pointer, where, context });
      break;
    }
  }
}

const textOf = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** Reads every source and reports where any of the secrets is (nothing asserted). */
export async function scanForSecrets(
  sources: SecretScanSources,
  secrets: readonly Secret[],
): Promise<SecretScanReport> {
  const findings: SecretFinding[] = [];
  const service = TableServiceClient.fromConnectionString(sources.connectionString, { allowInsecureConnection: true });
  const tables: string[] = [];
  for await (const t of service.listTables()) if (t.name?.startsWith(sources.tablePrefix)) tables.push(t.name);
  let entities = 0;
  for (const name of tables.sort()) {
    const client = TableClient.fromConnectionString(sources.connectionString, name, { allowInsecureConnection: true });
    for await (const e of client.listEntities()) {
      entities++;
      findIn(JSON.stringify(e), secrets, `table ${name} ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`, findings);
    }
  }
  for (const l of sources.logs) findIn(l.message, secrets, `log ${l.functionName} (${l.level})`, findings);
  for (const e of sources.events ?? []) findIn(JSON.stringify(e), secrets, `event ${e.type} ${e.id}`, findings);
  sources.responses.forEach((r, n) => findIn(textOf(r), secrets, `response ${n}`, findings));
  return {
    tables,
    entities,
    logLines: sources.logs.length,
    events: sources.events?.length ?? 0,
    responses: sources.responses.length,
    findings,
  };
}

/**
 * Asserts that no secret is anywhere, and that the scan read something of each source the test
 * says the app wrote to (so an empty scan cannot pass). Returns the report.
 */
export async function expectNoSecrets(
  sources: SecretScanSources,
  secrets: readonly Secret[],
  atLeast: { entities?: number; logLines?: number; events?: number; responses?: number } = {},
): Promise<SecretScanReport> {
  expect(secrets.length, 'no secret to look for').toBeGreaterThan(0);
  const report = await scanForSecrets(sources, secrets);
  expect(report.findings.map((f) => `${f.kind} ${f.pointer} in ${f.where}: ${f.context}`)).toEqual([]);
  expect(report.entities).toBeGreaterThanOrEqual(atLeast.entities ?? 1);
  expect(report.logLines).toBeGreaterThanOrEqual(atLeast.logLines ?? 1);
  expect(report.responses).toBeGreaterThanOrEqual(atLeast.responses ?? 1);
  if (atLeast.events !== undefined) expect(report.events).toBeGreaterThanOrEqual(atLeast.events);
  return report;
}
