import { describe, expect, it } from 'vitest';
import { parseJobEnvelope } from '../../shared/domain/job-envelope.js';
import { fixtureEnvelope } from './spot-fixtures.js';

const base = () => fixtureEnvelope('elastigroup-gallery-latest.json');

describe('job envelope: auto-roll fields beside the Spot body', () => {
  it('takes an auto-roll policy (any of enabled, soakMinutes, paused) and a roll marker', () => {
    const r = parseJobEnvelope({ ...base(), autoRoll: { soakMinutes: 30, paused: false }, roll: { toVersion: '1.11.0', cause: 'newVersionReady' } });
    expect(r.ok && r.envelope.autoRoll).toEqual({ soakMinutes: 30, paused: false });
    expect(r.ok && r.envelope.roll).toEqual({ toVersion: '1.11.0', cause: 'newVersionReady' });
    expect(parseJobEnvelope({ ...base(), autoRoll: {} }).ok).toBe(true);
  });

  it('names every bad auto-roll field at its path', () => {
    const r = parseJobEnvelope({ ...base(), autoRoll: { enabled: 'yes', soakMinutes: 1.5, paused: false, extra: 1 }, roll: { toVersion: 'latest' } });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['autoRoll.enabled', 'autoRoll.soakMinutes', 'autoRoll.extra', 'roll.toVersion']));
    const tooLong = parseJobEnvelope({ ...base(), autoRoll: { soakMinutes: 10_081 } });
    expect(tooLong.ok ? [] : tooLong.errors.map((e) => e.path)).toEqual(['autoRoll.soakMinutes']);
  });
});
