import { describe, it, expect } from 'vitest';
import { compileRoute, matchRoute, compareRoutes } from '../../dev/runtime/routes.js';
import { parseSchedule, nextOccurrence } from '../../dev/runtime/ncrontab.js';
import { expandMainGlob } from '../../dev/runtime/load-app.js';
import { durationMs } from '../../dev/runtime/runtime.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('route templates', () => {
  it('matches literals case-insensitively and decodes parameters', () => {
    const r = compileRoute('subscriptions/{sub}/resourceGroups/{rg}/galleries');
    expect(matchRoute(r, '/subscriptions/abc/RESOURCEGROUPS/rg%20x/galleries')).toEqual({ sub: 'abc', rg: 'rg x' });
    expect(matchRoute(r, '/subscriptions/abc/resourceGroups/rg')).toBeUndefined();
    expect(matchRoute(r, '/subscriptions/abc/resourceGroups/rg/galleries/extra')).toBeUndefined();
  });
  it('supports optional, constrained and catch-all parameters', () => {
    expect(matchRoute(compileRoute('a/{b?}'), '/a')).toEqual({});
    expect(matchRoute(compileRoute('a/{n:int}'), '/a/x')).toBeUndefined();
    expect(matchRoute(compileRoute('a/{n:int}'), '/a/12')).toEqual({ n: '12' });
    expect(matchRoute(compileRoute('files/{*path}'), '/files/x/y/z')).toEqual({ path: 'x/y/z' });
  });
  it('orders literals before parameters', () => {
    const routes = [compileRoute('v/{version}'), compileRoute('v/latest')].sort(compareRoutes);
    expect(routes[0]!.template).toBe('v/latest');
  });
  it('rejects malformed templates', () => {
    expect(() => compileRoute('a/{b')).toThrow(/Unsupported/);
  });
});

describe('NCRONTAB schedules', () => {
  const at = (iso: string) => new Date(iso);
  it('finds the next occurrence of six-field expressions', () => {
    expect(nextOccurrence(parseSchedule('0 */5 * * * *'), at('2026-01-01T10:02:30Z')).toISOString()).toBe(
      '2026-01-01T10:05:00.000Z',
    );
    expect(nextOccurrence(parseSchedule('0 0 */6 * * *'), at('2026-01-01T10:02:30Z')).toISOString()).toBe(
      '2026-01-01T12:00:00.000Z',
    );
    expect(nextOccurrence(parseSchedule('30 15 9 * * mon-fri'), at('2026-01-03T00:00:00Z')).toISOString()).toBe(
      '2026-01-05T09:15:30.000Z',
    );
    expect(nextOccurrence(parseSchedule('0 0 0 29 2 *'), at('2026-03-01T00:00:00Z')).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
    expect(nextOccurrence(parseSchedule('1,2 * * * * *'), at('2026-01-01T00:00:01Z')).toISOString()).toBe(
      '2026-01-01T00:00:02.000Z',
    );
  });
  it('reads TimeSpan intervals', () => {
    expect(nextOccurrence(parseSchedule('00:10:00'), at('2026-01-01T00:00:00Z')).toISOString()).toBe(
      '2026-01-01T00:10:00.000Z',
    );
  });
  it('rejects malformed expressions with the reason', () => {
    expect(() => parseSchedule('* * * * *')).toThrow(/six fields/);
    expect(() => parseSchedule('61 * * * * *')).toThrow(/out of range/);
    expect(() => parseSchedule('*/0 * * * * *')).toThrow(/bad step/);
  });
  it('reads host.json TimeSpans', () => {
    expect(durationMs('00:10:00')).toBe(600_000);
    expect(durationMs('00:00:00.80')).toBe(800);
    expect(durationMs('nope')).toBeUndefined();
  });
});

describe('package.json main glob', () => {
  it('expands braces and wildcards like the host', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glob-'));
    fs.mkdirSync(path.join(dir, 'dist/functions'), { recursive: true });
    for (const f of ['dist/index.js', 'dist/functions/a.js', 'dist/functions/b.js', 'dist/functions/b.js.map'])
      fs.writeFileSync(path.join(dir, f), '');
    expect(expandMainGlob('dist/{index.js,functions/*.js}', dir).map((f) => path.relative(dir, f))).toEqual([
      'dist/index.js',
      'dist/functions/a.js',
      'dist/functions/b.js',
    ]);
  });
});
