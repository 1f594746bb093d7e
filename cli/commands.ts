/**
 * The `gallery-catalog` command line: `submit`, `status`, `latest`, `help`, `--version`.
 * Every command answers `--help` / `-h` (and `help <command>`) with its options, examples and exit
 * codes, exit code 0.
 */
import { parseResourceId, type ResourceRef } from '../shared/domain/ids.js';
import { appVersion } from '../shared/version.js';
import { ApiClient, ApiUnreachableError, DEFAULT_API, problemLines } from './api-client.js';
import { EXIT, text, type CliIO } from './io.js';
import { follow, printJob, submit } from './submit.js';

const EXIT_CODES = `Exit codes:
  0  done: sent or accepted, the job succeeded (--wait), or the answer was printed
  1  the job failed or was dead-lettered, or the API refused the request (not found, forbidden, invalid)
  2  wrong usage, or an unreadable or invalid envelope (nothing was sent)
  3  the API or the queue could not be reached, answered 5xx, or --wait timed out`;

const COMMON = `  --api <url>        the catalog (default ${DEFAULT_API}, the local runtime of npm start)
  --token <token>    bearer token for the API in Azure (or GALLERY_CATALOG_TOKEN), e.g.
                     "$(az account get-access-token --resource api://<client-id> --query accessToken -o tsv)"
  -o, --output <f>   table (default) or json
  -h, --help         this help`;

const HELP: Record<string, string> = {
  '': `gallery-catalog ${'<command>'} [options]

Submit group jobs and ask the gallery catalog.

Commands:
  submit <file|->            validate a job envelope and send it (Service Bus, or the API)
  status <jobId>             a job's status, resolved image version, warnings and errors
  latest <image id> --region <r>
                             what "latest" resolves to in a region, and the newer versions passed over
  help [command]             help for a command

Options:
  --version          the version
${COMMON}

Examples:
  gallery-catalog submit examples/stateless-latest.json --wait
  gallery-catalog status example-web-weu-create -o json
  gallery-catalog latest /subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base --region westeurope

${EXIT_CODES}`,
  submit: `gallery-catalog submit <file|-> [options]

Validates a group job envelope (every field at fault is listed), then sends it:
  - to the group-jobs Service Bus queue when ServiceBusConnection (a connection string) or
    ServiceBusConnection__fullyQualifiedNamespace (DefaultAzureCredential) is set, in the
    environment or in ./local.settings.json (Values), or given with the options below;
  - otherwise (or with --api) to POST <api>/api/groups/jobs.
The same jobId again is the same job.

Options:
  --dry-run                  validate only
  --plan                     submit as a plan-only job, wait for it and print the requests it would make
                             at the organization's apply target (nothing is sent, the group not recorded)
  --wait                     follow the job to its end, printing each status; the outcome sets the exit code
  --wait-seconds <n>         give up waiting after n seconds (default 120)
  --connection-string <cs>   Service Bus connection string
  --namespace <host>         Service Bus namespace (DefaultAzureCredential)
${COMMON}

Examples:
  gallery-catalog submit examples/stateless-latest.json --api http://localhost:7071 --wait
  gallery-catalog submit examples/stateful-node.json --dry-run
  gallery-catalog submit examples/stateless-latest.json --plan
  cat job.json | gallery-catalog submit - --namespace mybus.servicebus.windows.net

${EXIT_CODES}`,
  status: `gallery-catalog status <jobId> [options]

A job's status (queued, running, succeeded, failed, deadLettered), its resolved image version,
warnings and errors (GET /api/groups/jobs/{jobId}; only jobs of accounts the caller acts for).

Options:
  --wait                     follow the job until it is final
  --wait-seconds <n>         give up waiting after n seconds (default 120)
${COMMON}

Examples:
  gallery-catalog status example-web-weu-create
  gallery-catalog status example-web-weu-create -o json --api https://func-abc.azurewebsites.net --token "$TOKEN"

${EXIT_CODES}`,
  latest: `gallery-catalog latest <image definition id> --region <region> [options]

What "latest" resolves to in a region for an image definition the caller sees, its full id, and
every newer version passed over with why (GET .../images/{image}/versions/latest?region=).

Options:
  --region <r>               the region, e.g. westeurope (required)
${COMMON}

Examples:
  gallery-catalog latest /subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base --region westeurope
  gallery-catalog latest <id> --region eastus -o json

${EXIT_CODES}`,
};
HELP.help = HELP[''] as string;

const VALUE_FLAGS = new Set(['--api', '--token', '-o', '--output', '--region', '--wait-seconds', '--connection-string', '--namespace']);
const BOOL_FLAGS = new Set(['--dry-run', '--plan', '--wait', '-h', '--help', '--version']);
const ALLOWED: Record<string, string[]> = {
  submit: ['--dry-run', '--plan', '--wait', '--wait-seconds', '--connection-string', '--namespace'],
  status: ['--wait', '--wait-seconds'],
  latest: ['--region'],
};
const GLOBAL = ['--api', '--token', '-o', '--output', '-h', '--help'];

class UsageError extends Error {}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      const eq = a.startsWith('--') ? a.indexOf('=') : -1;
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (VALUE_FLAGS.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
        flags.set(name === '-o' ? '--output' : name, value);
      } else if (BOOL_FLAGS.has(a)) flags.set(a === '-h' ? '--help' : a, true);
      else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
      else positional.push(a);
    }
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${HELP[positional[0] ?? ''] ?? HELP['']}`);
    return EXIT.usage;
  }
  const [command = '', ...args] = positional;
  if (flags.has('--version')) {
    io.out(appVersion());
    return EXIT.ok;
  }
  if (command === 'help') {
    const topic = args[0] ?? '';
    if (!(topic in HELP)) {
      io.err(`no such command: ${topic}\n\n${HELP['']}`);
      return EXIT.usage;
    }
    io.out(HELP[topic] as string);
    return EXIT.ok;
  }
  if (flags.has('--help')) {
    if (!(command in HELP)) {
      io.err(`no such command: ${command}\n\n${HELP['']}`);
      return EXIT.usage;
    }
    io.out(HELP[command] as string);
    return EXIT.ok;
  }
  if (command === '') {
    io.err(HELP[''] as string);
    return EXIT.usage;
  }
  if (!(command in ALLOWED)) {
    io.err(`no such command: ${command}\n\n${HELP['']}`);
    return EXIT.usage;
  }
  const usage = (message: string): number => {
    io.err(`${message}\n\n${HELP[command]}`);
    return EXIT.usage;
  };
  for (const f of flags.keys()) if (!(ALLOWED[command] as string[]).includes(f) && !GLOBAL.includes(f)) return usage(`${f} is not an option of ${command}`);
  const output = (flags.get('--output') ?? 'table') as string;
  if (output !== 'table' && output !== 'json') return usage('-o must be table or json');
  const waitSeconds = Number(flags.get('--wait-seconds') ?? 120);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) return usage('--wait-seconds must be a whole number of seconds');
  const apiFlag = flags.get('--api') as string | undefined;
  if (apiFlag !== undefined && !/^https?:\/\/[^/]+/.test(apiFlag)) return usage('--api must be an http(s) URL');
  const token = (flags.get('--token') as string | undefined) ?? io.env.GALLERY_CATALOG_TOKEN;
  const api = new ApiClient(apiFlag ?? DEFAULT_API, token);

  try {
    switch (command) {
      case 'submit': {
        if (args.length !== 1) return usage('submit takes one file (or - for standard input)');
        return await submit(
          {
            file: args[0] as string,
            dryRun: flags.has('--dry-run'),
            plan: flags.has('--plan'),
            wait: flags.has('--wait'),
            waitSeconds,
            apiExplicit: apiFlag !== undefined,
            ...(flags.has('--connection-string') ? { connectionString: flags.get('--connection-string') as string } : {}),
            ...(flags.has('--namespace') ? { namespace: flags.get('--namespace') as string } : {}),
            output: output,
          },
          api,
          io,
        );
      }
      case 'status': {
        if (args.length !== 1) return usage('status takes one jobId');
        const jobId = args[0] as string;
        if (flags.has('--wait')) return await follow(jobId, api, io, output, waitSeconds);
        const res = await api.call('GET', `groups/jobs/${encodeURIComponent(jobId)}`);
        if (res.status !== 200) {
          for (const l of problemLines(res)) io.err(l);
          return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
        }
        printJob(res.body, io, output);
        return EXIT.ok;
      }
      default: {
        if (args.length !== 1) return usage('latest takes one image definition id');
        const region = flags.get('--region') as string | undefined;
        if (!region) return usage('--region is required');
        let ref: ResourceRef | undefined;
        try {
          ref = parseResourceId(args[0] as string);
        } catch (e) {
          return usage(`not an image definition id: ${(e as Error).message}`);
        }
        if (ref.level !== 'image') return usage('the id must be an image definition: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<image>');
        const p = [ref.subscriptionId, 'resourceGroups', ref.resourceGroup, 'galleries', ref.gallery, 'images', ref.image].map(encodeURIComponent);
        const res = await api.call('GET', `subscriptions/${p.join('/')}/versions/latest?region=${encodeURIComponent(region)}`);
        if (res.status !== 200) {
          for (const l of problemLines(res)) io.err(l);
          return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
        }
        if (output === 'json') io.out(JSON.stringify(res.body, null, 2));
        else {
          io.out(`${'region'.padEnd(10)} ${text(res.body.region)}`);
          io.out(`${'version'.padEnd(10)} ${text(res.body.version ?? '(none)')}`);
          io.out(`${'id'.padEnd(10)} ${text(res.body.id)}`);
          const passed = Array.isArray(res.body.passedOver) ? (res.body.passedOver as { version: string; reasons: { code: string }[] }[]) : [];
          if (passed.length > 0) io.out('passed over:');
          for (const v of passed) io.out(`  ${v.version}: ${v.reasons.map((r) => r.code).join(', ')}`);
        }
        return EXIT.ok;
      }
    }
  } catch (e) {
    if (e instanceof ApiUnreachableError) {
      io.err(e.message);
      return EXIT.unreachable;
    }
    throw e;
  }
}
