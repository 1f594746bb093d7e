import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { SETTING_DOCS, SETTING_NAMES } from '../../shared/config.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('settings documentation', () => {
  it('documents every setting the configuration module reads, and no other', () => {
    expect(Object.keys(SETTING_DOCS).sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('lists every setting in local.settings.sample.json', () => {
    const sample = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    for (const name of SETTING_NAMES) if (!name.includes('__')) expect(Object.keys(sample.Values), name).toContain(name);
  });

  it('names every setting in the README', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const name of SETTING_NAMES) expect(readme, name).toContain(`\`${name}\``);
  });
});
