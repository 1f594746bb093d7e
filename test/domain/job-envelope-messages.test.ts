/**
 * What a refused job message says, exactly: the reader of a failed job gets one error per fault,
 * at its JSON Pointer, with a code and a message that names the fault and never quotes the input.
 */
import { describe, expect, it } from 'vitest';
import {
  capErrors,
  formatPath,
  formatPointer,
  parseJobEnvelope,
  parsePath,
  spotAccountIdOf,
  MAX_JOB_ENVELOPE_BYTES,
  MAX_REPORTED_ERRORS,
  type EnvelopeError,
  type ParseJobEnvelopeResult,
} from '../../shared/domain/job-envelope.js';
import { envelopeOf, spotBody } from './spot-fixtures.js';

type Json = Record<string, unknown>;
const errorsOf = (r: ParseJobEnvelopeResult) => (r.ok ? [] : r.errors.map((e) => [e.pointer, e.code, e.message]));
const only = (code: string, message: string) => [['', code, message]];

describe('a message that is not a JSON object', () => {
  it('bytes that are not UTF-8, text that is not JSON (with the position, never the text), a value that does not serialize', () => {
    expect(errorsOf(parseJobEnvelope(new Uint8Array([0xff, 0xfe, 0x7b])))).toEqual(
      only('not-json', 'the message is not UTF-8 text'),
    );
    expect(errorsOf(parseJobEnvelope('{"a": tru'))).toEqual(only('not-json', 'the message is not JSON'));
    expect(errorsOf(parseJobEnvelope('{secret}'))).toEqual(only('not-json', 'the message is not JSON (at position 1)'));
    expect(errorsOf(parseJobEnvelope('{"a":1,secret}'))).toEqual(
      only('not-json', 'the message is not JSON (at position 7)'),
    );
    expect(errorsOf(parseJobEnvelope({ a: 1n }))).toEqual(
      only('not-serializable', 'the message cannot be serialized as JSON: Do not know how to serialize a BigInt'),
    );
    for (const value of [undefined, [1], 'null', '"text"', 42])
      expect(errorsOf(parseJobEnvelope(value)), String(value)).toEqual(
        only('invalid-type', 'the message must be a JSON object'),
      );
  });

  it('too large: as bytes, as text, and as text whose UTF-8 is larger than its length; exactly the limit is not', () => {
    const limit = MAX_JOB_ENVELOPE_BYTES;
    expect(errorsOf(parseJobEnvelope(new Uint8Array(limit + 1)))).toEqual(
      only('too-large', `the message is ${limit + 1} bytes; at most ${limit} (256 KB) are accepted`),
    );
    expect(errorsOf(parseJobEnvelope(' '.repeat(limit + 1)))).toEqual(
      only('too-large', `the message is ${limit + 1} bytes; at most ${limit} (256 KB) are accepted`),
    );
    // 131,072 two-byte characters and two quotes: 131,074 characters, 262,146 bytes
    expect(errorsOf(parseJobEnvelope(`"${'é'.repeat(limit / 2)}"`))).toEqual(
      only('too-large', `the message is ${limit + 2} bytes; at most ${limit} (256 KB) are accepted`),
    );
    // exactly at the limit: read (and refused for what it is, not for its size)
    expect(errorsOf(parseJobEnvelope(`${' '.repeat(limit - 2)}[]`))).toEqual(
      only('invalid-type', 'the message must be a JSON object'),
    );
    expect(errorsOf(parseJobEnvelope(new TextEncoder().encode(`${' '.repeat(limit - 2)}[]`)))).toEqual(
      only('invalid-type', 'the message must be a JSON object'),
    );
  });

  it('an object given as it is (decoded by the host) is used when it is JSON data, and read through JSON when it is not', () => {
    const env = envelopeOf('statelessGroup', spotBody('elastigroup-gallery-pinned.json'));
    expect(parseJobEnvelope(env).ok).toBe(true);
    // a Date (not JSON data): what JSON makes of it (a string) is read, here in a field the envelope does not have
    expect(errorsOf(parseJobEnvelope({ ...env, extra: new Date(0) }))).toEqual([
      ['/extra', 'unknown-field', 'unknown field "extra"'],
    ]);
    // an array with a hole, a symbol key, a class instance: each read through JSON
    const holey = [1, , 3]; // eslint-disable-line no-sparse-arrays
    expect(errorsOf(parseJobEnvelope({ ...env, extra: holey }))).toEqual([
      ['/extra', 'unknown-field', 'unknown field "extra"'],
    ]);
    expect(parseJobEnvelope({ ...env, [Symbol('s')]: 1 }).ok).toBe(true);
    expect(parseJobEnvelope(Object.assign(Object.create({ inherited: 1 }) as Json, env)).ok).toBe(true);
  });
});

describe('header faults', () => {
  it('an unsupported schema version is the one error, and the job id is kept when readable', () => {
    expect(parseJobEnvelope({ schemaVersion: 2, jobId: 'j-1' })).toEqual({
      ok: false,
      jobId: 'j-1',
      errors: [
        {
          pointer: '/schemaVersion',
          path: 'schemaVersion',
          code: 'unsupported-schema-version',
          message: 'schema version 2 is not supported (this service reads 1)',
        },
      ],
    });
    // an unreadable job id is not returned
    expect(parseJobEnvelope({ schemaVersion: 2, jobId: 'not a job id!' })).not.toHaveProperty('jobId');
    expect(parseJobEnvelope([{ jobId: 'j-1' }])).not.toHaveProperty('jobId');
  });
});

describe('body faults', () => {
  it('each fault once, with its message: a whole number, a type, one of the values, an unknown field with the spelling Spot uses', () => {
    const body = spotBody('elastigroup-gallery-pinned.json') as {
      group: Json & {
        capacity: Json;
        strategy?: Json;
        compute: Json & { launchSpecification: { image: { gallery: Json } } };
      };
    };
    const g = body.group;
    g.capacity.minimum = 1.5;
    g.capacity.target = 'x';
    g.strategy = { ...(g.strategy ?? {}), odCount: 1 };
    g.compute.os = 'Mac';
    g.compute.launchSpecification.image.gallery.versionName = '1.0.0';
    g.foo = 1;
    expect(errorsOf(parseJobEnvelope(envelopeOf('statelessGroup', body)))).toEqual([
      ['/body/group/capacity/minimum', 'invalid-type', 'must be a whole number'],
      ['/body/group/capacity/target', 'invalid-type', 'must be of type number'],
      ['/body/group/strategy/odCount', 'unknown-field', 'unknown field "odCount": Spot names it "onDemandCount"'],
      ['/body/group/compute/os', 'invalid-value', 'must be one of "Linux", "Windows"'],
      [
        '/body/group/compute/launchSpecification/image/gallery/versionName',
        'unknown-field',
        'unknown field "versionName": a group names the image version "version"',
      ],
      ['/body/group/foo', 'unknown-field', 'unknown field "foo"'],
    ]);
  });

  it('a body of the other kind: the missing root, and the one given named as the other kind', () => {
    expect(errorsOf(parseJobEnvelope(envelopeOf('statefulNode', spotBody('elastigroup-gallery-pinned.json'))))).toEqual(
      [
        ['/body/statefulNode', 'required', 'is required'],
        ['/body/group', 'unknown-field', 'unknown field "group": the body of this kind is "statefulNode"'],
      ],
    );
    expect(errorsOf(parseJobEnvelope(envelopeOf('statelessGroup', spotBody('stateful-node-gallery.json'))))).toEqual([
      ['/body/group', 'required', 'is required'],
      ['/body/statefulNode', 'unknown-field', 'unknown field "statefulNode": the body of this kind is "group"'],
    ]);
  });

  it('a spelling hint only where it applies: a stateful node may say versionName', () => {
    const node = spotBody('stateful-node-gallery.json') as {
      statefulNode: { compute: { launchSpecification: { image: { gallery: Json } } } };
    };
    node.statefulNode.compute.launchSpecification.image.gallery.version = '1.0.0';
    expect(errorsOf(parseJobEnvelope(envelopeOf('statefulNode', node)))).toEqual([
      [
        '/body/statefulNode/compute/launchSpecification/image/gallery/version',
        'unknown-field',
        'unknown field "version": a stateful node names the image version "versionName"',
      ],
    ]);
  });
});

describe('error lists', () => {
  const errors = (n: number): EnvelopeError[] =>
    Array.from({ length: n }, (_, i) => ({ pointer: `/${i}`, path: String(i), code: 'x', message: 'm' }));
  it(`at most ${MAX_REPORTED_ERRORS} errors, then one saying how many more`, () => {
    expect(capErrors(errors(MAX_REPORTED_ERRORS))).toEqual(errors(MAX_REPORTED_ERRORS));
    const capped = capErrors(errors(MAX_REPORTED_ERRORS + 3));
    expect(capped).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(capped.slice(0, MAX_REPORTED_ERRORS)).toEqual(errors(MAX_REPORTED_ERRORS));
    expect(capped.at(-1)).toEqual({
      pointer: '',
      path: '',
      code: 'too-many-errors',
      message: '3 more errors not shown',
    });
  });
});

describe('paths and pointers', () => {
  it('formats identifiers dotted, indexes in brackets, other keys quoted; pointers escape ~ and /', () => {
    expect(formatPath(['a', 0, 'x.y', 'b$_1', '9z'])).toBe('a[0]["x.y"].b$_1["9z"]');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPointer(['a/b', 'c~d', 3])).toBe('/a~1b/c~0d/3');
    expect(formatPointer([])).toBe('');
  });

  it('reads back what it formats', () => {
    for (const segments of [
      ['a', 2, 'x."y', 'c'],
      ['group', 'compute', 'vmSizes', 'odSizes', 10],
      ['a', 'b\\c', 'd e'],
    ]) {
      expect(parsePath(formatPath(segments))).toEqual(segments);
    }
  });
});

describe('spotAccountIdOf', () => {
  it('the gallery account of a body and where it is; none for a body without one', () => {
    const body = spotBody('elastigroup-gallery-pinned.json') as {
      group: { compute: { launchSpecification: { image: { gallery: Json } } } };
    };
    const parsed = parseJobEnvelope(envelopeOf('statelessGroup', body));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(spotAccountIdOf(parsed.envelope)).toBeUndefined();
    body.group.compute.launchSpecification.image.gallery.spotAccountId = 'act-1a2b3c4d';
    const withAccount = parseJobEnvelope(envelopeOf('statelessGroup', body));
    if (!withAccount.ok) throw new Error(JSON.stringify(withAccount.errors));
    expect(spotAccountIdOf(withAccount.envelope)).toEqual({
      value: 'act-1a2b3c4d',
      pointer: '/body/group/compute/launchSpecification/image/gallery/spotAccountId',
    });
    const node = spotBody('stateful-node-gallery.json') as {
      statefulNode: { compute: { launchSpecification: { image: { gallery: Json } } } };
    };
    node.statefulNode.compute.launchSpecification.image.gallery.spotAccountId = 'act-1a2b3c4d';
    const parsedNode = parseJobEnvelope(envelopeOf('statefulNode', node));
    if (!parsedNode.ok) throw new Error(JSON.stringify(parsedNode.errors));
    expect(spotAccountIdOf(parsedNode.envelope)).toEqual({
      value: 'act-1a2b3c4d',
      pointer: '/body/statefulNode/compute/launchSpecification/image/gallery/spotAccountId',
    });
  });
});
