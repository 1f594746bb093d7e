/**
 * `gallery-catalog submit <file|->`: validates a group job envelope, then sends it to the
 * group-jobs Service Bus queue when one is configured (messageId = jobId, sessionId = the group),
 * or posts it to the API's `POST /api/groups/jobs`. `--wait` follows the job to its end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseJobEnvelope, groupIdentity } from '../shared/domain/job-envelope.js';
import { ServiceBusJobQueue } from '../shared/jobs/queue.js';
import type { ServiceBusSettings } from '../shared/config.js';
import { problemLines, type ApiClient } from './api-client.js';
import { EXIT, text as cell, type CliIO, type Output } from './io.js';

const FINAL = new Set(['succeeded', 'failed', 'deadLettered']);

/** Service Bus settings from the environment, else from ./local.settings.json (Values), else none. */
export function serviceBusFrom(
  env: NodeJS.ProcessEnv,
  cwd: string,
  flags: { connectionString?: string; namespace?: string },
): ServiceBusSettings | undefined {
  let values: Record<string, string | undefined> = env;
  const cs0 = flags.connectionString ?? env.ServiceBusConnection;
  const ns0 = flags.namespace ?? env.ServiceBusConnection__fullyQualifiedNamespace;
  if (!cs0 && !ns0) {
    const file = path.join(cwd, 'local.settings.json');
    if (fs.existsSync(file)) {
      try {
        values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
      } catch {
        values = {};
      }
    }
  }
  const cs = cs0 ?? values.ServiceBusConnection;
  const ns = ns0 ?? values.ServiceBusConnection__fullyQualifiedNamespace;
  if (cs) return { kind: 'connectionString', connectionString: cs };
  if (ns) return { kind: 'identity', fullyQualifiedNamespace: ns, credential: 'default' };
  return undefined;
}

export interface SubmitOptions {
  file: string;
  dryRun: boolean;
  /** Submit as a plan-only job (`planOnly`), wait for it and print its plan: nothing is applied. */
  plan: boolean;
  wait: boolean;
  waitSeconds: number;
  /** Set when --api was given: post to the API even if Service Bus is configured. */
  apiExplicit: boolean;
  connectionString?: string;
  namespace?: string;
  output: Output;
}

export async function submit(o: SubmitOptions, api: ApiClient, io: CliIO): Promise<number> {
  let text: string;
  try {
    text = o.file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(o.file, 'utf8');
  } catch (e) {
    io.err(`cannot read ${o.file}: ${(e as Error).message}`);
    return EXIT.usage;
  }
  const parsed = parseJobEnvelope(text);
  if (!parsed.ok) {
    io.err(`invalid job envelope${parsed.jobId ? ` ${parsed.jobId}` : ''}:`);
    for (const e of parsed.errors) io.err(`  ${e.pointer || '(message)'}: ${e.message} [${e.code}]`);
    return EXIT.usage;
  }
  const envelope = o.plan ? { ...parsed.envelope, planOnly: true as const } : parsed.envelope;
  if (o.plan) text = JSON.stringify(envelope);
  const session = groupIdentity(envelope);
  if (o.dryRun) {
    io.out(`valid: job ${envelope.jobId} (${envelope.kind} ${envelope.action}), session ${session}`);
    return EXIT.ok;
  }
  const bus = o.apiExplicit
    ? undefined
    : serviceBusFrom(io.env, io.cwd, {
        ...(o.connectionString ? { connectionString: o.connectionString } : {}),
        ...(o.namespace ? { namespace: o.namespace } : {}),
      });
  if (bus) {
    const queue = new ServiceBusJobQueue(bus);
    try {
      await queue.send(envelope);
    } catch (e) {
      io.err(`send failed: ${(e as Error).message}`);
      return EXIT.unreachable;
    } finally {
      await queue.close().catch(() => undefined);
    }
    io.out(
      `sent: job ${envelope.jobId} (${envelope.kind} ${envelope.action}) to the group-jobs queue, session ${session}`,
    );
  } else {
    const res = await api.call('POST', 'groups/jobs', text);
    if (res.status !== 202) {
      for (const l of problemLines(res)) io.err(l);
      return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
    }
    io.out(
      `accepted: job ${envelope.jobId} (${envelope.kind} ${envelope.action})${res.body.duplicate === true ? ' (already submitted: the same job)' : ''}, ${api.baseUrl.replace(/\/+$/, '')}${res.headers.get('location') ?? ''}`,
    );
  }
  return o.wait || o.plan ? follow(envelope.jobId, api, io, o.output, o.waitSeconds) : EXIT.ok;
}

/** Polls the job until it is final, printing each status change; prints the outcome. */
export async function follow(
  jobId: string,
  api: ApiClient,
  io: CliIO,
  output: Output,
  waitSeconds: number,
): Promise<number> {
  const deadline = Date.now() + waitSeconds * 1000;
  let last = '';
  let delay = 250;
  for (;;) {
    const res = await api.call('GET', `groups/jobs/${encodeURIComponent(jobId)}`);
    // 404 right after a queue send: the job is not recorded until the processor takes it
    const status = res.status === 200 ? cell(res.body.status) : res.status === 404 ? 'queued' : undefined;
    if (status === undefined) {
      for (const l of problemLines(res)) io.err(l);
      return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
    }
    if (status !== last) {
      io.err(`job ${jobId}: ${status}`);
      last = status;
    }
    if (res.status === 200 && FINAL.has(status)) return printJob(res.body, io, output);
    if (Date.now() > deadline) {
      io.err(`job ${jobId} is still ${status} after ${waitSeconds} s; follow it with: gallery-catalog status ${jobId}`);
      return EXIT.unreachable;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

/** Prints a job record (json or table) and returns the exit code its status means. */
export function printJob(job: Record<string, unknown>, io: CliIO, output: Output): number {
  const status = cell(job.status);
  if (output === 'json') io.out(JSON.stringify(job, null, 2));
  else {
    const group = job.group as { kind?: string; name?: string } | undefined;
    const rows: [string, string][] = [
      ['job', cell(job.jobId)],
      ['status', status],
      ['action', `${cell(job.kind)} ${cell(job.action)}`],
      ['group', `${cell(job.account)}/${group?.name ?? '?'}`],
      ...(job.resolvedImageVersionId
        ? ([['image version', cell(job.resolvedImageVersionId)]] as [string, string][])
        : []),
      ...(job.finishedAt ? ([['finished', cell(job.finishedAt)]] as [string, string][]) : []),
    ];
    for (const [k, v] of rows) io.out(`${k.padEnd(14)} ${v}`);
    const list = (name: string, items: unknown) => {
      const arr = Array.isArray(items)
        ? (items as { pointer?: string; path?: string; code?: string; message?: string }[])
        : [];
      if (arr.length === 0) return;
      io.out(`${name}:`);
      for (const e of arr) io.out(`  ${e.pointer || e.path || '(job)'}: ${e.message ?? ''} [${e.code ?? ''}]`);
    };
    list('errors', job.errors);
    list('warnings', job.warnings);
    printPlan(job.plan, job.planOnly === true, io);
    if (typeof job.lastError === 'string') io.out(`last error: ${job.lastError}`);
  }
  return status === 'succeeded' ? EXIT.ok : status === 'failed' || status === 'deadLettered' ? EXIT.failed : EXIT.ok;
}

/** The requests a job makes (or, planned only, would make) at its target: method and URL, then the body. */
function printPlan(plan: unknown, planOnly: boolean, io: CliIO): void {
  const p = plan as { target?: string; requests?: { method?: string; url?: string; body?: unknown }[] } | undefined;
  if (!p?.requests) return;
  io.out(`plan (${cell(p.target)}${planOnly ? ', planned only: nothing was sent' : ''}):`);
  for (const r of p.requests) {
    io.out(`  ${cell(r.method)} ${cell(r.url)}`);
    if (r.body !== undefined) for (const line of JSON.stringify(r.body, null, 2).split('\n')) io.out(`    ${line}`);
  }
}
