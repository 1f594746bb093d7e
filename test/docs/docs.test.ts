import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { docSection, projectRoot, shBlocks } from '../support/doc-commands.js';

// The documents as a newcomer reads them: a README that fits on a few screens and names every
// folder, links that lead somewhere, and no command shown that no test runs.
const read = (file: string): string => fs.readFileSync(path.join(projectRoot, file), 'utf8');
const documents = [
  'README.md',
  ...fs
    .readdirSync(path.join(projectRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/**
 * Where each section of the documents that shows sh blocks is run: the test file that runs its
 * commands literally (it reads them with docCommands(<file>, <heading>)), or, for the Azure-only
 * sections (they need a subscription and a token), the test that checks them as text.
 */
const RUN_BY: { file: string; heading: string; by: string; call?: string }[] = [
  { file: 'README.md', heading: '', by: 'test/runtime/npm-start.test.ts' },
  { file: 'README.md', heading: '## Try it in five minutes', by: 'test/runtime/npm-start.test.ts' },
  { file: 'docs/local.md', heading: '## Running locally', by: 'test/runtime/npm-start.test.ts' },
  { file: 'docs/local.md', heading: '## Changing the simulated ARM', by: 'test/runtime/npm-start.test.ts' },
  { file: 'docs/operations.md', heading: '# Operations', by: 'test/runtime/npm-start.test.ts' },
  { file: 'docs/jobs.md', heading: '# Group jobs', by: 'test/cli/cli-local.e2e.test.ts' },
  {
    file: 'docs/api.md',
    heading: '## Call the API',
    by: 'test/access/auth.test.ts',
    call: "docSection('docs/api.md', '## Call the API')",
  },
  {
    file: 'docs/deploy.md',
    heading: '## Deploy to Azure',
    by: 'test/infra/bicep.test.ts',
    call: "docSection('docs/deploy.md', '## Deploy to Azure')",
  },
];

describe('the documents', () => {
  it('README.md fits in 200 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(200);
  });

  it('every sh block is in a section whose commands a test runs (or, Azure only, checks)', () => {
    for (const file of documents) {
      for (const block of shBlocks(file)) {
        const claim = RUN_BY.find(
          (c) =>
            c.file === file &&
            (c.heading === ''
              ? block.heading === '' || !block.heading.includes('## ')
              : block.heading.split('\n').includes(c.heading)),
        );
        expect(
          claim,
          `${file} ${block.heading.replace(/\n/g, ' > ')}: ${block.commands.map((c) => c.command).join('; ')}`,
        ).toBeDefined();
      }
    }
    for (const c of RUN_BY) {
      expect(read(c.by), `${c.by} reads ${c.file} ${c.heading}`).toContain(
        c.call ?? `docCommands('${c.file}', '${c.heading}')`,
      );
      expect(docSection(c.file, c.heading)).toMatch(/```sh/);
    }
  });

  it('every relative link leads to a file that exists, and every heading link to a heading', () => {
    const anchor = (heading: string): string =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-');
    for (const file of documents) {
      for (const m of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue;
        const [name, hash] = target.split('#') as [string, string | undefined];
        const resolved = name === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), name));
        expect(fs.existsSync(path.join(projectRoot, resolved)), `${file}: ${target}`).toBe(true);
        if (hash && resolved.endsWith('.md')) {
          const anchors = [...read(resolved).matchAll(/^#+ (.+)$/gm)].map((h) => anchor(h[1] as string));
          anchors.push(...[...read(resolved).matchAll(/<a id="([^"]+)"><\/a>/g)].map((a) => a[1] as string));
          expect(anchors, `${file}: ${target}`).toContain(hash);
        }
      }
    }
  });

  it("the README's folder map names every folder of the project and every entry of shared/", () => {
    const map = docSection('README.md', '## The folders');
    const named = new Set([...map.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string));
    const ignored = new Set(['node_modules', 'dist', 'coverage', 'test-results', 'reports']);
    const top = fs
      .readdirSync(projectRoot, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !ignored.has(e.name))
      .map((e) => `${e.name}/`);
    const shared = fs
      .readdirSync(path.join(projectRoot, 'shared'), { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.name.endsWith('.ts'))
      .map((e) => `shared/${e.name}${e.isDirectory() ? '/' : ''}`);
    for (const entry of ['index.ts', ...top.filter((t) => t !== 'shared/'), ...shared])
      expect([...named], entry).toContain(entry);
    for (const entry of named) expect(fs.existsSync(path.join(projectRoot, entry)), entry).toBe(true);
    // layer order: the triggers first, the pure domain last of shared/, then what is not shipped
    const order = [...map.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);
    expect(order.indexOf('functions/')).toBeLessThan(order.indexOf('shared/http/'));
    expect(order.indexOf('shared/domain/')).toBe(Math.max(...order.map((e, i) => (e.startsWith('shared/') ? i : -1))));
    expect(order.indexOf('cli/')).toBeGreaterThan(order.indexOf('shared/domain/'));
  });

  it('the README lists every document of docs/ (docs/apply.md as soon as it exists)', () => {
    const list = docSection('README.md', '## Documentation');
    for (const f of documents.filter((d) => d.startsWith('docs/'))) expect(list, f).toContain(`](${f})`);
    expect(list).toContain('docs/apply.md');
  });
});
