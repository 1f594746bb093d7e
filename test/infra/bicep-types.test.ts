/**
 * infra/ against Azure's own resource type definitions, offline: the definitions the Bicep compiler
 * checks resources against (Azure/bicep-types-az, cut to the types infra/ declares:
 * test/fixtures/bicep-types and its README). What is checked: test/infra/bicep-checker.ts; what only a
 * deployment can prove: docs/deploy.md. The faults each check catches: bicep-faults.test.ts.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { SETTING_DOCS, SETTING_NAMES } from '../../shared/config.js';
import {
  appSettingsOf,
  checkAppSettings,
  checkInfra,
  FIXTURE_DIR,
  formatFinding,
  HOST_SETTINGS,
  loadInfra,
  TypeLibrary,
} from './bicep-checker.js';

const root = path.resolve(import.meta.dirname, '../..');
const files = loadInfra(path.join(root, 'infra'));
const lib = TypeLibrary.load();

describe("infra/ against Azure's resource type definitions (Azure/bicep-types-az)", () => {
  it('has the definitions of exactly the resource types and api-versions infra/ declares', () => {
    const declared = [...new Set(files.flatMap((f) => f.resources.map((r) => r.type.toLowerCase())))].sort();
    expect(
      lib.declared.map((d) => d.toLowerCase()).sort(),
      'test/fixtures/bicep-types is stale: node dev/scripts/bicep-types-fixtures.mjs <bicep-types-az checkout>',
    ).toEqual(declared);
  });

  it('names the source repository, commit and regeneration script beside the definitions', () => {
    const readme = fs.readFileSync(path.join(FIXTURE_DIR, 'README.md'), 'utf8');
    expect(lib.catalog.source.repository).toBe('Azure/bicep-types-az');
    expect(lib.catalog.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(readme).toContain(lib.catalog.source.commit);
    expect(readme).toContain('dev/scripts/bicep-types-fixtures.mjs');
    expect(fs.existsSync(path.join(root, 'dev', 'scripts', 'bicep-types-fixtures.mjs'))).toBe(true);
  });

  it('finds every resource valid: type, api-version, property keys, enum values, required and read-only properties, built-in role ids', () => {
    const report = checkInfra(files, lib);
    console.log(
      `Bicep checked against Azure's definitions: ${report.files} files, ${report.resources} resources checked, ${report.properties} properties checked, ` +
        `${report.roles} role ids checked, ${report.modules} module calls checked, ${report.skipped} expressions skipped (not evaluable offline)`,
    );
    expect(report.findings.map(formatFinding)).toEqual([]);
    // The parser saw every declaration the text has, and every role assignment's role id was evaluated.
    const text = fs
      .readdirSync(path.join(root, 'infra'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.bicep'))
      .map((f) => fs.readFileSync(path.join(root, 'infra', f), 'utf8'));
    expect(report.resources).toBe(text.join('\n').match(/^\s*resource\s+\w+\s+'/gm)?.length);
    expect(report.roles).toBe(
      files
        .flatMap((f) => f.resources)
        .filter((r) => !r.decl.existing && r.type.startsWith('Microsoft.Authorization/roleAssignments@')).length,
    );
    expect(report.modules).toBe(text.join('\n').match(/^\s*module\s+\w+\s+'/gm)?.length);
    expect(report.properties).toBeGreaterThan(report.resources);
  });

  it('the Function App sets exactly the settings shared/config.ts reads in Azure, both ways (names, and which are required)', () => {
    expect(checkAppSettings(files, SETTING_DOCS, SETTING_NAMES).map(formatFinding)).toEqual([]);
    const written = appSettingsOf(files).written.map((s) => s.name as string);
    const required = Object.entries(SETTING_DOCS)
      .filter(([, d]) => d.azure === 'set')
      .map(([name]) => name);
    const forbidden = Object.entries(SETTING_DOCS)
      .filter(([, d]) => d.azure === 'alternative')
      .map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    expect(written).toEqual(expect.arrayContaining(required));
    expect(
      written
        .filter((n) => !HOST_SETTINGS.includes(n))
        .every((n) => SETTING_NAMES.includes(n) && !forbidden.includes(n)),
    ).toBe(true);
  });
});
