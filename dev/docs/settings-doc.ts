/**
 * docs/settings.md, written from the one description of the settings (shared/config.ts: the
 * schema that validates them, their defaults, and SETTING_DOCS). `npm run docs` rewrites the file;
 * a test fails when the file and this output differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTING_DOCS, SETTING_NAMES, settingDefault } from '../../shared/config.js';
import { projectRoot } from '../runtime/load-app.js';

export const SETTINGS_DOC = 'docs/settings.md';

const AZURE: Record<'set' | 'alternative' | 'optional', string> = {
  set: 'set by the Bicep',
  alternative: 'local form (Azure uses the identity-based one)',
  optional: 'default unless set',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function settingsDocument(): string {
  const rows = SETTING_NAMES.map((name) => {
    const doc = SETTING_DOCS[name];
    const def = settingDefault(name);
    return `| \`${name}\` | ${cell(doc?.description ?? '')} | ${def === undefined ? '—' : `\`${cell(def)}\``} | ${doc ? AZURE[doc.azure] : ''} |`;
  });
  return [
    '# Settings',
    '',
    'Every setting the app reads, validated once at start-up by `shared/config.ts`: a missing or malformed',
    'setting stops the app with its name. Connections follow the Functions host convention for',
    'identity-based connections (`<Connection>__tableServiceUri`, `<Connection>__fullyQualifiedNamespace`,',
    '`<Connection>__credential`, `<Connection>__clientId`). Timer schedules are also binding expressions',
    '(`%RECHECK_SCHEDULE%`): the Function App must have them as app settings, and the Bicep sets them.',
    'Offline, `npm start` reads `local.settings.json` when there is one (copy `local.settings.sample.json`),',
    'else embedded defaults; variables already in the environment win.',
    '',
    'This page is written by `npm run docs` from `shared/config.ts`; edit the descriptions there.',
    '',
    '| setting | meaning | default | in Azure |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = path.join(projectRoot(), SETTINGS_DOC);
  fs.writeFileSync(file, settingsDocument());
  console.log(`${SETTINGS_DOC}: ${SETTING_NAMES.length} settings`);
}
