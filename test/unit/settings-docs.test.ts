import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { SETTING_DOCS, SETTING_NAMES } from '../../shared/config.js';
import { SETTINGS_DOC, settingsDocument } from '../../dev/docs/settings-doc.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('settings documentation', () => {
  it('documents every setting the configuration module reads, and no other', () => {
    expect(Object.keys(SETTING_DOCS).sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('lists every setting in local.settings.sample.json', () => {
    const sample = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    for (const name of SETTING_NAMES)
      if (!name.includes('__')) expect(Object.keys(sample.Values), name).toContain(name);
  });

  it('docs/settings.md is what `npm run docs` writes from shared/config.ts (run it after changing a setting)', () => {
    expect(fs.readFileSync(path.join(root, SETTINGS_DOC), 'utf8')).toBe(settingsDocument());
  });

  it('names every setting in docs/settings.md, and the README links it', () => {
    const doc = fs.readFileSync(path.join(root, SETTINGS_DOC), 'utf8');
    for (const name of SETTING_NAMES) expect(doc, name).toContain(`| \`${name}\` |`);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('](docs/settings.md)');
  });
});
