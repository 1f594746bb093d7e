/**
 * What the reconcile must re-read: a pure comparison of what ARM lists with what the catalog holds.
 *
 * ARM list answers carry every property of an image definition, and of an image version all but
 * `replicationStatus`; a gallery list entry carries its sharing permission but not the groups it is
 * shared with (those need `$expand=SharingProfile/Groups` on a GET). So:
 * - a version is re-read (GET with replication status) when the catalog lacks it, holds it as
 *   settling, or holds a different value of a field ARM lets change after creation: provisioning
 *   state, global and regional `excludeFromLatest`, end-of-life date, target regions with their
 *   replica counts and storage account types, `safetyProfile`, tags;
 * - an image definition is rewritten from its list entry (no GET needed) when a field Azure lets
 *   change differs: description, end of life, recommended vCPU and memory, release notes,
 *   privacy statement, EULA, disallowed disk types, tags, provisioning state;
 * - a gallery is re-read when the catalog lacks it, its listed sharing permission, description,
 *   tags or provisioning state differ, or its permission is `Groups` or `Community`: who it is
 *   shared with is not in the list entry, and a lost share/action event would go unnoticed.
 * An empty answer means "unchanged": no ARM read.
 */
import { needsRecheck } from './latest.js';
import type { GalleryRecord, ImageDefinitionRecord, ImageVersionRecord } from './records.js';

/** The fields (by name) that differ, or why a read is needed (`missing`, `settling`, ...); empty when unchanged. */
export type Changes = readonly string[];

/** The updatable fields of a version, in a form that compares equal when ARM would show the same thing. */
function versionProjection(v: ImageVersionRecord): Record<string, unknown> {
  return {
    provisioningState: v.provisioningState.toLowerCase(),
    excludeFromLatest: v.excludeFromLatest,
    endOfLifeDate: v.endOfLifeDate ?? null,
    targetRegions: [...v.targetRegions]
      .map((t) => ({
        region: t.region,
        replicaCount: t.replicaCount,
        storageAccountType: t.storageAccountType.toLowerCase(),
        excludeFromLatest: t.excludeFromLatest === true,
      }))
      .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0)),
    safetyProfile: {
      allowDeletionOfReplicatedLocations: v.safetyProfile.allowDeletionOfReplicatedLocations ?? false,
      reportedForPolicyViolation: v.safetyProfile.reportedForPolicyViolation ?? false,
      blockDeletionBeforeEndOfLife: v.safetyProfile.blockDeletionBeforeEndOfLife ?? false,
    },
    tags: sortedEntries(v.tags),
  };
}

/**
 * Why a listed version must be re-read: `missing` (not in the catalog), `settling` (the catalog
 * holds it as provisioning or replicating), or the names of the updatable fields that differ.
 * `listed` is the version's list entry mapped with imageVersionRecordFrom (its replication state
 * is unknown and ignored here).
 */
export function versionChanges(listed: ImageVersionRecord, stored: ImageVersionRecord | undefined): Changes {
  if (stored === undefined) return ['missing'];
  const out: string[] = [];
  if (needsRecheck(stored)) out.push('settling');
  out.push(...differingFields(versionProjection(listed), versionProjection(stored)));
  return out;
}

function imageProjection(i: ImageDefinitionRecord): Record<string, unknown> {
  return {
    provisioningState: i.provisioningState.toLowerCase(),
    description: i.description ?? null,
    endOfLifeDate: i.endOfLifeDate ?? null,
    recommended: {
      vCPUs: { min: i.recommended.vCPUs?.min ?? null, max: i.recommended.vCPUs?.max ?? null },
      memoryGB: { min: i.recommended.memoryGB?.min ?? null, max: i.recommended.memoryGB?.max ?? null },
    },
    releaseNoteUri: i.releaseNoteUri ?? null,
    privacyStatementUri: i.privacyStatementUri ?? null,
    eula: i.eula ?? null,
    disallowedDiskTypes: [...i.disallowedDiskTypes].map((d) => d.toLowerCase()).sort(),
    tags: sortedEntries(i.tags),
  };
}

/** Why a listed image definition must be rewritten: `missing`, or the names of the updatable fields that differ. */
export function imageDefinitionChanges(
  listed: ImageDefinitionRecord,
  stored: ImageDefinitionRecord | undefined,
): Changes {
  if (stored === undefined) return ['missing'];
  return differingFields(imageProjection(listed), imageProjection(stored));
}

function galleryProjection(g: GalleryRecord): Record<string, unknown> {
  return {
    provisioningState: g.provisioningState.toLowerCase(),
    description: g.description ?? null,
    permissions: g.sharing.permissions.toLowerCase(),
    tags: sortedEntries(g.tags),
  };
}

/**
 * Why a listed gallery must be re-read: `missing`, `shared` (its permission is Groups or Community:
 * the list entry does not say with whom), or the names of the listed fields that differ.
 * `listed` is the gallery's list entry mapped with galleryRecordFrom.
 */
export function galleryChanges(listed: GalleryRecord, stored: GalleryRecord | undefined): Changes {
  if (stored === undefined) return ['missing'];
  const out: string[] = [];
  const permission = listed.sharing.permissions.toLowerCase();
  if (permission === 'groups' || permission === 'community') out.push('shared');
  out.push(...differingFields(galleryProjection(listed), galleryProjection(stored)));
  return out;
}

function sortedEntries(tags: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
