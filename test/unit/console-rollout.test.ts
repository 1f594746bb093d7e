import { describe, it, expect } from 'vitest';
import {
  countsText,
  durationText,
  groupDetail,
  jobHash,
  jobStatusText,
  jobStatusTone,
  lastRollText,
  parseJobHash,
  policyText,
  rollOfJob,
  rollText,
  runsText,
  soakText,
  sortedGroups,
  stateText,
  timeText,
  versionName,
  STATE_TONE,
} from '../../shared/console/rollout.js';
import type { RolloutGroup } from '../../shared/autoroll/views.js';

// The console's texts of the rollout view and of a group's roll history, from answers in the API's
// own types (shared/autoroll/views.ts; that the console's view types accept them is checked by the
// typecheck step: test/types/console-views.typecheck.ts).
const NOW = new Date('2026-12-01T22:00:00Z');
const V =
  '/subscriptions/5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f/resourceGroups/rg-team/providers/Microsoft.Compute/galleries/teamGallery/images/web/versions';
const group = (name: string, over: Partial<RolloutGroup> = {}): RolloutGroup => ({
  account: 'act-5c6d7e8f',
  kind: 'statelessGroup',
  name,
  version: '1.0.0',
  state: 'rolled',
  ...over,
});

describe('console rollout texts', () => {
  it('says each state in words, held with why, and gives each state its own colour', () => {
    expect(stateText(group('a'))).toBe('Rolled');
    expect(stateText(group('a', { state: 'failed' }))).toBe('Roll failed');
    expect(stateText(group('a', { state: 'held', heldBy: ['paused', 'definitionPaused'] }))).toBe(
      'Held: paused, definition paused',
    );
    expect(stateText(group('a', { state: 'held', heldBy: ['disabled'] }))).toBe('Held: auto-roll off');
    expect(stateText(group('a', { state: 'held' }))).toBe('Held');
    expect(new Set(Object.values(STATE_TONE)).size).toBe(5);
  });

  it('details a group: soak time left, failure codes, why held, what it rolls to', () => {
    const soaking = group('s', {
      state: 'soaking',
      notBefore: '2026-12-01T22:44:30Z',
      rollJobId: 'roll:0123456789abcdef:1.1.0',
    });
    expect(groupDetail(soaking, '1.1.0', NOW)).toEqual(['45 min of soak left (rolls at 2026-12-01 22:44 UTC)']);
    expect(groupDetail({ ...soaking, notBefore: '2026-12-01T21:59:00Z' }, '1.1.0', NOW)).toEqual([
      'soak over at 2026-12-01 21:59 UTC: the roll starts',
    ]);
    expect(groupDetail(group('s', { state: 'soaking' }), '1.1.0', NOW)).toEqual(['waits for its soak time']);
    expect(
      groupDetail(
        group('f', {
          state: 'failed',
          errors: [
            {
              pointer: '/body/group/compute/launchSpecification/osDisk/sizeGB',
              code: 'os-disk-too-small',
              message: 'The OS disk is 20 GB.',
            },
            { pointer: '', code: '', message: 'other' },
          ],
        }),
        '1.1.0',
        NOW,
      ),
    ).toEqual(['os-disk-too-small: The OS disk is 20 GB.', 'other']);
    expect(groupDetail(group('f', { state: 'failed', errors: [] }), '1.1.0', NOW)).toEqual(['the roll job failed']);
    expect(groupDetail(group('h', { state: 'held', heldBy: ['paused', 'definitionPaused'] }), '1.1.0', NOW)).toEqual([
      "not rolled: the group is paused; the image definition's auto-roll is paused",
    ]);
    expect(groupDetail(group('h', { state: 'held' }), '1.1.0', NOW)).toEqual([
      'not rolled: auto-roll is off or paused',
    ]);
    expect(
      groupDetail(group('p', { state: 'pending', rollJobId: 'roll:0123456789abcdef:1.1.0' }), '1.1.0', NOW),
    ).toEqual(['rolling to 1.1.0']);
    expect(groupDetail(group('p', { state: 'pending' }), '1.1.0', NOW)).toEqual(['to roll to 1.1.0']);
    expect(groupDetail(group('r'), '1.1.0', NOW)).toEqual(['on latest 1.1.0']);
    expect(groupDetail(group('r'), undefined, NOW)).toEqual(['no latest version in this region']);
  });

  it('counts and orders a region: what needs attention first', () => {
    expect(countsText({ rolled: 3, soaking: 0, pending: 1, failed: 2, held: 0 })).toBe('2 failed, 1 pending, 3 rolled');
    expect(countsText({ rolled: 0, soaking: 0, pending: 0, failed: 0, held: 0 })).toBe('no group on latest');
    const groups = [
      group('b'),
      group('a', { state: 'soaking' }),
      group('c', { state: 'failed' }),
      group('a'),
      group('d', { state: 'held' }),
      group('e', { state: 'pending' }),
    ];
    expect(sortedGroups(groups).map((g) => `${g.state} ${g.name}`)).toEqual([
      'failed c',
      'held d',
      'soaking a',
      'pending e',
      'rolled a',
      'rolled b',
    ]);
  });

  it('writes durations, times, policies and last rolls', () => {
    expect([0, 45_000, 60_000, 61_000, 3_600_000, 7_500_000, 86_400_000, 97_200_000].map(durationText)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '2 min',
      '1 h',
      '2 h 5 min',
      '1 d',
      '1 d 3 h',
    ]);
    expect(timeText('2026-12-01T22:44:30.123Z')).toBe('2026-12-01 22:44 UTC');
    expect(timeText('soon')).toBe('soon');
    expect(soakText('soon', NOW)).toBe('rolls after soon');
    expect(policyText(undefined)).toBe(
      'Auto-roll on: rolls as soon as a version becomes latest in its region (no soak).',
    );
    expect(policyText({ enabled: true, soakMinutes: 90, paused: false })).toBe(
      'Auto-roll on: soaks 1 h 30 min after a version becomes latest in its region.',
    );
    expect(policyText({ enabled: true, soakMinutes: 0, paused: true })).toBe(
      'Auto-roll on but paused: it does not roll until resumed; then it rolls as soon as a version becomes latest in its region (no soak).',
    );
    expect(policyText({ enabled: false, soakMinutes: 0, paused: false })).toBe(
      'Auto-roll off: the group keeps its version until someone updates it.',
    );
    expect(lastRollText(undefined)).toBe('No roll yet.');
    expect(
      lastRollText({
        fromVersionId: `${V}/1.0.0`,
        toVersionId: `${V}/1.1.0`,
        at: '2026-12-01T22:27:10Z',
        jobId: 'roll:x:1.1.0',
      }),
    ).toBe('1.0.0 → 1.1.0 at 2026-12-01 22:27 UTC');
    expect(lastRollText({ toVersionId: `${V}/1.1.0`, at: '2026-12-01T22:27:10Z', jobId: 'roll:x:1.1.0' })).toBe(
      'an unknown version → 1.1.0 at 2026-12-01 22:27 UTC',
    );
    expect(versionName(`${V}/1.1.0`)).toBe('1.1.0');
    expect(versionName(undefined)).toBeUndefined();
  });

  it('names job statuses in words and tones', () => {
    expect(
      ['queued', 'running', 'succeeded', 'failed', 'deadLettered', 'odd'].map(
        (s) => `${jobStatusText(s)}/${jobStatusTone(s)}`,
      ),
    ).toEqual([
      'Queued/unknown',
      'Running/progress',
      'Succeeded/ok',
      'Failed/failed',
      'Dead-lettered/failed',
      'odd/unknown',
    ]);
  });

  it('links a job on the job page and reads the link back', () => {
    const id = 'roll:0123456789abcdef:1.1.0';
    expect(jobHash(id)).toBe('#/jobs/roll%3A0123456789abcdef%3A1.1.0');
    expect(parseJobHash(jobHash(id))).toBe(id);
    expect(parseJobHash('#/jobs')).toBeUndefined();
    expect(parseJobHash('#/jobs/%E0%A4%A')).toBeUndefined();
    expect(parseJobHash('#/catalog/x')).toBeUndefined();
  });

  it('says what a group runs and the roll under way: "1.10.0, rolling to 1.13.0 in 12 min" while it soaks', () => {
    const soaking = group('s', {
      version: '1.10.0',
      state: 'soaking',
      notBefore: '2026-12-01T22:11:10Z',
      rollJobId: 'roll:0123456789abcdef:1.13.0',
    });
    expect(runsText(soaking, '1.13.0', NOW)).toBe('1.10.0, rolling to 1.13.0 in 12 min');
    expect(runsText(soaking, '1.13.0', new Date('2026-12-01T22:11:10Z'))).toBe('1.10.0, rolling to 1.13.0 now');
    expect(
      runsText(
        group('p', { version: '1.10.0', state: 'pending', rollJobId: 'roll:0123456789abcdef:1.13.0' }),
        '1.13.0',
        NOW,
      ),
    ).toBe('1.10.0, rolling to 1.13.0');
    // Not rolling: only the version it runs.
    expect(runsText(group('p', { version: '1.10.0', state: 'pending' }), '1.13.0', NOW)).toBe('1.10.0');
    expect(
      runsText(
        group('f', { version: '1.10.0', state: 'failed', rollJobId: 'roll:0123456789abcdef:1.13.0' }),
        '1.13.0',
        NOW,
      ),
    ).toBe('1.10.0');
    expect(runsText(group('h', { version: '1.10.0', state: 'held' }), '1.13.0', NOW)).toBe('1.10.0');
    expect(runsText(group('r', { version: '1.13.0' }), '1.13.0', NOW)).toBe('1.13.0');
    expect(runsText(group('u', { version: undefined, state: 'pending' }), '1.13.0', NOW)).toBeUndefined();
  });

  it('says which roll a roll job is: the group, from and to which version, the soak, a later roll to the same version', () => {
    expect(rollOfJob('roll:0123456789abcdef:1.13.0')).toEqual({ toVersion: '1.13.0', ordinal: 0 });
    expect(rollOfJob('roll:0123456789abcdef:1.13.0:2')).toEqual({ toVersion: '1.13.0', ordinal: 2 });
    expect(rollOfJob('job-1')).toBeUndefined();
    expect(rollOfJob('roll:xyz:1.13.0')).toBeUndefined();
    const job = {
      jobId: 'roll:0123456789abcdef:1.13.0',
      account: 'act-5c6d7e8f',
      group: { kind: 'statelessGroup', name: 'web-a' },
    };
    const roll = rollOfJob(job.jobId)!;
    // Soaking: it rolls from the version the group runs now.
    expect(
      rollText(
        roll,
        { ...job, status: 'queued', notBefore: '2026-12-01T22:11:10Z' },
        { imageVersionId: `${V}/1.10.0` },
        NOW,
      ),
    ).toBe(
      'Auto-roll of stateless group web-a (act-5c6d7e8f) from 1.10.0 to 1.13.0, soaking until 2026-12-01 22:11 UTC',
    );
    expect(
      rollText(
        roll,
        { ...job, status: 'queued', notBefore: '2026-12-01T21:59:00Z' },
        { imageVersionId: `${V}/1.10.0` },
        NOW,
      ),
    ).toBe(
      'Auto-roll of stateless group web-a (act-5c6d7e8f) from 1.10.0 to 1.13.0, soak over at 2026-12-01 21:59 UTC: the roll starts',
    );
    // Done: from the group's last roll, when it was this one.
    const done = { ...job, status: 'succeeded' };
    expect(
      rollText(
        roll,
        done,
        {
          imageVersionId: `${V}/1.13.0`,
          lastRoll: {
            fromVersionId: `${V}/1.10.0`,
            toVersionId: `${V}/1.13.0`,
            at: '2026-12-01T22:12:00Z',
            jobId: job.jobId,
          },
        },
        NOW,
      ),
    ).toBe('Auto-roll of stateless group web-a (act-5c6d7e8f) from 1.10.0 to 1.13.0');
    // Failed, or an earlier roll: the version it came from is not known any more.
    expect(rollText(roll, { ...job, status: 'failed' }, { imageVersionId: `${V}/1.10.0` }, NOW)).toBe(
      'Auto-roll of stateless group web-a (act-5c6d7e8f) to 1.13.0',
    );
    expect(
      rollText(rollOfJob(`${job.jobId}:1`)!, { ...job, jobId: `${job.jobId}:1`, status: 'running' }, undefined, NOW),
    ).toBe(
      'Auto-roll of stateless group web-a (act-5c6d7e8f) to 1.13.0 (its roll 2 to 1.13.0: latest came back to it)',
    );
  });
});
