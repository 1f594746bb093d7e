import { describe, expect, it } from 'vitest';
import { galleryChanges, imageDefinitionChanges, versionChanges } from '../../shared/domain/changes.js';
import {
  galleryRecordFrom,
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  type ImageVersionRecord,
} from '../../shared/domain/records.js';
import { flatGallery, flatImage, flatVersion, loadFixture, type Json } from './arm-fixtures.js';

// Change detection of the reconcile: list entry (as ARM lists it) against the stored record (as a GET gave it).
type Obj = { [key: string]: Json };
const clone = (j: Json): Obj => structuredClone(j) as Obj;
const props = (o: Obj): Obj => o.properties as Obj;
const pp = (o: Obj): Obj => props(o).publishingProfile as Obj;

/** The version as the list shows it: no replicationStatus. */
function listed(o: Obj): ImageVersionRecord {
  const copy = clone(o);
  delete props(copy).replicationStatus;
  return imageVersionRecordFrom(flatVersion(copy));
}

describe('versionChanges', () => {
  const base = clone(loadFixture('image-version-completed.json'));
  const stored = imageVersionRecordFrom(flatVersion(base));

  it('an unchanged settled version needs no read', () => {
    expect(versionChanges(listed(base), stored)).toEqual([]);
  });

  it('a version the catalog lacks, or holds as settling, is read', () => {
    expect(versionChanges(listed(base), undefined)).toEqual(['missing']);
    const replicating = imageVersionRecordFrom(flatVersion(loadFixture('image-version-replicating.json')));
    expect(versionChanges(listed(clone(loadFixture('image-version-replicating.json'))), replicating)).toEqual([
      'settling',
    ]);
  });

  const edits: [string, (o: Obj) => void][] = [
    ['excludeFromLatest', (o) => (pp(o).excludeFromLatest = true)],
    ['targetRegions', (o) => ((pp(o).targetRegions as Obj[])[0]!.excludeFromLatest = true)],
    ['endOfLifeDate', (o) => (pp(o).endOfLifeDate = '2030-01-01T00:00:00Z')],
    ['targetRegions', (o) => (pp(o).targetRegions as Obj[]).push({ name: 'North Europe', regionalReplicaCount: 1 })],
    ['targetRegions', (o) => ((pp(o).targetRegions as Obj[])[0]!.regionalReplicaCount = 9)],
    ['targetRegions', (o) => ((pp(o).targetRegions as Obj[])[0]!.storageAccountType = 'Premium_LRS')],
    ['safetyProfile', (o) => (props(o).safetyProfile = { allowDeletionOfReplicatedLocations: true })],
    ['tags', (o) => (o.tags = { team: 'x' })],
    ['provisioningState', (o) => (props(o).provisioningState = 'Updating')],
  ];
  for (const [field, edit] of edits) {
    it(`a changed ${field} is read`, () => {
      const o = clone(base);
      edit(o);
      expect(versionChanges(listed(o), stored)).toContain(field);
    });
  }

  it('a regional excludeFromLatest absent compares equal to false (ARM echoes false)', () => {
    const o = clone(base);
    for (const t of pp(o).targetRegions as Obj[]) delete t.excludeFromLatest;
    const s = clone(base);
    for (const t of pp(s).targetRegions as Obj[]) t.excludeFromLatest = false;
    expect(versionChanges(listed(o), imageVersionRecordFrom(flatVersion(s)))).toEqual([]);
  });

  it('region order and case of names do not matter', () => {
    const o = clone(base);
    (pp(o).targetRegions as Obj[]).reverse();
    expect(versionChanges(listed(o), stored)).toEqual([]);
  });
});

describe('imageDefinitionChanges', () => {
  const base = clone(loadFixture('image-definition-linux-gen2-trustedlaunch.json'));
  const stored = imageDefinitionRecordFrom(flatImage(base));
  it('unchanged → nothing; missing → missing', () => {
    expect(imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(base)), stored)).toEqual([]);
    expect(imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(base)), undefined)).toEqual(['missing']);
  });
  const edits: [string, (p: Obj) => void][] = [
    ['description', (p) => (p.description = 'changed')],
    ['endOfLifeDate', (p) => (p.endOfLifeDate = '2031-01-01T00:00:00Z')],
    ['recommended', (p) => (p.recommended = { vCPUs: { min: 1, max: 99 } })],
    ['releaseNoteUri', (p) => (p.releaseNoteUri = 'https://example.org/other')],
  ];
  for (const [field, edit] of edits) {
    it(`a changed ${field} is rewritten`, () => {
      const o = clone(base);
      edit(props(o));
      expect(imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(o)), stored)).toContain(field);
    });
  }
});

describe('galleryChanges', () => {
  const listEntry = (name: string): Obj => {
    const o = clone(loadFixture(name));
    const sp = props(o).sharingProfile as Obj | undefined;
    if (sp) delete sp.groups; // lists carry no sharing groups
    return o;
  };
  it('a private gallery unchanged needs no read; a changed description does', () => {
    const stored = galleryRecordFrom(flatGallery(loadFixture('gallery-private.json')));
    expect(galleryChanges(galleryRecordFrom(flatGallery(listEntry('gallery-private.json'))), stored)).toEqual([]);
    const o = listEntry('gallery-private.json');
    props(o).description = 'new';
    expect(galleryChanges(galleryRecordFrom(flatGallery(o)), stored)).toEqual(['description']);
  });
  it('Groups and Community galleries are always read (the list does not say with whom)', () => {
    for (const name of ['gallery-direct-shared.json', 'gallery-community.json']) {
      const stored = galleryRecordFrom(flatGallery(loadFixture(name)));
      expect(galleryChanges(galleryRecordFrom(flatGallery(listEntry(name))), stored)).toEqual(['shared']);
    }
  });
  it('a permission changed from Private is read', () => {
    const stored = galleryRecordFrom(flatGallery(loadFixture('gallery-private.json')));
    const o = listEntry('gallery-private.json');
    props(o).sharingProfile = { permissions: 'Groups' };
    expect(galleryChanges(galleryRecordFrom(flatGallery(o)), stored)).toEqual(['shared', 'permissions']);
  });
});

describe('change detection: exactly the fields that differ, and equal what compares equal', () => {
  const version = clone(loadFixture('image-version-completed.json'));
  const storedVersion = imageVersionRecordFrom(flatVersion(version));
  const versionEdits: [string[], (o: Obj) => void][] = [
    [['endOfLifeDate'], (o) => (pp(o).endOfLifeDate = '2031-01-01T00:00:00Z')],
    [['targetRegions'], (o) => ((pp(o).targetRegions as Obj[])[0]!.excludeFromLatest = true)],
    [['safetyProfile'], (o) => (props(o).safetyProfile = { reportedForPolicyViolation: true })],
    [['safetyProfile'], (o) => (props(o).safetyProfile = { blockDeletionBeforeEndOfLife: true })],
    [['tags'], (o) => (o.tags = { ...((o.tags as Obj | undefined) ?? {}), b: '2', a: '1' })],
    [
      ['provisioningState', 'excludeFromLatest'],
      (o) => ((props(o).provisioningState = 'Updating'), (pp(o).excludeFromLatest = true)),
    ],
  ];
  for (const [fields, edit] of versionEdits) {
    it(`a version: ${fields.join(', ')}`, () => {
      const o = clone(version);
      edit(o);
      expect(versionChanges(listed(o), storedVersion)).toEqual(fields);
    });
  }

  it('a version: what compares equal (provisioning state case, storage type case, absent flags as false, tag and region order)', () => {
    const withTags = clone(version);
    withTags.tags = { b: '2', a: '1' };
    const storedWithTags = imageVersionRecordFrom(flatVersion(withTags));
    const o = clone(withTags);
    o.tags = { a: '1', b: '2' };
    props(o).provisioningState = (props(o).provisioningState as string).toUpperCase();
    for (const t of pp(o).targetRegions as Obj[])
      t.storageAccountType = ((t.storageAccountType as string | undefined) ?? 'Standard_LRS').toLowerCase();
    (pp(o).targetRegions as Obj[]).reverse();
    props(o).safetyProfile = {
      allowDeletionOfReplicatedLocations: false,
      reportedForPolicyViolation: false,
      blockDeletionBeforeEndOfLife: false,
    };
    const s = clone(withTags);
    delete props(s).safetyProfile;
    expect(versionChanges(listed(o), imageVersionRecordFrom(flatVersion(s)))).toEqual([]);
    expect(versionChanges(listed(o), storedWithTags)).toEqual([]);
    // an end of life given, then taken away: a change
    const eol = clone(version);
    pp(eol).endOfLifeDate = '2031-01-01T00:00:00Z';
    expect(versionChanges(listed(version), imageVersionRecordFrom(flatVersion(eol)))).toEqual(['endOfLifeDate']);
  });

  const image = clone(loadFixture('image-definition-linux-gen2-trustedlaunch.json'));
  const storedImage = imageDefinitionRecordFrom(flatImage(image));
  const imageEdits: [string[], (p: Obj) => void][] = [
    [
      ['recommended'],
      (p) => (p.recommended = { ...((p.recommended as Obj | undefined) ?? {}), memory: { min: 1, max: 3 } }),
    ],
    [['recommended'], (p) => (p.recommended = { vCPUs: { min: 3 } })],
    [['privacyStatementUri'], (p) => (p.privacyStatementUri = 'https://example.org/privacy-2')],
    [['eula'], (p) => (p.eula = 'another eula')],
    [['disallowedDiskTypes'], (p) => (p.disallowed = { diskTypes: ['Premium_LRS'] })],
    [['provisioningState'], (p) => (p.provisioningState = 'Failed')],
  ];
  for (const [fields, edit] of imageEdits) {
    it(`an image definition: ${fields.join(', ')}`, () => {
      const o = clone(image);
      edit(props(o));
      expect(imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(o)), storedImage)).toEqual(fields);
    });
  }

  it('an image definition: what compares equal (disallowed disk types in any order and case, provisioning state case)', () => {
    const a = clone(image);
    props(a).disallowed = { diskTypes: ['Standard_LRS', 'Premium_LRS'] };
    const b = clone(image);
    props(b).disallowed = { diskTypes: ['premium_lrs', 'STANDARD_LRS'] };
    props(b).provisioningState = ((props(b).provisioningState as string | undefined) ?? 'Succeeded').toLowerCase();
    expect(
      imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(b)), imageDefinitionRecordFrom(flatImage(a))),
    ).toEqual([]);
    // a privacy statement or a EULA taken away: a change
    const c = clone(image);
    props(c).privacyStatementUri = 'https://example.org/p';
    props(c).eula = 'e';
    const d = clone(c);
    delete props(d).privacyStatementUri;
    delete props(d).eula;
    expect(
      imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(d)), imageDefinitionRecordFrom(flatImage(c))),
    ).toEqual(['privacyStatementUri', 'eula']);
  });

  it('a gallery: missing; tags, provisioning state; permission in another case is the same', () => {
    const g = clone(loadFixture('gallery-private.json'));
    const stored = galleryRecordFrom(flatGallery(g));
    expect(galleryChanges(galleryRecordFrom(flatGallery(g)), undefined)).toEqual(['missing']);
    const o = clone(g);
    o.tags = { team: 'x' };
    props(o).provisioningState = 'Updating';
    expect(galleryChanges(galleryRecordFrom(flatGallery(o)), stored)).toEqual(['provisioningState', 'tags']);
    const same = clone(g);
    props(same).sharingProfile = { permissions: 'PRIVATE' };
    props(same).provisioningState = ((props(g).provisioningState as string | undefined) ?? 'Succeeded').toUpperCase();
    const privateStored = clone(g);
    props(privateStored).sharingProfile = { permissions: 'Private' };
    expect(galleryChanges(galleryRecordFrom(flatGallery(same)), galleryRecordFrom(flatGallery(privateStored)))).toEqual(
      [],
    );
  });
});

describe('change detection: a value changed to another value (both given) is a change', () => {
  const image = clone(loadFixture('image-definition-linux-gen2-trustedlaunch.json'));
  const both = (edit: (p: Obj, to: boolean) => void): string[] => {
    const a = clone(image);
    const b = clone(image);
    edit(props(a), false);
    edit(props(b), true);
    return [
      ...imageDefinitionChanges(imageDefinitionRecordFrom(flatImage(b)), imageDefinitionRecordFrom(flatImage(a))),
    ];
  };
  it('recommended vCPUs and memory, each bound on its own; privacy statement; EULA', () => {
    expect(
      both((p, to) => (p.recommended = { vCPUs: { min: to ? 4 : 2, max: 16 }, memory: { min: 4, max: 64 } })),
    ).toEqual(['recommended']);
    expect(
      both((p, to) => (p.recommended = { vCPUs: { min: 2, max: to ? 32 : 16 }, memory: { min: 4, max: 64 } })),
    ).toEqual(['recommended']);
    expect(
      both((p, to) => (p.recommended = { vCPUs: { min: 2, max: 16 }, memory: { min: to ? 8 : 4, max: 64 } })),
    ).toEqual(['recommended']);
    expect(
      both((p, to) => (p.recommended = { vCPUs: { min: 2, max: 16 }, memory: { min: 4, max: to ? 128 : 64 } })),
    ).toEqual(['recommended']);
    expect(both((p, to) => (p.privacyStatementUri = to ? 'https://example.org/b' : 'https://example.org/a'))).toEqual([
      'privacyStatementUri',
    ]);
    expect(both((p, to) => (p.eula = to ? 'eula b' : 'eula a'))).toEqual(['eula']);
  });

  it("a version's end of life moved to another date", () => {
    const a = clone(loadFixture('image-version-completed.json'));
    const b = clone(a);
    pp(a).endOfLifeDate = '2030-01-01T00:00:00Z';
    pp(b).endOfLifeDate = '2031-01-01T00:00:00Z';
    expect(versionChanges(listed(b), imageVersionRecordFrom(flatVersion(a)))).toEqual(['endOfLifeDate']);
  });

  it('three target regions in any order compare equal; one region changed does not', () => {
    const three = (names: string[]) => {
      const o = clone(loadFixture('image-version-completed.json'));
      pp(o).targetRegions = names.map((name) => ({
        name,
        regionalReplicaCount: 1,
        storageAccountType: 'Standard_LRS',
        excludeFromLatest: false,
      }));
      return o;
    };
    const stored = imageVersionRecordFrom(flatVersion(three(['West Europe', 'East US', 'North Europe'])));
    for (const order of [
      ['North Europe', 'West Europe', 'East US'],
      ['East US', 'North Europe', 'West Europe'],
      ['West Europe', 'North Europe', 'East US'],
    ]) {
      expect(versionChanges(listed(three(order)), stored)).not.toContain('targetRegions');
    }
    expect(versionChanges(listed(three(['West Europe', 'East US', 'UK South'])), stored)).toContain('targetRegions');
  });
});
