/**
 * `npx gallery-catalog submit <file|->`: validates a group job envelope and sends it to the
 * group-jobs Service Bus queue (messageId = jobId, sessionId = the group), with a connection string
 * (`ServiceBusConnection`, or --connection-string) or DefaultAzureCredential on a namespace
 * (`ServiceBusConnection__fullyQualifiedNamespace`, or --namespace). `--dry-run` only validates.
 */
import fs from 'node:fs';
import { parseJobEnvelope, groupIdentity } from '../domain/job-envelope.js';
import { ServiceBusJobQueue } from '../jobs/queue.js';
import type { ServiceBusSettings } from '../config.js';

const USAGE = `usage: gallery-catalog submit <envelope.json | -> [--dry-run] [--connection-string <cs>] [--namespace <host>]`;

export async function main(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [command, file, ...rest] = argv;
  if (command !== 'submit' || !file) {
    err(USAGE);
    return 2;
  }
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--dry-run') flags.set(a, true);
    else if (a === '--connection-string' || a === '--namespace') flags.set(a, rest[++i] ?? '');
    else {
      err(`unknown option ${a}\n${USAGE}`);
      return 2;
    }
  }
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (e) {
    err(`cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  const parsed = parseJobEnvelope(text);
  if (!parsed.ok) {
    err(`invalid job envelope${parsed.jobId ? ` ${parsed.jobId}` : ''}:`);
    for (const e of parsed.errors) err(`  ${e.path || '(message)'}: ${e.message} [${e.code}]`);
    return 2;
  }
  const envelope = parsed.envelope;
  const session = groupIdentity(envelope);
  if (flags.has('--dry-run')) {
    out(`valid: job ${envelope.jobId} (${envelope.kind} ${envelope.action}), session ${session}`);
    return 0;
  }
  const cs = (flags.get('--connection-string') as string | undefined) ?? env.ServiceBusConnection;
  const ns = (flags.get('--namespace') as string | undefined) ?? env.ServiceBusConnection__fullyQualifiedNamespace;
  const settings: ServiceBusSettings | undefined = cs ? { kind: 'connectionString', connectionString: cs } : ns ? { kind: 'identity', fullyQualifiedNamespace: ns, credential: 'default' } : undefined;
  if (!settings) {
    err('no Service Bus to send to: set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace, or pass --connection-string / --namespace');
    return 2;
  }
  const queue = new ServiceBusJobQueue(settings);
  try {
    await queue.send(envelope);
  } catch (e) {
    err(`send failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await queue.close().catch(() => undefined);
  }
  out(`sent: job ${envelope.jobId} (${envelope.kind} ${envelope.action}), session ${session}`);
  return 0;
}
