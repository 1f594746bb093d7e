import { describe, it, expect } from 'vitest';
import {
  buildMatrix,
  dottedSegments,
  errorSegments,
  jsonLines,
  kindOfBody,
  placeErrors,
  pointerSegments,
  segmentsText,
  type LatestView,
  type VersionView,
} from '../../shared/console/model.js';
import { assetName, contentTypeOf, loadAssets } from '../../shared/console/assets.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('console: where an error belongs', () => {
  it('reads RFC 6901 pointers, with ~1 and ~0 escapes and array indexes', () => {
    expect(pointerSegments('/body/group/compute/vmSizes/spotSizes/1')).toEqual([
      'body',
      'group',
      'compute',
      'vmSizes',
      'spotSizes',
      1,
    ]);
    expect(pointerSegments('/body/tags/a~1b~0c')).toEqual(['body', 'tags', 'a/b~c']);
    expect(pointerSegments('')).toEqual([]);
  });

  it('reads dotted paths with indexes and quoted keys', () => {
    expect(dottedSegments('body.group.compute.vmSizes.spotSizes[1]')).toEqual([
      'body',
      'group',
      'compute',
      'vmSizes',
      'spotSizes',
      1,
    ]);
    expect(dottedSegments('body.tags["x.y"].z')).toEqual(['body', 'tags', 'x.y', 'z']);
    expect(dottedSegments('caller.account')).toEqual(['caller', 'account']);
  });

  it('prefers errors[].pointer (job errors have only it) and falls back to field (problem details)', () => {
    expect(errorSegments({ pointer: '/body/group/name', field: 'ignored', message: 'm' })).toEqual([
      'body',
      'group',
      'name',
    ]);
    expect(errorSegments({ field: 'body.group.name', message: 'm' })).toEqual(['body', 'group', 'name']);
    expect(errorSegments({ message: 'm' })).toEqual([]);
    expect(segmentsText(['body', 'group', 'zones', 2])).toBe('body.group.zones[2]');
  });

  it('prints JSON one member a line, each line knowing its path, exactly as JSON.stringify(v, null, 2)', () => {
    const value = { group: { name: 'web', zones: ['1', '2'], capacity: { target: 500 }, tags: {}, list: [] }, n: null };
    const lines = jsonLines(value);
    expect(lines.map((l) => '  '.repeat(l.depth) + l.text).join('\n')).toBe(JSON.stringify(value, null, 2));
    expect(lines.find((l) => l.text.startsWith('"target"'))?.path).toEqual(['group', 'capacity', 'target']);
    expect(lines.find((l) => l.text === '"2"')?.path).toEqual(['group', 'zones', 1]);
  });

  it('puts an error on its field, and a missing field on its nearest enclosing one', () => {
    const lines = jsonLines({ group: { capacity: { target: 500 } } });
    const unplaced = placeErrors(lines, [
      { segments: ['group', 'capacity', 'target'], message: 'too big' },
      { segments: ['group', 'compute', 'os'], message: 'is required' },
    ]);
    expect(unplaced).toEqual([]);
    expect(lines.find((l) => l.text.startsWith('"target"'))?.errors).toEqual(['too big']);
    expect(lines.find((l) => l.text.startsWith('"group"'))?.errors).toEqual(['compute.os: is required']);
  });

  it('names the job kind from the body root', () => {
    expect(kindOfBody({ group: {} })).toBe('statelessGroup');
    expect(kindOfBody({ statefulNode: {} })).toBe('statefulNode');
    expect(kindOfBody({ group: {}, statefulNode: {} })).toBeUndefined();
    expect(kindOfBody([])).toBeUndefined();
    expect(kindOfBody('x')).toBeUndefined();
  });
});

describe('console: versions × regions', () => {
  const tr = (region: string, displayName: string, replicationState: string, replicaCount = 1) => ({
    region,
    displayName,
    replicaCount,
    storageAccountType: 'Standard_LRS',
    replicationState,
  });
  const versions: VersionView[] = [
    {
      id: '/v/2.0.0',
      name: '2.0.0',
      provisioningState: 'Succeeded',
      replicationMode: 'Full',
      targetRegions: [tr('westeurope', 'West Europe', 'Completed', 3), tr('eastus', 'East US', 'Replicating')],
    },
    {
      id: '/v/1.0.0',
      name: '1.0.0',
      provisioningState: 'Succeeded',
      replicationMode: 'Shallow',
      endOfLifeDate: '2020-01-01',
      targetRegions: [tr('westeurope', 'West Europe', 'Completed')],
    },
  ];
  const eol = { code: 'end-of-life', message: 'past' };
  const shallow = { code: 'shallow-replication', message: 'shallow' };
  const withD = (region: string): VersionView[] =>
    versions.map((v) => {
      const t = v.targetRegions.find((x) => x.region === region);
      const reasons = !t
        ? [{ code: 'not-targeted', message: 'no' }]
        : t.replicationState !== 'Completed'
          ? [{ code: 'replication-in-progress', message: 'busy' }]
          : v.name === '2.0.0'
            ? [{ code: 'excluded-global', message: 'excluded' }]
            : [];
      return {
        ...v,
        deployability: {
          deployable: reasons.every((r) => r.code.startsWith('excluded')),
          reasons,
          warnings: v.name === '1.0.0' ? [eol, shallow] : [],
        },
      };
    });
  const latest = (region: string, version?: string): LatestView => ({
    region,
    image: '/i',
    ...(version ? { version, id: `/v/${version}` } : {}),
    warnings: [],
    passedOver: [],
  });
  const m = buildMatrix(versions, {
    westeurope: { versions: withD('westeurope'), latest: latest('westeurope', '1.0.0') },
    eastus: { versions: withD('eastus'), latest: latest('eastus') },
  });

  it('has one column per targeted region, sorted, with display names, and latest per region', () => {
    expect(m.regions).toEqual(['eastus', 'westeurope']);
    expect(m.regionNames).toEqual({ eastus: 'East US', westeurope: 'West Europe' });
    expect(m.latest).toEqual({ eastus: undefined, westeurope: '1.0.0' });
  });

  it('gives each cell its state in words and colour, replicas, latest marker, exclusion and reasons', () => {
    const [v2, v1] = m.rows;
    expect(v2?.cells.map((c) => [c.region, c.state, c.tone, c.replicaCount, c.latest, c.excluded])).toEqual([
      ['eastus', 'Replicating', 'progress', 1, false, undefined],
      ['westeurope', 'Completed', 'ok', 3, false, 'global'],
    ]);
    expect(v2?.cells[0]?.reasons.map((r) => r.code)).toEqual(['replication-in-progress']);
    expect(v1?.cells.map((c) => [c.state, c.tone, c.latest, c.reasons.length])).toEqual([
      ['Not replicated here', 'absent', false, 0],
      ['Completed', 'ok', true, 0],
    ]);
    expect(v1?.warnings.map((w) => w.code)).toEqual(['end-of-life', 'shallow-replication']);
    expect(v1?.endOfLifeDate).toBe('2020-01-01');
  });
});

describe('console: files', () => {
  it('serves plain relative names only', () => {
    expect(assetName('')).toBe('index.html');
    expect(assetName(undefined)).toBe('index.html');
    expect(assetName('web/main.js')).toBe('web/main.js');
    for (const bad of ['../package.json', 'web/../../x', 'a//b', './x', 'a\\b', 'a\0b', 'x'.repeat(201)])
      expect(assetName(bad), bad).toBeUndefined();
  });

  it('knows the content types of what it serves and keeps everything else (source maps) private', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('web/main.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('web/main.js.map')).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-console-'));
    fs.mkdirSync(path.join(dir, 'web'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(dir, 'web/main.js'), 'export {}');
    fs.writeFileSync(path.join(dir, 'web/main.js.map'), '{}');
    const assets = loadAssets(dir);
    expect([...assets.keys()].sort()).toEqual(['index.html', 'web/main.js']);
    expect(assets.get('index.html')?.cacheControl).toBe('no-cache');
    expect(loadAssets(path.join(dir, 'missing')).size).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
