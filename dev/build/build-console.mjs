// Builds the web console into dist/console: its TypeScript (browser ES modules, no bundler, no
// CDN), its page and styles, and the Spot body templates of the job page (test/fixtures/spot).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const web = path.join(root, 'shared/console/web');
const out = path.join(root, 'dist/console');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

fs.rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(web, 'tsconfig.json')], { stdio: 'inherit' });
for (const file of ['index.html', 'console.css']) fs.copyFileSync(path.join(web, file), path.join(out, file));

const templates = [
  { file: 'elastigroup-gallery-latest.json', title: 'Stateless group, gallery image, latest version' },
  { file: 'elastigroup-gallery-pinned.json', title: 'Stateless group, gallery image, pinned version' },
  { file: 'stateful-node-gallery.json', title: 'Stateful node, gallery image' },
];
fs.mkdirSync(path.join(out, 'templates'), { recursive: true });
for (const t of templates)
  fs.copyFileSync(path.join(root, 'test/fixtures/spot', t.file), path.join(out, 'templates', t.file));
fs.writeFileSync(
  path.join(out, 'templates/index.json'),
  JSON.stringify(
    templates.map((t) => ({ name: t.file.replace(/\.json$/, ''), ...t })),
    null,
    2,
  ),
);

let bytes = 0;
const count = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) count(p);
    else bytes += fs.statSync(p).size;
  }
};
count(out);
console.log(`console: ${path.relative(root, out)} (${(bytes / 1024).toFixed(1)} KiB)`);
