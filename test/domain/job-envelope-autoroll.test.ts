import { describe, expect, it } from 'vitest';
import { completeJob, parseJobEnvelope } from '../../shared/domain/job-envelope.js';
import { rollEnvelope } from '../../shared/autoroll/autoroll.js';
import type { GroupRecord } from '../../shared/jobs/store.js';
import { fixtureEnvelope, spotBody } from './spot-fixtures.js';

type Json = Record<string, unknown>;

const base = () => fixtureEnvelope('elastigroup-gallery-latest.json');

describe('job envelope: auto-roll fields beside the Spot body', () => {
  it('takes an auto-roll policy (any of enabled, soakMinutes, paused) and a roll marker', () => {
    const r = parseJobEnvelope({
      ...base(),
      autoRoll: { soakMinutes: 30, paused: false },
      roll: { toVersion: '1.11.0', cause: 'newVersionReady' },
    });
    expect(r.ok && r.envelope.autoRoll).toEqual({ soakMinutes: 30, paused: false });
    expect(r.ok && r.envelope.roll).toEqual({ toVersion: '1.11.0', cause: 'newVersionReady' });
    expect(parseJobEnvelope({ ...base(), autoRoll: {} }).ok).toBe(true);
  });

  it('names every bad auto-roll field at its path', () => {
    const r = parseJobEnvelope({
      ...base(),
      autoRoll: { enabled: 'yes', soakMinutes: 1.5, paused: false, extra: 1 },
      roll: { toVersion: 'latest' },
    });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['autoRoll.enabled', 'autoRoll.soakMinutes', 'autoRoll.extra', 'roll.toVersion']),
    );
    const tooLong = parseJobEnvelope({ ...base(), autoRoll: { soakMinutes: 10_081 } });
    expect(tooLong.ok ? [] : tooLong.errors.map((e) => e.path)).toEqual(['autoRoll.soakMinutes']);
  });
});

describe('roll jobs: partial updates that set only the image version', () => {
  const cases = [
    ['statelessGroup', 'elastigroup-gallery-latest.json', 'group', 'version'],
    ['statefulNode', 'stateful-node-gallery.json', 'statefulNode', 'versionName'],
  ] as const;
  it.each(cases)(
    '%s: the body is the name and image.gallery.%s = latest, and merged onto the stored group it changes nothing else',
    (kind, fixture, root, field) => {
      const stored: Json = { ...(spotBody(fixture)[root] as Json), name: 'g1' };
      const gallery = ((stored.compute as Json).launchSpecification as Json).image as Json;
      (gallery.gallery as Json)[field] = 'latest';
      const group = { kind, name: 'g1', account: 'act-5c6d7e8f', spec: stored } as unknown as GroupRecord;
      const roll = rollEnvelope(group, 'roll:0123456789abcdef:1.11.0', '1.11.0', 'newVersionReady');
      expect(roll.body).toEqual({
        [root]: { name: 'g1', compute: { launchSpecification: { image: { gallery: { [field]: 'latest' } } } } },
      });
      const parsed = parseJobEnvelope(JSON.parse(JSON.stringify(roll)));
      expect(parsed.ok && parsed.envelope.roll).toEqual({ toVersion: '1.11.0', cause: 'newVersionReady' });
      const merged = parsed.ok ? completeJob(parsed.envelope, stored) : undefined;
      expect(merged?.ok && (merged.job.body as Record<string, unknown>)[root]).toEqual(stored);
    },
  );
});
