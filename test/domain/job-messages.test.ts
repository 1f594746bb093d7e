import { describe, it, expect } from 'vitest';
import {
  generationOfMessageId,
  JOB_ID_PATTERN,
  jobIdOfMessageId,
  jobMessageId,
  keptEnvelopeOf,
  parseJobEnvelope,
  parseKeptHeader,
  type JobEnvelope,
} from '../../shared/domain/job-envelope.js';
import { secretPointersOf } from '../../shared/domain/spot-body.js';
import { fixture } from '../support/catalog-fixtures.js';

const envelopeOf = (name: string, overrides: Record<string, unknown> = {}): JobEnvelope => {
  const body = fixture<Record<string, unknown>>(`spot/${name}.json`);
  const parsed = parseJobEnvelope({
    schemaVersion: 1,
    jobId: 'job-1',
    action: 'create',
    kind: 'statefulNode' in body ? 'statefulNode' : 'statelessGroup',
    caller: { account: 'act-5c6d7e8f' },
    body,
    ...overrides,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.envelope;
};

describe('job ids', () => {
  it('refuse . and .. (a URL path normalises them away) but take other ids of dots', () => {
    expect(JOB_ID_PATTERN.test('.')).toBe(false);
    expect(JOB_ID_PATTERN.test('..')).toBe(false);
    for (const id of ['...', '.a', 'a.', 'a..b', 'roll:abc:1.2.3']) expect(JOB_ID_PATTERN.test(id), id).toBe(true);
  });
});

describe('message ids', () => {
  it('are <account>/<jobId>, with #<generation> after a reopen, and give the job id and generation back', () => {
    expect(jobMessageId('ACT-5C6D7E8F', 'Job-1')).toBe('act-5c6d7e8f/Job-1');
    expect(jobMessageId('act-5c6d7e8f', 'Job-1', 2)).toBe('act-5c6d7e8f/Job-1#2');
    expect(jobIdOfMessageId('act-5c6d7e8f/Job-1#2')).toBe('Job-1');
    expect(generationOfMessageId('act-5c6d7e8f/Job-1#2')).toBe(2);
    expect(generationOfMessageId('act-5c6d7e8f/Job-1')).toBe(0);
    // an older producer's bare id
    expect(jobIdOfMessageId('Job-1')).toBe('Job-1');
    expect(jobIdOfMessageId('not a job id!')).toBeUndefined();
    expect(jobIdOfMessageId(undefined)).toBeUndefined();
  });

  it("differ between two organizations (accounts) with one job id, and stay within Service Bus's 128 characters", () => {
    expect(jobMessageId('act-11111111', 'x')).not.toBe(jobMessageId('act-22222222', 'x'));
    const long = 'j'.repeat(128);
    const sub = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
    for (const g of [0, 1, 99]) {
      const id = jobMessageId(sub, long, g);
      expect(id.length).toBeLessThanOrEqual(128);
      expect(generationOfMessageId(id)).toBe(g);
    }
    expect(jobMessageId(sub, long)).not.toBe(jobMessageId(sub, `${long.slice(1)}k`));
  });
});

describe('the envelope kept to send again', () => {
  it('is the envelope itself when it carries no secret', () => {
    const env = envelopeOf('elastigroup-gallery-pinned');
    expect(keptEnvelopeOf(env)).toEqual({ envelope: env, secretPointers: [] });
  });

  it('drops every secret, keeps the rest, and names where each was', () => {
    const env = envelopeOf('elastigroup-password-login');
    const password = (
      env.body as unknown as { group: { compute: { launchSpecification: { login: { password: string } } } } }
    ).group.compute.launchSpecification.login.password;
    const kept = keptEnvelopeOf(env);
    expect(kept.secretPointers).toContain('/body/group/compute/launchSpecification/login/password');
    expect(JSON.stringify(kept.envelope)).not.toContain(password);
    expect(kept.envelope.jobId).toBe(env.jobId);
    expect((kept.envelope.body as { group: { name: string } }).group.name).toBe(
      (env.body as { group: { name: string } }).group.name,
    );
    // the input is not changed
    expect(JSON.stringify(env)).toContain(password);
    // its header still reads, though the full parser refuses its markers
    expect(parseJobEnvelope(kept.envelope).ok).toBe(false);
    expect(parseKeptHeader(kept.envelope)).toEqual({
      jobId: 'job-1',
      action: 'create',
      kind: 'statelessGroup',
      account: 'act-5c6d7e8f',
      name: (env.body as { group: { name: string } }).group.name,
    });
    expect(parseKeptHeader(JSON.stringify(kept.envelope))?.jobId).toBe('job-1');
    expect(parseKeptHeader({ jobId: 'x' })).toBeUndefined();
  });
});

describe('secretPointersOf', () => {
  it('lists each secret present (extension protectedSettings by index), none for null or absent ones', () => {
    const spec = {
      compute: {
        launchSpecification: {
          login: { password: 'p' },
          extensions: [
            { name: 'a', protectedSettings: { k: 1 } },
            { name: 'b' },
            { name: 'c', protectedSettings: { k: 2 } },
          ],
        },
      },
    };
    expect(secretPointersOf('G', spec)).toEqual([
      '/compute/launchSpecification/login/password',
      '/compute/launchSpecification/extensions/0/protectedSettings',
      '/compute/launchSpecification/extensions/2/protectedSettings',
    ]);
    expect(secretPointersOf('G', { compute: { launchSpecification: { login: { password: null } } } })).toEqual([]);
    expect(secretPointersOf('G', {})).toEqual([]);
  });
});
