/**
 * `npm run package`: the deployment package, after `npm run build`.
 *
 * - `.deploy/app/`: what runs in Azure, and what azd zips and deploys (azure.yaml `dist`):
 *   `host.json`, a `package.json` with `main` and no dependencies or scripts (nothing for a remote
 *   build to install or run), the bundle `dist/app/` (main.js and its chunks) and the web console's
 *   files `dist/console/` (served by the `console` function). No `node_modules`.
 * - `.deploy/gallery-catalog.zip`: the same files zipped, for `az functionapp deployment source
 *   config-zip`-style deployments and to see the size. It prints the size of both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE } from './bundle.js';
import { projectRoot } from '../runtime/load-app.js';
import { writeZip, type ZipEntry } from './zip.js';

export const PACKAGE_DIR = '.deploy/app';
export const PACKAGE_ZIP = '.deploy/gallery-catalog.zip';

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  type?: string;
  main?: string;
  engines?: Record<string, string>;
}

export function packageApp(root = projectRoot()): {
  dir: string;
  zip: string;
  zipBytes: number;
  files: { name: string; bytes: number }[];
} {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  if (pkg.main !== BUNDLE_FILE)
    throw new Error(`package.json "main" must be ${BUNDLE_FILE} (the bundle), not ${pkg.main ?? '(none)'}`);
  const bundle = path.join(root, BUNDLE_FILE);
  if (!fs.existsSync(bundle)) throw new Error(`${BUNDLE_FILE} is missing: run npm run build`);
  const deployed: PackageJson = {
    name: pkg.name,
    version: pkg.version,
    ...(pkg.description ? { description: pkg.description } : {}),
    type: pkg.type ?? 'module',
    main: BUNDLE_FILE,
    ...(pkg.engines ? { engines: pkg.engines } : {}),
  };
  const bundleDir = path.dirname(BUNDLE_FILE);
  const entries: ZipEntry[] = [
    { name: 'host.json', data: fs.readFileSync(path.join(root, 'host.json')) },
    { name: 'package.json', data: Buffer.from(`${JSON.stringify(deployed, null, 2)}\n`) },
    // the bundle and the chunks it loads on demand (and their license notices)
    ...fs
      .readdirSync(path.join(root, bundleDir))
      .filter((f) => !f.endsWith('.tmp'))
      .sort()
      .map((f) => ({ name: `${bundleDir}/${f}`, data: fs.readFileSync(path.join(root, bundleDir, f)) })),
    // the web console (page, scripts, styles, templates)
    ...filesUnder(root, CONSOLE_DIR).map((name) => ({ name, data: fs.readFileSync(path.join(root, name)) })),
  ];
  const dir = path.join(root, PACKAGE_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const e of entries) {
    fs.mkdirSync(path.dirname(path.join(dir, e.name)), { recursive: true });
    fs.writeFileSync(path.join(dir, e.name), e.data);
  }
  const zip = path.join(root, PACKAGE_ZIP);
  const bytes = writeZip(entries);
  fs.writeFileSync(zip, bytes);
  return { dir, zip, zipBytes: bytes.length, files: entries.map((e) => ({ name: e.name, bytes: e.data.length })) };
}

/** The built console, from the console build (dev/build/build-console.mjs). */
export const CONSOLE_DIR = 'dist/console';

/** Every file under `dir` (relative to `root`, `/`-separated), sorted; an error when the folder is missing. */
function filesUnder(root: string, dir: string): string[] {
  if (!fs.existsSync(path.join(root, dir, 'index.html')))
    throw new Error(`${dir}/index.html is missing: run npm run build`);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const name = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(name);
      else out.push(name);
    }
  };
  walk(dir);
  return out.sort();
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    const root = projectRoot();
    const r = packageApp(root);
    for (const f of r.files) console.log(`  ${f.name.padEnd(40)} ${mb(f.bytes)}`);
    const unpacked = r.files.reduce((n, f) => n + f.bytes, 0);
    console.log(
      `package: ${path.relative(root, r.dir)}/ (${mb(unpacked)} unpacked, no node_modules; azd deploys this folder)`,
    );
    console.log(`zip: ${path.relative(root, r.zip)} ${mb(r.zipBytes)} (${r.zipBytes} bytes)`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
