import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatPath,
  groupIdentity,
  groupSpecOf,
  imageReferenceOf,
  isGalleryVersionText,
  completeJob,
  pointerOf,
  type CompleteJob,
  MAX_JOB_ENVELOPE_BYTES,
  MAX_REPORTED_ERRORS,
  parseJobEnvelope,
  type EnvelopeError,
  type JobEnvelope,
  type ParseJobEnvelopeResult,
} from '../../shared/domain/job-envelope.js';
import {
  envelopeOf,
  fixtureEnvelope,
  identities,
  SPOT_FIXTURES,
  spotBody,
  valueAt,
  type SpotFixture,
} from './spot-fixtures.js';

const GROUP_IMAGE = 'body.group.compute.launchSpecification.image';
const NODE_IMAGE = 'body.statefulNode.compute.launchSpecification.image';
const SUB = identities().subscriptions.consumer_contoso;

function ok(result: ParseJobEnvelopeResult): JobEnvelope {
  if (!result.ok) throw new Error(`expected a valid envelope, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.envelope;
}
/** A parsed create as a complete job. */
function complete(envelope: JobEnvelope): CompleteJob {
  const result = completeJob(envelope);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.job;
}
function errorsOf(result: ParseJobEnvelopeResult): readonly EnvelopeError[] {
  if (result.ok) throw new Error('expected an invalid envelope');
  return result.errors;
}
const at = (result: ParseJobEnvelopeResult): Array<[string, string]> => errorsOf(result).map((e) => [e.path, e.code]);

/** A mutable raw envelope of a fixture, edited by `edit`. */
function edited(
  name: SpotFixture,
  edit: (env: Record<string, unknown> & { body: Record<string, Record<string, unknown>> }) => void,
): Record<string, unknown> {
  const env = fixtureEnvelope(name) as Record<string, unknown> & { body: Record<string, Record<string, unknown>> };
  edit(env);
  return env;
}
/** Sets (or, with undefined, deletes) the value at a dotted path of plain keys and [n] indexes. */
function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let cur = root;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}
function withChange(name: SpotFixture, path: string, value: unknown): Record<string, unknown> {
  const env = fixtureEnvelope(name);
  setAt(env, path, value);
  return env;
}

describe('parseJobEnvelope: Spot fixtures', () => {
  it.each(SPOT_FIXTURES.map((f) => [f.name, f.kind] as const))('%s parses as %s, unchanged', (name, kind) => {
    const raw = fixtureEnvelope(name);
    const envelope = ok(parseJobEnvelope(raw));
    expect(envelope.kind).toBe(kind);
    expect(envelope).toEqual(raw);
    // …also from JSON text, from UTF-8 bytes, and with a subscription GUID as the account.
    expect(ok(parseJobEnvelope(JSON.stringify(raw)))).toEqual(raw);
    expect(ok(parseJobEnvelope(new TextEncoder().encode(JSON.stringify(raw))))).toEqual(raw);
    expect(ok(parseJobEnvelope({ ...raw, caller: { account: SUB } })).caller.account).toBe(SUB);
    expect(ok(parseJobEnvelope({ ...raw, action: 'update' })).action).toBe('update');
  });

  it('a body under the other kind is rejected with a hint', () => {
    const errors = errorsOf(parseJobEnvelope(envelopeOf('statefulNode', spotBody('elastigroup-gallery-latest.json'))));
    expect(errors).toContainEqual({
      pointer: '/body/group',
      path: 'body.group',
      code: 'unknown-field',
      message: 'unknown field "group": the body of this kind is "statefulNode"',
    });
    expect(errors).toContainEqual(expect.objectContaining({ path: 'body.statefulNode', code: 'required' }));
  });
});

describe('parseJobEnvelope: message-level errors', () => {
  it('rejects text that is not JSON', () => {
    for (const text of ['', 'not json', '{"schemaVersion": 1,', "{'a': 1}"]) {
      const result = parseJobEnvelope(text);
      expect(at(result)).toEqual([['', 'not-json']]);
      expect(result.ok || result.jobId).toBeUndefined();
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(at(parseJobEnvelope(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toEqual([['', 'not-json']]);
  });

  it('rejects JSON that is not an object', () => {
    for (const raw of ['[]', '42', 'null', '"text"', [], 42, null, true])
      expect(at(parseJobEnvelope(raw))).toEqual([['', 'invalid-type']]);
    expect(at(parseJobEnvelope(undefined))).toEqual([['', 'invalid-type']]);
    expect(at(parseJobEnvelope(() => 1))).toEqual([['', 'invalid-type']]);
  });

  it('rejects values that cannot be serialized, without throwing', () => {
    const cyclic: Record<string, unknown> = { schemaVersion: 1 };
    cyclic.self = cyclic;
    expect(at(parseJobEnvelope(cyclic))).toEqual([['', 'not-serializable']]);
    expect(at(parseJobEnvelope({ schemaVersion: 1, n: 1n }))).toEqual([['', 'not-serializable']]);
    const throwing = {
      get jobId(): string {
        throw new Error('boom');
      },
    };
    expect(at(parseJobEnvelope(throwing))).toEqual([['', 'not-serializable']]);
  });

  it('reads an object message as its JSON text would be read (what a sender would have sent)', () => {
    const raw = fixtureEnvelope('elastigroup-gallery-latest.json');
    // plain JSON data (as the host decodes a message): the same envelope as from its text
    expect(ok(parseJobEnvelope(raw))).toEqual(ok(parseJobEnvelope(JSON.stringify(raw))));
    // members JSON drops or changes follow the round trip: undefined is absent, a Date is its ISO text, NaN is null
    const withUndefined = edited('elastigroup-gallery-latest.json', (env) => {
      env.body.group!.description = undefined;
    });
    expect(ok(parseJobEnvelope(withUndefined))).toEqual(ok(parseJobEnvelope(raw)));
    const at0 = new Date(0);
    const dated = { ...raw, caller: { account: { toJSON: () => 'act-5c6d7e8f' } } };
    expect(ok(parseJobEnvelope(dated)).caller.account).toBe('act-5c6d7e8f');
    expect(ok(parseJobEnvelope({ ...raw, jobId: at0 })).jobId).toBe('1970-01-01T00:00:00.000Z');
    expect(
      at(
        parseJobEnvelope(
          edited(
            'elastigroup-gallery-latest.json',
            (env) => (env.body.group!.capacity = { minimum: NaN, maximum: 1, target: 1 }),
          ),
        ),
      ),
    ).toEqual([['body.group.capacity.minimum', 'invalid-type']]);
  });

  it('requires schemaVersion 1 and reports nothing else for another version', () => {
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'schemaVersion', undefined)))).toEqual([
      ['schemaVersion', 'required'],
    ]);
    for (const version of [2, 0, '1', 1.5, null]) {
      const raw = { ...withChange('elastigroup-gallery-latest.json', 'schemaVersion', version), junk: true };
      const result = parseJobEnvelope(raw);
      expect(at(result)).toEqual([['schemaVersion', 'unsupported-schema-version']]);
      expect(result.ok ? undefined : result.jobId).toBe('job-0001');
    }
  });

  it(`rejects a message over ${MAX_JOB_ENVELOPE_BYTES} bytes, as text, bytes or object`, () => {
    const big = withChange(
      'elastigroup-gallery-latest.json',
      'body.group.compute.launchSpecification.login.sshPublicKey',
      'k'.repeat(MAX_JOB_ENVELOPE_BYTES),
    );
    const text = JSON.stringify(big);
    for (const raw of [big, text, new TextEncoder().encode(text)]) {
      const result = parseJobEnvelope(raw);
      expect(at(result)).toEqual([['', 'too-large']]);
    }
  });

  it('counts UTF-8 bytes, and accepts a message of exactly the limit', () => {
    const sized = (bytes: number, char: string, charBytes: number): string => {
      const env = fixtureEnvelope('elastigroup-gallery-latest.json');
      const shell = JSON.stringify({ ...env, pad: '' });
      const room = bytes - new TextEncoder().encode(shell).length;
      const text = JSON.stringify({
        ...env,
        pad: char.repeat(Math.floor(room / charBytes)) + 'x'.repeat(room % charBytes),
      });
      expect(new TextEncoder().encode(text).length).toBe(bytes);
      return text;
    };
    for (const [char, width] of [
      ['a', 1],
      ['é', 2],
      ['€', 3],
    ] as const) {
      // At the limit: only the unknown "pad" field is wrong, so the size was accepted.
      expect(at(parseJobEnvelope(sized(MAX_JOB_ENVELOPE_BYTES, char, width)))).toEqual([['pad', 'unknown-field']]);
      expect(at(parseJobEnvelope(sized(MAX_JOB_ENVELOPE_BYTES + 1, char, width)))).toEqual([['', 'too-large']]);
    }
  });
});

describe('parseJobEnvelope: header errors', () => {
  it('requires the caller, with an account of a known form', () => {
    const result = parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'caller', undefined));
    expect(at(result)).toEqual([['caller', 'required']]);
    expect(result.ok ? undefined : result.jobId).toBe('job-0001');
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'caller', {})))).toEqual([
      ['caller.account', 'required'],
    ]);
    for (const account of ['act-1', 'someone@contoso.com', '', SUB.slice(1)]) {
      expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'caller.account', account)))).toEqual([
        ['caller.account', 'invalid-value'],
      ]);
    }
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'caller.account', 42)))).toEqual([
      ['caller.account', 'invalid-type'],
    ]);
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'caller.tenant', 'x')))).toEqual([
      ['caller.tenant', 'unknown-field'],
    ]);
  });

  it('rejects an unknown kind (and cannot check the body then)', () => {
    for (const kind of ['elastigroup', 'StatelessGroup', '', undefined]) {
      const result = parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'kind', kind));
      expect(at(result)).toEqual([['kind', kind === undefined ? 'required' : 'invalid-value']]);
    }
  });

  it('rejects an unknown action and a missing body', () => {
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'action', 'delete')))).toEqual([
      ['action', 'invalid-value'],
    ]);
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'body', undefined)))).toEqual([
      ['body', 'required'],
    ]);
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'body', [])))).toEqual([
      ['body', 'invalid-type'],
    ]);
  });

  it('checks the jobId and returns it with the errors only when it is well-formed', () => {
    for (const jobId of ['a', 'job-0001', 'ns:job_1.2-3', 'x'.repeat(128)]) {
      const result = parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'body.group.name', ''));
      expect(result.ok ? undefined : result.jobId).toBe('job-0001');
      expect(ok(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'jobId', jobId))).jobId).toBe(jobId);
    }
    for (const jobId of ['', 'has space', 'x'.repeat(129), 'slash/no', 7]) {
      const result = parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'jobId', jobId));
      expect(at(result)).toEqual([['jobId', typeof jobId === 'number' ? 'invalid-type' : 'invalid-format']]);
      expect(result.ok ? 'ok' : result.jobId).toBeUndefined();
    }
  });

  it('reports unknown fields at their path, at every depth and inside arrays', () => {
    const cases: Array<[string, SpotFixture]> = [
      ['extra', 'elastigroup-gallery-latest.json'],
      ['body.extra', 'elastigroup-gallery-latest.json'],
      ['body.group.descripton', 'elastigroup-gallery-latest.json'],
      ['body.group.capacity.desired', 'elastigroup-gallery-latest.json'],
      ['body.group.strategy.revertToSpotAt', 'elastigroup-gallery-latest.json'],
      ['body.group.compute.vmSizes.preferedSpotSizes', 'elastigroup-gallery-latest.json'],
      ['body.group.compute.launchSpecification.osDisk.encryption', 'elastigroup-gallery-latest.json'],
      ['body.group.compute.launchSpecification.osDisk.caching', 'elastigroup-gallery-latest.json'],
      ['body.group.compute.launchSpecification.image.gallery.subscriptionId', 'elastigroup-gallery-latest.json'],
      [
        'body.group.compute.launchSpecification.network.networkInterfaces[0].publicIpSKU',
        'elastigroup-gallery-latest.json',
      ],
      ['body.group.compute.launchSpecification.security.confidentialDiskEncryption', 'elastigroup-gallery-latest.json'],
      ['body.group.compute.launchSpecification.vmName', 'elastigroup-gallery-latest.json'],
      ['body.statefulNode.persistence.shouldPersistVm', 'stateful-node-gallery.json'],
      ['body.statefulNode.compute.launchSpecification.osDisk.tier', 'stateful-node-gallery.json'],
      ['body.statefulNode.compute.orchestrationMode', 'stateful-node-gallery.json'],
    ];
    for (const [path, fixture] of cases) {
      const errors = errorsOf(parseJobEnvelope(withChange(fixture, path, 'surprise')));
      expect(errors.map((e) => [e.path, e.code])).toEqual([[path, 'unknown-field']]);
      expect(errors[0]!.message).toContain(path.split(/[.[]/).pop()!.replace(']', ''));
    }
  });

  it('quotes keys that are not identifiers in paths', () => {
    expect(at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', 'body.group.weird key', 1)))).toEqual([
      ['body.group["weird key"]', 'unknown-field'],
    ]);
    expect(formatPath(['a', 0, 'b.c', 'd'])).toBe('a[0]["b.c"].d');
    expect(formatPath([])).toBe('');
  });

  it('reports header and body errors together', () => {
    const raw = withChange('elastigroup-gallery-latest.json', 'action', 'delete');
    setAt(raw, 'body.group.capacity.target', -1);
    expect(at(parseJobEnvelope(raw))).toEqual([
      ['action', 'invalid-value'],
      ['body.group.capacity.target', 'too-small'],
    ]);
  });

  it(`reports at most ${MAX_REPORTED_ERRORS} errors, then says how many more`, () => {
    const raw = fixtureEnvelope('elastigroup-gallery-latest.json');
    for (let i = 0; i < 70; i += 1) setAt(raw, `x${i}`, i);
    const errors = errorsOf(parseJobEnvelope(raw));
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors[MAX_REPORTED_ERRORS]).toEqual({
      pointer: '',
      path: '',
      code: 'too-many-errors',
      message: '20 more errors not shown',
    });
  });
});

describe('parseJobEnvelope: image source', () => {
  const marketplace = {
    publisher: 'Canonical',
    offer: '0001-com-ubuntu-server-jammy',
    sku: '22_04-lts-gen2',
    version: 'latest',
  };
  const custom = { resourceGroupName: 'rg-images', name: 'my-managed-image' };

  it('accepts exactly one of gallery, marketplace, custom', () => {
    const m = ok(
      parseJobEnvelope(
        withChange('elastigroup-gallery-latest.json', 'body.group.compute.launchSpecification.image', { marketplace }),
      ),
    );
    expect(imageReferenceOf(complete(m))).toEqual({
      source: 'marketplace',
      ...marketplace,
      path: 'group.compute.launchSpecification.image.marketplace',
    });
    const c = ok(
      parseJobEnvelope(
        withChange('stateful-node-gallery.json', 'body.statefulNode.compute.launchSpecification.image', { custom }),
      ),
    );
    expect(imageReferenceOf(complete(c))).toEqual({
      source: 'custom',
      ...custom,
      path: 'statefulNode.compute.launchSpecification.image.custom',
    });
  });

  it('rejects both gallery and marketplace, and none', () => {
    const both = withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.marketplace`, marketplace);
    const errors = errorsOf(parseJobEnvelope(both));
    expect(errors).toEqual([
      {
        pointer: pointerOf(GROUP_IMAGE),
        path: GROUP_IMAGE,
        code: 'exactly-one-image-source',
        message: 'must have exactly one of gallery, marketplace, custom (got gallery and marketplace)',
      },
    ]);
    expect(at(parseJobEnvelope(withChange('stateful-node-gallery.json', `${NODE_IMAGE}.custom`, custom)))).toEqual([
      [NODE_IMAGE, 'exactly-one-image-source'],
    ]);
    expect(errorsOf(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', GROUP_IMAGE, {})))[0]).toMatchObject(
      {
        path: GROUP_IMAGE,
        code: 'exactly-one-image-source',
        message: expect.stringContaining('none given'),
      },
    );
  });

  it('reports "both" even when one of the sources is itself invalid', () => {
    const raw = withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.marketplace`, {
      ...marketplace,
      version: 'newest',
    });
    expect(at(parseJobEnvelope(raw))).toEqual([
      [`${GROUP_IMAGE}.marketplace.version`, 'invalid-format'],
      [GROUP_IMAGE, 'exactly-one-image-source'],
    ]);
  });

  it('a stateful node names the version versionName, a group version', () => {
    const node = edited('stateful-node-gallery.json', (env) => {
      const gallery = valueAt(env, `${NODE_IMAGE}.gallery`) as Record<string, unknown>;
      gallery.version = gallery.versionName;
      delete gallery.versionName;
    });
    const errors = errorsOf(parseJobEnvelope(node));
    expect(errors).toEqual([
      {
        pointer: pointerOf(`${NODE_IMAGE}.gallery.versionName`),
        path: `${NODE_IMAGE}.gallery.versionName`,
        code: 'required',
        message: 'is required',
      },
      {
        pointer: pointerOf(`${NODE_IMAGE}.gallery.version`),
        path: `${NODE_IMAGE}.gallery.version`,
        code: 'unknown-field',
        message: 'unknown field "version": a stateful node names the image version "versionName"',
      },
    ]);
    const group = edited('elastigroup-gallery-pinned.json', (env) => {
      const gallery = valueAt(env, `${GROUP_IMAGE}.gallery`) as Record<string, unknown>;
      gallery.versionName = gallery.version;
      delete gallery.version;
    });
    expect(errorsOf(parseJobEnvelope(group))).toContainEqual({
      pointer: pointerOf(`${GROUP_IMAGE}.gallery.versionName`),
      path: `${GROUP_IMAGE}.gallery.versionName`,
      code: 'unknown-field',
      message: 'unknown field "versionName": a group names the image version "version"',
    });
  });

  const BAD_VERSIONS = [
    '',
    '1',
    '1.2',
    'v1.2.3',
    '1.2.3.4',
    '1.2.-3',
    '1.2.3-beta',
    ' 1.2.3',
    '1.2.3 ',
    'newest',
    '2147483648.0.0',
    '1..3',
    '١.٢.٣',
  ];
  const GOOD_VERSIONS = [
    'latest',
    'Latest',
    'LATEST',
    '0.0.0',
    '1.9.0',
    '1.10.0',
    '1.02.0',
    '2147483647.2147483647.2147483647',
  ];

  it.each(BAD_VERSIONS)('rejects the version %j (groups and stateful nodes)', (version) => {
    expect(
      at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.version`, version))),
    ).toEqual([[`${GROUP_IMAGE}.gallery.version`, 'invalid-version']]);
    expect(
      at(parseJobEnvelope(withChange('stateful-node-gallery.json', `${NODE_IMAGE}.gallery.versionName`, version))),
    ).toEqual([[`${NODE_IMAGE}.gallery.versionName`, 'invalid-version']]);
    expect(isGalleryVersionText(version)).toBe(false);
  });

  it.each(GOOD_VERSIONS)('accepts the version %j', (version) => {
    ok(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.version`, version)));
    ok(parseJobEnvelope(withChange('stateful-node-gallery.json', `${NODE_IMAGE}.gallery.versionName`, version)));
  });

  it('rejects a version that is not a string, and malformed gallery names', () => {
    expect(
      at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.version`, 1.9))),
    ).toEqual([[`${GROUP_IMAGE}.gallery.version`, 'invalid-type']]);
    const bad: Array<[string, unknown]> = [
      ['galleryName', 'corp-gallery'],
      ['galleryName', '.corp'],
      ['imageName', '-ubuntu'],
      ['resourceGroupName', 'rg.'],
      ['spotAccountId', SUB],
    ];
    for (const [field, value] of bad) {
      expect(
        at(parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.${field}`, value))),
      ).toEqual([[`${GROUP_IMAGE}.gallery.${field}`, 'invalid-value']]);
    }
  });
});

describe('parseJobEnvelope: body rules', () => {
  const G = 'body.group';
  const L = `${G}.compute.launchSpecification`;
  const cases: Array<[string, SpotFixture, string, unknown, Array<[string, string]>]> = [
    ['missing group name', 'elastigroup-gallery-latest.json', `${G}.name`, undefined, [[`${G}.name`, 'required']]],
    [
      'group name with a slash',
      'elastigroup-gallery-latest.json',
      `${G}.name`,
      'a/b',
      [[`${G}.name`, 'invalid-format']],
    ],
    ['group name too long', 'elastigroup-gallery-latest.json', `${G}.name`, 'n'.repeat(65), [[`${G}.name`, 'too-big']]],
    [
      'group name with a leading space',
      'elastigroup-gallery-latest.json',
      `${G}.name`,
      ' web',
      [[`${G}.name`, 'invalid-format']],
    ],
    ['bad region', 'elastigroup-gallery-latest.json', `${G}.region`, 'west-europe', [[`${G}.region`, 'invalid-value']]],
    [
      'bad resource group',
      'elastigroup-gallery-latest.json',
      `${G}.resourceGroupName`,
      'rg/x',
      [[`${G}.resourceGroupName`, 'invalid-value']],
    ],
    [
      'target above maximum',
      'elastigroup-gallery-latest.json',
      `${G}.capacity.target`,
      81,
      [[`${G}.capacity.target`, 'capacity-order']],
    ],
    [
      'minimum above maximum',
      'elastigroup-gallery-latest.json',
      `${G}.capacity.minimum`,
      90,
      [
        [`${G}.capacity.minimum`, 'capacity-order'],
        [`${G}.capacity.target`, 'capacity-order'],
      ],
    ],
    [
      'fractional capacity',
      'elastigroup-gallery-latest.json',
      `${G}.capacity.maximum`,
      2.5,
      [[`${G}.capacity.maximum`, 'invalid-type']],
    ],
    [
      'capacity as text',
      'elastigroup-gallery-latest.json',
      `${G}.capacity.maximum`,
      '80',
      [[`${G}.capacity.maximum`, 'invalid-type']],
    ],
    [
      'spot percentage above 100',
      'elastigroup-gallery-latest.json',
      `${G}.strategy.spotPercentage`,
      101,
      [[`${G}.strategy.spotPercentage`, 'too-big']],
    ],
    [
      'spotPercentage and onDemandCount',
      'elastigroup-gallery-latest.json',
      `${G}.strategy.onDemandCount`,
      1,
      [[`${G}.strategy.onDemandCount`, 'spot-percentage-and-on-demand-count']],
    ],
    [
      'odCount is not a Spot field',
      'elastigroup-gallery-latest.json',
      `${G}.strategy.odCount`,
      1,
      [[`${G}.strategy.odCount`, 'unknown-field']],
    ],
    [
      'unknown OS',
      'elastigroup-gallery-latest.json',
      `${G}.compute.os`,
      'linux',
      [[`${G}.compute.os`, 'invalid-value']],
    ],
    [
      'no spot sizes',
      'elastigroup-gallery-latest.json',
      `${G}.compute.vmSizes.spotSizes`,
      [],
      [[`${G}.compute.vmSizes.spotSizes`, 'too-small']],
    ],
    [
      'bad size name',
      'elastigroup-gallery-latest.json',
      `${G}.compute.vmSizes.spotSizes[1]`,
      'Standard D4s',
      [[`${G}.compute.vmSizes.spotSizes[1]`, 'invalid-format']],
    ],
    [
      'bad zone',
      'elastigroup-gallery-latest.json',
      `${G}.compute.zones[2]`,
      'zone-3',
      [[`${G}.compute.zones[2]`, 'invalid-format']],
    ],
    [
      'repeated zone',
      'elastigroup-gallery-latest.json',
      `${G}.compute.zones[2]`,
      '1',
      [[`${G}.compute.zones[2]`, 'duplicate-item']],
    ],
    [
      'preferred zones outside zones',
      'elastigroup-gallery-latest.json',
      `${G}.compute.preferredZones`,
      ['1', '4'],
      [[`${G}.compute.preferredZones[1]`, 'preferred-zone-not-in-zones']],
    ],
    [
      'a group spelling preferredZone',
      'elastigroup-gallery-latest.json',
      `${G}.compute.preferredZone`,
      '1',
      [[`${G}.compute.preferredZone`, 'unknown-field']],
    ],
    [
      'a group spelling enableIpForwarding',
      'elastigroup-gallery-latest.json',
      `${L}.network.networkInterfaces[0].enableIpForwarding`,
      true,
      [[`${L}.network.networkInterfaces[0].enableIpForwarding`, 'unknown-field']],
    ],
    [
      'too many zones',
      'elastigroup-gallery-latest.json',
      `${G}.compute.zones`,
      ['1', '2', '3', '4'],
      [[`${G}.compute.zones`, 'too-big']],
    ],
    [
      'unknown orchestration mode',
      'elastigroup-gallery-latest.json',
      `${G}.compute.orchestrationMode`,
      'flexible',
      [[`${G}.compute.orchestrationMode`, 'invalid-value']],
    ],
    [
      'unknown disk type',
      'elastigroup-gallery-latest.json',
      `${L}.osDisk.type`,
      'UltraSSD_LRS',
      [[`${L}.osDisk.type`, 'invalid-value']],
    ],
    [
      'zero-sized disk',
      'elastigroup-gallery-latest.json',
      `${L}.osDisk.sizeGB`,
      0,
      [[`${L}.osDisk.sizeGB`, 'too-small']],
    ],
    [
      'login without credentials',
      'elastigroup-gallery-latest.json',
      `${L}.login.sshPublicKey`,
      undefined,
      [[`${L}.login`, 'missing-credentials']],
    ],
    [
      'blank user name',
      'elastigroup-gallery-latest.json',
      `${L}.login.userName`,
      '   ',
      [[`${L}.login.userName`, 'invalid-format']],
    ],
    [
      'unknown security type',
      'elastigroup-gallery-latest.json',
      `${L}.security.securityType`,
      'Trusted',
      [[`${L}.security.securityType`, 'invalid-value']],
    ],
    [
      'vTPM flag as text',
      'elastigroup-gallery-latest.json',
      `${L}.security.vTpmEnabled`,
      'yes',
      [[`${L}.security.vTpmEnabled`, 'invalid-type']],
    ],
    [
      'duplicate data disk LUN',
      'elastigroup-gallery-latest.json',
      `${L}.dataDisks`,
      [
        { lun: 0, sizeGB: 8, type: 'Premium_LRS' },
        { lun: 0, sizeGB: 8, type: 'Premium_LRS' },
      ],
      [[`${L}.dataDisks[1].lun`, 'duplicate-lun']],
    ],
    [
      'data disk type unknown',
      'elastigroup-gallery-latest.json',
      `${L}.dataDisks`,
      [{ lun: 0, sizeGB: 8, type: 'Premium' }],
      [[`${L}.dataDisks[0].type`, 'invalid-value']],
    ],
    [
      'Linux password too short',
      'elastigroup-gallery-latest.json',
      `${L}.login.password`,
      'Ab1!x',
      [[`${L}.login.password`, 'password-rules']],
    ],
    [
      'custom data not base64',
      'elastigroup-gallery-latest.json',
      `${L}.customData`,
      'not base64!',
      [[`${L}.customData`, 'invalid-format']],
    ],
    [
      'no primary NIC',
      'elastigroup-gallery-latest.json',
      `${L}.network.networkInterfaces[0].isPrimary`,
      false,
      [[`${L}.network.networkInterfaces`, 'one-primary-interface']],
    ],
    [
      'no NICs',
      'elastigroup-gallery-latest.json',
      `${L}.network.networkInterfaces`,
      [],
      [[`${L}.network.networkInterfaces`, 'too-small']],
    ],
    ['missing network', 'elastigroup-gallery-latest.json', `${L}.network`, undefined, [[`${L}.network`, 'required']]],
    [
      'missing persistence',
      'stateful-node-gallery.json',
      'body.statefulNode.persistence',
      undefined,
      [['body.statefulNode.persistence', 'required']],
    ],
    [
      'bad persistence mode',
      'stateful-node-gallery.json',
      'body.statefulNode.persistence.osDiskPersistenceMode',
      'keep',
      [['body.statefulNode.persistence.osDiskPersistenceMode', 'invalid-value']],
    ],
    [
      'bad lifecycle',
      'stateful-node-gallery.json',
      'body.statefulNode.strategy.preferredLifecycle',
      'OD',
      [['body.statefulNode.strategy.preferredLifecycle', 'invalid-value']],
    ],
    [
      'bad VM name',
      'stateful-node-gallery.json',
      'body.statefulNode.compute.launchSpecification.vmName',
      'sql-',
      [['body.statefulNode.compute.launchSpecification.vmName', 'invalid-format']],
    ],
    [
      'bad caching',
      'stateful-node-gallery.json',
      'body.statefulNode.compute.launchSpecification.osDisk.caching',
      'readwrite',
      [['body.statefulNode.compute.launchSpecification.osDisk.caching', 'invalid-value']],
    ],
    [
      'preferred zone on a node without zones',
      'stateful-node-gallery.json',
      'body.statefulNode.compute.preferredZone',
      '0',
      [['body.statefulNode.compute.preferredZone', 'invalid-format']],
    ],
  ];

  it.each(cases)('%s', (_name, fixture, path, value, expected) => {
    expect(at(parseJobEnvelope(withChange(fixture, path, value)))).toEqual(expected);
  });

  it('Windows logins take a password, not an SSH key', () => {
    const node = withChange('stateful-node-gallery.json', 'body.statefulNode.compute.launchSpecification.login', {
      userName: 'admin',
      sshPublicKey: 'ssh-ed25519 AAA',
    });
    expect(at(parseJobEnvelope(node))).toEqual([
      ['body.statefulNode.compute.launchSpecification.login.sshPublicKey', 'windows-ssh-key'],
    ]);
    const withPassword = withChange(
      'stateful-node-gallery.json',
      'body.statefulNode.compute.launchSpecification.login',
      { userName: 'admin', password: 'S3cret-enough!' },
    );
    ok(parseJobEnvelope(withPassword));
    const linuxPassword = withChange('elastigroup-gallery-latest.json', `${L}.login`, {
      userName: 'azureuser',
      password: 'S3cret-enough!',
    });
    ok(parseJobEnvelope(linuxPassword));
  });

  it('optional sections may be left out', () => {
    const raw = fixtureEnvelope('elastigroup-gallery-latest.json');
    for (const path of [
      `${G}.strategy`,
      `${G}.compute.zones`,
      `${L}.security`,
      `${L}.osDisk`,
      `${L}.login`,
      `${L}.image.gallery.spotAccountId`,
    ])
      setAt(raw, path, undefined);
    ok(parseJobEnvelope(raw));
  });
});

describe('parseJobEnvelope: never throws', () => {
  it('on any JSON value or text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (raw) => {
        const result = parseJobEnvelope(raw);
        if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
      }),
    );
  });

  it('on random damage to a valid envelope, and every error path is a string', () => {
    const leafPaths = (v: unknown, prefix: string): string[] =>
      v !== null && typeof v === 'object'
        ? Object.entries(v).flatMap(([k, child]) =>
            leafPaths(child, Array.isArray(v) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k),
          )
        : [prefix];
    const fixtures = SPOT_FIXTURES.map((f) => f.name);
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.nat(), fc.jsonValue(), (name, pick, value) => {
        const raw = fixtureEnvelope(name);
        const paths = leafPaths(raw, '');
        const path = paths[pick % paths.length]!;
        setAt(raw, path, value);
        const result = parseJobEnvelope(raw);
        if (!result.ok) {
          for (const e of result.errors) expect(typeof e.path).toBe('string');
          expect(result.jobId === undefined || result.jobId === raw.jobId).toBe(true);
        }
      }),
    );
  });

  it('an unknown field added to any object of a valid envelope is reported at exactly its path', () => {
    const objectPaths = (v: unknown, prefix: string): string[] => {
      if (v === null || typeof v !== 'object') return [];
      const here = Array.isArray(v) ? [] : [prefix];
      return [
        ...here,
        ...Object.entries(v).flatMap(([k, child]) =>
          objectPaths(child, Array.isArray(v) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k),
        ),
      ];
    };
    const fixtures = SPOT_FIXTURES.map((f) => f.name);
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.nat(), fc.jsonValue(), (name, pick, value) => {
        const raw = fixtureEnvelope(name);
        const paths = objectPaths(raw, '');
        const where = paths[pick % paths.length]!;
        const target = where === '' ? raw : (valueAt(raw, where) as Record<string, unknown>);
        target.zzUnexpected = value;
        const path = where === '' ? 'zzUnexpected' : `${where}.zzUnexpected`;
        expect(at(parseJobEnvelope(raw))).toEqual([[path, 'unknown-field']]);
      }),
    );
  });
});

describe('accessors', () => {
  const parsed = (name: SpotFixture, overrides: Record<string, unknown> = {}): CompleteJob =>
    complete(ok(parseJobEnvelope(fixtureEnvelope(name, overrides))));

  it('groupIdentity is account/kind/name in lower case', () => {
    expect(groupIdentity(parsed('elastigroup-gallery-latest.json'))).toBe('act-1a2b3c4d/statelessgroup/web-weu');
    expect(groupIdentity(parsed('stateful-node-gallery.json', { caller: { account: 'ACT-1A2B3C4D' } }))).toBe(
      'act-1a2b3c4d/statefulnode/sql-01',
    );
    const upper = withChange('elastigroup-gallery-latest.json', 'body.group.name', 'Web-WEU');
    expect(groupIdentity(ok(parseJobEnvelope(upper)))).toBe('act-1a2b3c4d/statelessgroup/web-weu');
  });

  it('groupIdentity fits a Service Bus session id (128 characters) at the longest', () => {
    const longest = withChange('elastigroup-gallery-latest.json', 'body.group.name', 'n'.repeat(64));
    setAt(longest, 'caller.account', SUB.toUpperCase());
    const id = groupIdentity(ok(parseJobEnvelope(longest)));
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id.startsWith(`${SUB}/statelessgroup/`)).toBe(true);
  });

  it('imageReferenceOf gives the gallery image with its paths', () => {
    expect(imageReferenceOf(parsed('elastigroup-gallery-latest.json'))).toEqual({
      source: 'gallery',
      resourceGroupName: 'rg-images',
      galleryName: 'corpGallery',
      imageName: 'ubuntu-2204-base',
      version: 'latest',
      spotAccountId: 'act-1a2b3c4d',
      path: 'group.compute.launchSpecification.image.gallery',
      versionPath: 'group.compute.launchSpecification.image.gallery.version',
    });
    expect(imageReferenceOf(parsed('elastigroup-gallery-pinned.json'))).toEqual({
      source: 'gallery',
      resourceGroupName: 'rg-images',
      galleryName: 'corpGallery',
      imageName: 'ubuntu-2204-base',
      version: '1.9.0',
      path: 'group.compute.launchSpecification.image.gallery',
      versionPath: 'group.compute.launchSpecification.image.gallery.version',
    });
    expect(imageReferenceOf(parsed('stateful-node-gallery.json'))).toEqual({
      source: 'gallery',
      resourceGroupName: 'rg-images',
      galleryName: 'corpGallery',
      imageName: 'win2022-sql',
      version: 'latest',
      path: 'statefulNode.compute.launchSpecification.image.gallery',
      versionPath: 'statefulNode.compute.launchSpecification.image.gallery.versionName',
    });
  });

  it('imageReferenceOf normalises "latest" and keeps a version name as given', () => {
    const shouted = ok(
      parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.version`, 'LATEST')),
    );
    expect(imageReferenceOf(complete(shouted))).toMatchObject({ version: 'latest' });
    const padded = ok(
      parseJobEnvelope(withChange('elastigroup-gallery-latest.json', `${GROUP_IMAGE}.gallery.version`, '1.02.0')),
    );
    expect(imageReferenceOf(complete(padded))).toMatchObject({ version: '1.02.0' });
  });

  it('imageReferenceOf paths resolve in the body', () => {
    for (const { name } of SPOT_FIXTURES) {
      const env = parsed(name);
      const ref = imageReferenceOf(env);
      expect(valueAt(env.body, ref.path)).toBeTypeOf('object');
      if (ref.source === 'gallery')
        expect(valueAt(env.body, ref.versionPath)).toBe('latest' === ref.version ? 'latest' : ref.version);
    }
  });

  it('groupSpecOf returns the spec with its kind', () => {
    const group = groupSpecOf(parsed('elastigroup-gallery-pinned.json'));
    expect(group.kind).toBe('statelessGroup');
    expect(group.spec.name).toBe('batch-eus');
    const node = groupSpecOf(parsed('stateful-node-gallery.json'));
    expect(node.kind).toBe('statefulNode');
    expect(node.spec.name).toBe('sql-01');
  });
});
