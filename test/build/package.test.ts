import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readZip, writeZip } from '../../dev/build/zip.js';
import { BUNDLE_FILE } from '../../dev/build/bundle.js';
import { CONSOLE_DIR, PACKAGE_DIR, PACKAGE_ZIP } from '../../dev/build/package.js';
import { loadAssets } from '../../shared/console/assets.js';

const root = path.resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let output = '';
let extracted: string;

beforeAll(() => {
  // the README's command, literally
  output = execFileSync(npm, ['run', 'package'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  extracted = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-package-'));
  for (const e of readZip(fs.readFileSync(path.join(root, PACKAGE_ZIP)))) {
    fs.mkdirSync(path.dirname(path.join(extracted, e.name)), { recursive: true });
    fs.writeFileSync(path.join(extracted, e.name), e.data);
  }
}, 240_000);
afterAll(() => fs.rmSync(extracted, { recursive: true, force: true }));

describe('npm run package', () => {
  it('prints the zip and its size', () => {
    const zipBytes = fs.statSync(path.join(root, PACKAGE_ZIP)).size;
    expect(output).toContain(`zip: ${PACKAGE_ZIP} ${(zipBytes / 1024 / 1024).toFixed(2)} MB (${zipBytes} bytes)`);
    expect(output).toContain(`package: ${PACKAGE_DIR}/`);
  });

  it('holds the bundle, the console, host.json and a package.json whose main is the bundle: no node_modules, nothing to install or build', () => {
    const names = readZip(fs.readFileSync(path.join(root, PACKAGE_ZIP))).map((e) => e.name);
    const built = fs.readdirSync(path.join(root, 'dist/app')).map((f) => `dist/app/${f}`);
    const consoleFiles = fs
      .readdirSync(path.join(root, CONSOLE_DIR), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    expect(consoleFiles).toContain(`${CONSOLE_DIR}/index.html`);
    expect(names.sort()).toEqual(['host.json', 'package.json', ...built, ...consoleFiles].sort());
    // the console function serves them from the package (dist/console next to the bundle)
    expect([...loadAssets(path.join(extracted, CONSOLE_DIR)).keys()]).toEqual(
      expect.arrayContaining(['index.html', 'web/main.js', 'console.css']),
    );
    expect(names).toContain(BUNDLE_FILE);
    expect(names.some((n) => n.includes('node_modules'))).toBe(false);
    const deployed = JSON.parse(fs.readFileSync(path.join(extracted, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(deployed).toMatchObject({ name: 'gallery-catalog', type: 'module', main: BUNDLE_FILE });
    expect(deployed.dependencies).toBeUndefined();
    expect(deployed.scripts).toBeUndefined();
    const project = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(project.main).toBe(BUNDLE_FILE);
    // the folder azd deploys (azure.yaml dist) is the same content
    for (const n of names)
      expect(fs.readFileSync(path.join(root, PACKAGE_DIR, n)).equals(fs.readFileSync(path.join(extracted, n))), n).toBe(
        true,
      );
    expect(fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8')).toMatch(
      new RegExp(`^\\s+dist:\\s*${PACKAGE_DIR.replace('.', '\\.')}\\s*$`, 'm'),
    );
  });

  it('runs from the extracted package alone, away from node_modules, with every function registered', () => {
    const child = path.join(extracted, 'load.mjs');
    const loadApp = pathToFileURL(path.join(root, 'dist/dev/runtime/load-app.js')).href;
    // every chunk the bundle loads on demand (compute SDK, Service Bus SDK) must load too
    const chunks = fs.readdirSync(path.join(extracted, 'dist/app')).filter((f) => /^chunk-.*\.js$/.test(f));
    expect(chunks.length).toBeGreaterThan(0);
    fs.writeFileSync(
      child,
      `const { loadApp } = await import(${JSON.stringify(loadApp)});\nconst r = await loadApp(${JSON.stringify(extracted)});\n` +
        `for (const c of ${JSON.stringify(chunks)}) await import('./dist/app/' + c);\n` +
        `process.stdout.write(JSON.stringify(r.list().map((x) => x.name).sort()));\n`,
    );
    const r = spawnSync(process.execPath, [child], { cwd: extracted, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const sources = fs
      .readdirSync(path.join(root, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(JSON.parse(r.stdout)).toEqual(sources);
  });

  it('leaves node_modules out of a deployment of the project folder (.funcignore)', () => {
    const lines = fs
      .readFileSync(path.join(root, '.funcignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      '/*',
      '!/host.json',
      '!/package.json',
      '!/dist/',
      '/dist/*',
      '!/dist/app/',
      '!/dist/console/',
    ]);
  });
});

describe('zip writer', () => {
  it('reads back what it wrote, and unzip agrees when it is installed', () => {
    const entries = [
      { name: 'a.txt', data: Buffer.from('hello') },
      { name: 'dir/b.bin', data: Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 7)) },
      { name: 'empty', data: Buffer.alloc(0) },
    ];
    const zip = writeZip(entries);
    expect(readZip(zip)).toEqual(entries);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gc-zip-')), 't.zip');
    fs.writeFileSync(file, zip);
    const unzip = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    if (!unzip.error) expect(unzip.stdout).toMatch(/No errors detected/);
  });
});

describe('what ships', () => {
  it('is the app alone: no file of dev/ (local runtime, simulators, build), cli/ or test/ goes into the bundle', async () => {
    const { bundle } = await import('../../dev/build/bundle.js');
    const { result } = await bundle(root);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((f) => f.startsWith('functions/'))).toBe(true);
    expect(inputs.some((f) => f.startsWith('shared/'))).toBe(true);
    expect(inputs.filter((f) => /^(dev|cli|test)\//.test(f))).toEqual([]);
  }, 120_000);
});
