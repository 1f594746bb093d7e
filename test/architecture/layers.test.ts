import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

// The layers of .dependency-cruiser.cjs (`npm run lint` runs the same check over the whole tree):
// the project passes, and each kind of violation planted in a small copy is reported by its rule.
const root = path.resolve(import.meta.dirname, '../..');
const rules = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string, entries: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(entries, {
      ruleSet: { forbidden: rules.forbidden ?? [] },
      validate: true,
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      preserveSymlinks: true,
    });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('the architecture check', () => {
  it('finds no violation in the project', async () => {
    expect(await violations(root, ['index.ts', 'functions', 'shared', 'cli', 'dev'])).toEqual([]);
  }, 60_000);

  it('reports each kind of violation planted in a copy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    write(
      'shared/domain/rule.ts',
      "import { TableClient } from '@azure/data-tables';\nimport { z } from 'zod';\nexport const x = [TableClient, z];\n",
    );
    write(
      'shared/jobs/use-case.ts',
      "import { start } from '../../dev/start.js';\nimport { api } from '../http/api.js';\nexport const y = [start, api];\n",
    );
    write('shared/http/api.ts', 'export const api = 1;\n');
    write('dev/start.ts', 'export const start = 1;\n');
    write('shared/a.ts', "import { b } from './b.js';\nexport const a = b;\n");
    write('shared/b.ts', "import { a } from './a.js';\nexport const b = a;\n");
    write('shared/uses-trigger.ts', "import { f } from '../functions/f.js';\nexport const g = f;\n");
    write('functions/f.ts', 'export const f = 1;\n');
    try {
      const found = await violations(dir, ['shared', 'functions', 'dev']);
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^domain-is-pure: shared\/domain\/rule\.ts -> node_modules\/@azure\/data-tables\//),
          'app-does-not-import-dev: shared/jobs/use-case.ts -> dev/start.ts',
          'http-is-for-triggers: shared/jobs/use-case.ts -> shared/http/api.ts',
          'shared-does-not-import-triggers: shared/uses-trigger.ts -> functions/f.ts',
        ]),
      );
      expect(found.some((v) => v.startsWith('no-cycles: shared/a.ts'))).toBe(true);
      // zod is allowed in the domain
      expect(found.some((v) => v.includes('zod'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
