/**
 * Each rule of the Spot body (shared/domain/spot-body.ts over the field table of spot-fields.ts),
 * one fault at a time, with the exact error a job gets: its pointer, its code, its message. The
 * bodies are the Spot fixtures (spotinst/spotinst-sdk-go shapes) with one edit each.
 */
import { describe, expect, it } from 'vitest';
import { parseJobEnvelope } from '../../shared/domain/job-envelope.js';
import { envelopeOf, spotBody } from './spot-fixtures.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const G = '/body/group';
const LS = `${G}/compute/launchSpecification`;

function errorsOf(kind: 'G' | 'N', edit: (b: Json) => void): string[][] {
  const body = spotBody(kind === 'G' ? 'elastigroup-gallery-pinned.json' : 'stateful-node-gallery.json') as Json;
  edit(body);
  const r = parseJobEnvelope(envelopeOf(kind === 'G' ? 'statelessGroup' : 'statefulNode', body));
  return r.ok ? [] : r.errors.map((e) => [e.pointer, e.code, e.message]);
}
const nic = (name: string, isPrimary: boolean) => ({ subnetName: name, isPrimary, assignPublicIp: false });

const CASES: [string, 'G' | 'N', (b: Json) => void, string[][]][] = [
  // strings: length, empty, blank, pattern
  [
    'a name longer than 64',
    'G',
    (b) => (b.group.name = 'x'.repeat(65)),
    [[`${G}/name`, 'too-big', 'must be at most 64 characters']],
  ],
  ['an empty name', 'G', (b) => (b.group.name = ''), [[`${G}/name`, 'too-small', 'must not be empty']]],
  [
    'a name with a slash',
    'G',
    (b) => (b.group.name = 'a/b'),
    [
      [
        `${G}/name`,
        'invalid-format',
        'must be 1-64 characters without control characters, / \\ # ? or leading/trailing spaces',
      ],
    ],
  ],
  [
    'a blank network name',
    'G',
    (b) => (b.group.compute.launchSpecification.network.virtualNetworkName = '   '),
    [[`${LS}/network/virtualNetworkName`, 'invalid-value', 'must not be blank']],
  ],
  [
    'an empty network name',
    'G',
    (b) => (b.group.compute.launchSpecification.network.virtualNetworkName = ''),
    [[`${LS}/network/virtualNetworkName`, 'too-small', 'must not be empty']],
  ],
  [
    'a description longer than 1024 (an empty one is fine)',
    'G',
    (b) => (b.group.description = 'd'.repeat(1025)),
    [[`${G}/description`, 'too-big', 'must be at most 1024 characters']],
  ],
  ['an empty description', 'G', (b) => (b.group.description = ''), []],
  [
    'a tag key with <',
    'G',
    (b) => (b.group.compute.launchSpecification.tags = [{ tagKey: 'a<b', tagValue: 'x' }]),
    [[`${LS}/tags/0/tagKey`, 'invalid-format', 'must be 1-512 characters without < > % & \\ ? /']],
  ],
  [
    'custom data that is not base64',
    'G',
    (b) => (b.group.compute.launchSpecification.customData = 'not base64!'),
    [[`${LS}/customData`, 'invalid-format', 'must be base64 (at most 87380 characters)']],
  ],
  // numbers, dates, JSON settings
  [
    'an OS disk above 4095 GB',
    'G',
    (b) => (b.group.compute.launchSpecification.osDisk = { sizeGB: 5000, type: 'Premium_LRS' }),
    [[`${LS}/osDisk/sizeGB`, 'too-big', 'Too big: expected number to be <=4095']],
  ],
  [
    'an OS disk of 0 GB',
    'G',
    (b) => (b.group.compute.launchSpecification.osDisk = { sizeGB: 0, type: 'Premium_LRS' }),
    [[`${LS}/osDisk/sizeGB`, 'too-small', 'Too small: expected number to be >=1']],
  ],
  [
    'a date without its offset',
    'G',
    (b) => (b.group.createdAt = '2026-01-01T00:00:00'),
    [[`${G}/createdAt`, 'invalid-format', 'Invalid ISO datetime']],
  ],
  ['a date with an offset', 'G', (b) => (b.group.createdAt = '2026-01-01T00:00:00+02:00'), []],
  [
    'extension settings over 32 KB of JSON',
    'G',
    (b) =>
      (b.group.compute.launchSpecification.extensions = [
        { name: 'e', type: 't', publisher: 'p', apiVersion: '1.0', publicSettings: { a: 'x'.repeat(33 * 1024) } },
      ]),
    [[`${LS}/extensions/0/publicSettings`, 'too-big', 'must be at most 32768 bytes of JSON (got 33800)']],
  ],
  // arrays: unique items, at most, at least
  [
    'a zone listed twice',
    'G',
    (b) => (b.group.compute.zones = ['1', '1']),
    [[`${G}/compute/zones/1`, 'duplicate-item', 'repeats "1"']],
  ],
  [
    'four zones',
    'G',
    (b) => (b.group.compute.zones = ['1', '2', '3', '4']),
    [[`${G}/compute/zones`, 'too-big', 'must have at most 3 items']],
  ],
  [
    'no network interface',
    'G',
    (b) => (b.group.compute.launchSpecification.network.networkInterfaces = []),
    [[`${LS}/network/networkInterfaces`, 'too-small', 'must have at least 1 item']],
  ],
  // cross-field rules
  [
    'capacity out of order',
    'G',
    (b) => (b.group.capacity = { minimum: 5, maximum: 2, target: 9 }),
    [
      [`${G}/capacity/minimum`, 'capacity-order', 'must be at most maximum (2)'],
      [`${G}/capacity/target`, 'capacity-order', 'must be between minimum (5) and maximum (2)'],
    ],
  ],
  [
    'a target below the minimum',
    'G',
    (b) => (b.group.capacity = { minimum: 2, maximum: 9, target: 1 }),
    [[`${G}/capacity/target`, 'capacity-order', 'must be between minimum (2) and maximum (9)']],
  ],
  [
    'a bad count is reported once, not ordered',
    'G',
    (b) => (b.group.capacity = { minimum: -1, maximum: 2, target: 1 }),
    [[`${G}/capacity/minimum`, 'too-small', 'Too small: expected number to be >=0']],
  ],
  [
    'spot percentage and on-demand count',
    'G',
    (b) => {
      b.group.strategy = { ...b.group.strategy, spotPercentage: 50, onDemandCount: 1 };
    },
    [
      [
        `${G}/strategy/onDemandCount`,
        'spot-percentage-and-on-demand-count',
        'give spotPercentage or onDemandCount, not both',
      ],
    ],
  ],
  [
    'no spot sizes',
    'G',
    (b) => {
      delete b.group.compute.vmSizes.spotSizes;
    },
    [[`${G}/compute/vmSizes/spotSizes`, 'required', 'is required (or spotSizeAttributes)']],
  ],
  [
    'spot size attributes instead of sizes',
    'G',
    (b) => {
      delete b.group.compute.vmSizes.spotSizes;
      b.group.compute.vmSizes.spotSizeAttributes = { minCpu: 2, maxCpu: 8 };
    },
    [],
  ],
  [
    'no image source',
    'G',
    (b) => (b.group.compute.launchSpecification.image = {}),
    [[`${LS}/image`, 'exactly-one-image-source', 'must have exactly one of gallery, marketplace, custom (none given)']],
  ],
  [
    'two image sources',
    'G',
    (b) =>
      (b.group.compute.launchSpecification.image.marketplace = {
        publisher: 'p',
        offer: 'o',
        sku: 's',
        version: 'latest',
      }),
    [
      [
        `${LS}/image`,
        'exactly-one-image-source',
        'must have exactly one of gallery, marketplace, custom (got gallery and marketplace)',
      ],
    ],
  ],
  [
    'no primary interface',
    'G',
    (b) => (b.group.compute.launchSpecification.network.networkInterfaces = [nic('a', false), nic('b', false)]),
    [
      [
        `${LS}/network/networkInterfaces`,
        'one-primary-interface',
        'must have exactly one primary network interface (got 0)',
      ],
    ],
  ],
  [
    'two primary interfaces',
    'G',
    (b) => (b.group.compute.launchSpecification.network.networkInterfaces = [nic('a', true), nic('b', true)]),
    [
      [
        `${LS}/network/networkInterfaces`,
        'one-primary-interface',
        'must have exactly one primary network interface (got 2)',
      ],
    ],
  ],
  [
    'one primary of two',
    'G',
    (b) => (b.group.compute.launchSpecification.network.networkInterfaces = [nic('a', false), nic('b', true)]),
    [],
  ],
  [
    'a login without credentials',
    'G',
    (b) => (b.group.compute.launchSpecification.login = { userName: 'u' }),
    [[`${LS}/login`, 'missing-credentials', 'must give sshPublicKey or password']],
  ],
  [
    'a LUN used twice',
    'G',
    (b) =>
      (b.group.compute.launchSpecification.dataDisks = [
        { lun: 1, sizeGB: 8, type: 'Premium_LRS' },
        { lun: 1, sizeGB: 8, type: 'Premium_LRS' },
      ]),
    [[`${LS}/dataDisks/1/lun`, 'duplicate-lun', 'LUN 1 is used by another data disk']],
  ],
  [
    'preferred zones not among the zones',
    'G',
    (b) => {
      b.group.compute.zones = ['1', '2'];
      b.group.compute.preferredZones = ['2', '3'];
    },
    [[`${G}/compute/preferredZones/1`, 'preferred-zone-not-in-zones', 'must be one of zones (1, 2)']],
  ],
  [
    'a preferred zone not among the zones (stateful node)',
    'N',
    (b) => {
      b.statefulNode.compute.zones = ['1', '2'];
      b.statefulNode.compute.preferredZone = '3';
    },
    [['/body/statefulNode/compute/preferredZone', 'preferred-zone-not-in-zones', 'must be one of zones (1, 2)']],
  ],
  [
    'a preferred zone among the zones',
    'N',
    (b) => {
      b.statefulNode.compute.zones = ['1', '2'];
      b.statefulNode.compute.preferredZone = '2';
    },
    [],
  ],
  // passwords and Windows logins
  [
    'a Windows login with an SSH key',
    'G',
    (b) => {
      b.group.compute.os = 'Windows';
      b.group.compute.launchSpecification.login = { userName: 'u', sshPublicKey: 'ssh-ed25519 AAAA c' };
    },
    [[`${LS}/login/sshPublicKey`, 'windows-ssh-key', 'Windows VMs take a password, not an SSH public key']],
  ],
  [
    'a Windows login without a password',
    'N',
    (b) => (b.statefulNode.compute.launchSpecification.login = { userName: 'u' }),
    [
      [
        '/body/statefulNode/compute/launchSpecification/login',
        'missing-credentials',
        'must give sshPublicKey or password',
      ],
      [
        '/body/statefulNode/compute/launchSpecification/login/password',
        'windows-password-required',
        'Windows VMs need a password',
      ],
    ],
  ],
  [
    'a Linux password too short',
    'G',
    (b) => (b.group.compute.launchSpecification.login = { userName: 'u', password: 'Ab1!' }),
    [[`${LS}/login/password`, 'password-rules', 'must be 6-72 characters for Linux (got 4)']],
  ],
  [
    'a Windows password too short',
    'G',
    (b) => {
      b.group.compute.os = 'Windows';
      b.group.compute.launchSpecification.login = { userName: 'u', password: 'Abcdef1!xyz' };
    },
    [[`${LS}/login/password`, 'password-rules', 'must be 12-123 characters for Windows (got 11)']],
  ],
  [
    'a password Azure disallows',
    'G',
    (b) => (b.group.compute.launchSpecification.login = { userName: 'u', password: 'P@ssw0rd' }),
    [[`${LS}/login/password`, 'password-rules', 'is a password Azure disallows']],
  ],
];

describe('Spot body rules, one fault at a time', () => {
  for (const [label, kind, edit, expected] of CASES) {
    it(label, () => {
      expect(errorsOf(kind, edit)).toEqual(expected);
    });
  }
});
