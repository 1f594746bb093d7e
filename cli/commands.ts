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

/** Options as two aligned columns (a description may span lines: `\n` continues it in its column). */
function optionTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 3;
  return rows
    .map(([flag, what]) => `  ${flag.padEnd(width)}${what.split('\n').join(`\n  ${' '.repeat(width)}`)}`)
    .join('\n');
}

const EXIT_CODES = `Exit codes:
  0  done: sent or accepted, the job succeeded (--wait), or the answer was printed
  1  the job failed or was dead-lettered, or the API refused the request (not found, forbidden, invalid)
  2  wrong usage, or an unreadable or invalid envelope (nothing was sent)
  3  the API or the queue could not be reached, answered 5xx, or --wait timed out`;

const COMMON: [string, string][] = [
  [
    '--api <url>',
    `the catalog (or GALLERY_CATALOG_API; default ${DEFAULT_API}, the local runtime\nof npm start, on FUNCTIONS_HTTP_PORT when that is set)`,
  ],
  [
    '--token <token>',
    'bearer token for the API in Azure (or GALLERY_CATALOG_TOKEN), e.g.\n"$(az account get-access-token --resource api://<client-id> --query accessToken -o tsv)"',
  ],
  ['-o, --output <f>', 'table (default) or json'],
  ['-h, --help', 'this help'],
];
const WAIT: [string, string][] = [['--wait-seconds <n>', 'give up waiting after n seconds (default 120)']];

const HELP: Record<string, string> = {
  '': `gallery-catalog <command> [options]        (in this project: npm run cli -- <command> [options])

Submit group jobs and ask the gallery catalog.

Commands:
${optionTable([
  ['submit <file|->', 'validate a job envelope and send it (Service Bus, or the API)'],
  ['status <jobId>', "a job's status, resolved image version, warnings and errors"],
  ['latest <image id> --region <r>', 'what "latest" resolves to in a region, and the newer versions passed over'],
  ['help [command]', 'help for a command'],
])}

Options:
${optionTable([['--version', 'the version'], ...COMMON])}

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
  - otherwise (or with --api or GALLERY_CATALOG_API) to POST <api>/api/groups/jobs.
The same jobId again is the same job.

Options:
${optionTable([
  ['--dry-run', 'validate only'],
  [
    '--plan',
    "submit as a plan-only job, wait for it and print the requests it would make\nat the organization's apply target (nothing is sent, the group not recorded)",
  ],
  ['--wait', 'follow the job to its end, printing each status; the outcome sets the exit code'],
  ...WAIT,
  ['--connection-string <cs>', 'Service Bus connection string'],
  ['--namespace <host>', 'Service Bus namespace (DefaultAzureCredential)'],
  ...COMMON,
])}

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
${optionTable([['--wait', 'follow the job until it is final'], ...WAIT, ...COMMON])}

Examples:
  gallery-catalog status example-web-weu-create
  gallery-catalog status example-web-weu-create -o json --api https://func-abc.azurewebsites.net --token "$TOKEN"

${EXIT_CODES}`,
  latest: `gallery-catalog latest <image definition id> --region <region> [options]

What "latest" resolves to in a region for an image definition the caller sees, its full id, and
every newer version passed over with why (GET .../images/{image}/versions/latest?region=).

Options:
${optionTable([['--region <r>', 'the region, e.g. westeurope (required)'], ...COMMON])}

Examples:
  gallery-catalog latest /subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base --region westeurope
  gallery-catalog latest <id> --region eastus -o json

${EXIT_CODES}`,
};
HELP.help = HELP[''] as string;

const VALUE_FLAGS = new Set([
  '--api',
  '--token',
  '-o',
  '--output',
  '--region',
  '--wait-seconds',
  '--connection-string',
  '--namespace',
]);
const BOOL_FLAGS = new Set(['--dry-run', '--plan', '--wait', '-h', '--help', '--version']);
const ALLOWED: Record<string, string[]> = {
  submit: ['--dry-run', '--plan', '--wait', '--wait-seconds', '--connection-string', '--namespace'],
  status: ['--wait', '--wait-seconds'],
  latest: ['--region'],
};
const GLOBAL = ['--api', '--token', '-o', '--output', '-h', '--help'];

class UsageError extends Error {
  constructor(
    message: string,
    /** The command it is about, if one was named before the fault. */
    readonly command?: string,
  ) {
    super(message);
  }
}

type Flags = Map<string, string | true>;

/** The command line as positional arguments and flags (`-o` and `-h` under their long names). */
function parseArgs(argv: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`, positional[0]);
      flags.set(name === '-o' ? '--output' : name, value);
    } else if (BOOL_FLAGS.has(a)) flags.set(a === '-h' ? '--help' : a, true);
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`, positional[0]);
    else positional.push(a);
  }
  return { positional, flags };
}

/** `--version`, `help [command]`, `<command> --help`, or no command: the answer, else undefined. */
function helpOrVersion(command: string, args: string[], flags: Flags, io: CliIO): number | undefined {
  if (flags.has('--version')) {
    io.out(appVersion());
    return EXIT.ok;
  }
  const topic = command === 'help' ? (args[0] ?? '') : flags.has('--help') ? command : undefined;
  if (topic !== undefined) {
    if (!(topic in HELP)) {
      io.err(`no such command: ${topic}\n\n${HELP['']}`);
      return EXIT.usage;
    }
    io.out(HELP[topic] as string);
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
  return undefined;
}

/** The API address: --api, else GALLERY_CATALOG_API, else the local runtime (on FUNCTIONS_HTTP_PORT when set). */
export function apiAddress(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return flag;
  if (env.GALLERY_CATALOG_API) return env.GALLERY_CATALOG_API;
  const port = env.FUNCTIONS_HTTP_PORT;
  return port && /^\d+$/.test(port) ? `http://localhost:${port}` : DEFAULT_API;
}

/** What every command shares: its output format, how long --wait waits, the API. */
interface CommandContext {
  command: string;
  args: string[];
  flags: Flags;
  output: 'table' | 'json';
  waitSeconds: number;
  apiExplicit: boolean;
  api: ApiClient;
  io: CliIO;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    const usage = e as UsageError;
    io.err(`${usage.message}\n\n${HELP[usage.command ?? ''] ?? HELP['']}`);
    return EXIT.usage;
  }
  const { positional, flags } = parsed;
  const [command = '', ...args] = positional;
  const answered = helpOrVersion(command, args, flags, io);
  if (answered !== undefined) return answered;
  const usage = (message: string): number => {
    io.err(`${message}\n\n${HELP[command]}`);
    return EXIT.usage;
  };
  for (const f of flags.keys())
    if (!(ALLOWED[command] as string[]).includes(f) && !GLOBAL.includes(f))
      return usage(`${f} is not an option of ${command}`);
  const output = (flags.get('--output') ?? 'table') as string;
  if (output !== 'table' && output !== 'json') return usage('-o must be table or json');
  const waitSeconds = Number(flags.get('--wait-seconds') ?? 120);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1)
    return usage('--wait-seconds must be a whole number of seconds');
  const apiFlag = flags.get('--api') as string | undefined;
  const address = apiAddress(apiFlag, io.env);
  if (!/^https?:\/\/[^/]+/.test(address))
    return usage(`${apiFlag !== undefined ? '--api' : 'GALLERY_CATALOG_API'} must be an http(s) URL`);
  const token = (flags.get('--token') as string | undefined) ?? io.env.GALLERY_CATALOG_TOKEN;
  const context: CommandContext = {
    command,
    args,
    flags,
    output,
    waitSeconds,
    apiExplicit: apiFlag !== undefined || Boolean(io.env.GALLERY_CATALOG_API),
    api: new ApiClient(address, token),
    io,
  };
  try {
    return await run(context, usage);
  } catch (e) {
    if (e instanceof ApiUnreachableError) {
      io.err(e.message);
      return EXIT.unreachable;
    }
    throw e;
  }
}

function run(c: CommandContext, usage: (message: string) => number): Promise<number> {
  if (c.command === 'submit') {
    if (c.args.length !== 1) return Promise.resolve(usage('submit takes one file (or - for standard input)'));
    return submit(
      {
        file: c.args[0] as string,
        dryRun: c.flags.has('--dry-run'),
        plan: c.flags.has('--plan'),
        wait: c.flags.has('--wait'),
        waitSeconds: c.waitSeconds,
        apiExplicit: c.apiExplicit,
        ...(c.flags.has('--connection-string')
          ? { connectionString: c.flags.get('--connection-string') as string }
          : {}),
        ...(c.flags.has('--namespace') ? { namespace: c.flags.get('--namespace') as string } : {}),
        output: c.output,
      },
      c.api,
      c.io,
    );
  }
  if (c.command === 'status') return status(c, usage);
  return latest(c, usage);
}

async function status(c: CommandContext, usage: (message: string) => number): Promise<number> {
  if (c.args.length !== 1) return usage('status takes one jobId');
  const jobId = c.args[0] as string;
  if (c.flags.has('--wait')) return follow(jobId, c.api, c.io, c.output, c.waitSeconds);
  const res = await c.api.call('GET', `groups/jobs/${encodeURIComponent(jobId)}`);
  if (res.status !== 200) {
    for (const l of problemLines(res)) c.io.err(l);
    return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
  }
  printJob(res.body, c.io, c.output);
  return EXIT.ok;
}

async function latest(c: CommandContext, usage: (message: string) => number): Promise<number> {
  if (c.args.length !== 1) return usage('latest takes one image definition id');
  const region = c.flags.get('--region') as string | undefined;
  if (!region) return usage('--region is required');
  let ref: ResourceRef | undefined;
  try {
    ref = parseResourceId(c.args[0] as string);
  } catch (e) {
    return usage(`not an image definition id: ${(e as Error).message}`);
  }
  if (ref.level !== 'image')
    return usage(
      'the id must be an image definition: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<image>',
    );
  const p = [
    ref.subscriptionId,
    'resourceGroups',
    ref.resourceGroup,
    'galleries',
    ref.gallery,
    'images',
    ref.image,
  ].map(encodeURIComponent);
  const res = await c.api.call(
    'GET',
    `subscriptions/${p.join('/')}/versions/latest?region=${encodeURIComponent(region)}`,
  );
  if (res.status !== 200) {
    for (const l of problemLines(res)) c.io.err(l);
    return res.status >= 500 ? EXIT.unreachable : EXIT.failed;
  }
  if (c.output === 'json') c.io.out(JSON.stringify(res.body, null, 2));
  else {
    c.io.out(`${'region'.padEnd(10)} ${text(res.body.region)}`);
    c.io.out(`${'version'.padEnd(10)} ${text(res.body.version ?? '(none)')}`);
    c.io.out(`${'id'.padEnd(10)} ${text(res.body.id)}`);
    const passed = Array.isArray(res.body.passedOver)
      ? (res.body.passedOver as { version: string; reasons: { code: string }[] }[])
      : [];
    if (passed.length > 0) c.io.out('passed over:');
    for (const v of passed) c.io.out(`  ${v.version}: ${v.reasons.map((r) => r.code).join(', ')}`);
  }
  return EXIT.ok;
}
