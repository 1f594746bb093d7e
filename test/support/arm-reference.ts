/**
 * The catalog record a resource should have, computed here from ARM's REST JSON (the nested
 * `properties` shape the ARM simulator stores and Azure/azure-rest-api-specs GalleryRP documents),
 * for checks that the catalog equals ARM. Written from the mapping rules in the header of
 * shared/domain/records.ts, not with its mappers (which read the SDK's flattened shapes): a bug in
 * a mapper shows as a difference here instead of cancelling out.
 */
import type { RestResource } from '../../dev/arm-simulator.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** "West Europe" → "westeurope". */
const region = (v: unknown): string => (str(v) ?? '').replace(/\s+/g, '').toLowerCase();
const nonEmpty = (v: unknown): string | undefined => (str(v) ? str(v) : undefined);
const iso = (v: unknown): string | undefined => (str(v) ? new Date(str(v) as string).toISOString() : undefined);
/** The value among `known` equal to v ignoring case; undefined for absent or empty. */
const canonical = <K extends string>(v: unknown, known: readonly K[]): K | undefined =>
  known.find((k) => k.toLowerCase() === (str(v) ?? '').toLowerCase());
/** The object without its undefined members (records omit absent optional fields). */
function defined<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)(?:\/images\/([^/]+)(?:\/versions\/([^/]+))?)?$/i;

/** The ref and display id (ARM's canonical segment casing, the names as given). */
function refOf(id: string): { ref: Json; id: string; level: 'gallery' | 'image' | 'version' } {
  const m = ID.exec(id);
  if (!m) throw new Error(`not a gallery resource id: ${id}`);
  const [, subscriptionId, resourceGroup, gallery, image, version] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const galleryId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/galleries/${gallery}`;
  if (image === undefined)
    return { level: 'gallery', id: galleryId, ref: { level: 'gallery', subscriptionId, resourceGroup, gallery } };
  if (version === undefined)
    return {
      level: 'image',
      id: `${galleryId}/images/${image}`,
      ref: { level: 'image', subscriptionId, resourceGroup, gallery, image },
    };
  return {
    level: 'version',
    id: `${galleryId}/images/${image}/versions/${version}`,
    ref: { level: 'version', subscriptionId, resourceGroup, gallery, image, version },
  };
}

const tagsOf = (v: unknown): Json =>
  Object.fromEntries(Object.entries(obj(v) ?? {}).filter(([, t]) => typeof t === 'string'));

/** What every record has: ref, display id, normalised region, string tags. */
function common(r: RestResource): Json {
  const { ref, id } = refOf(r.id);
  return { ref, id, location: region(r.location), tags: tagsOf(r.tags) };
}

/** The ids of a sharing group type (lower case, trimmed, each once). */
function groupIds(groups: unknown[], type: string): string[] {
  const ids: string[] = [];
  for (const g of groups) {
    if ((str(obj(g)?.type) ?? '').toLowerCase() !== type) continue;
    for (const id of arr(obj(g)?.ids)) {
      const v = (str(id) ?? '').trim().toLowerCase();
      if (v && !ids.includes(v)) ids.push(v);
    }
  }
  return ids;
}

function galleryRecord(r: RestResource): Json {
  const p = obj(r.properties) ?? {};
  const sharing = obj(p.sharingProfile);
  const community = obj(sharing?.communityGalleryInfo);
  const status = obj(p.sharingStatus);
  return defined({
    ...common(r),
    description: str(p.description),
    uniqueName: str(obj(p.identifier)?.uniqueName),
    provisioningState: str(p.provisioningState) ?? 'Unknown',
    sharing: defined({
      permissions: str(sharing?.permissions) ?? 'Private',
      groupsReported: sharing?.groups !== undefined,
      subscriptionIds: groupIds(arr(sharing?.groups), 'subscriptions'),
      tenantIds: groupIds(arr(sharing?.groups), 'aadtenants'),
      community: community
        ? defined({
            publisherUri: str(community.publisherUri),
            publisherContact: str(community.publisherContact),
            eula: str(community.eula),
            publicNamePrefix: str(community.publicNamePrefix),
            publicNames: arr(community.publicNames).filter((n) => typeof n === 'string'),
            enabled: bool(community.communityGalleryEnabled) ?? false,
          })
        : undefined,
    }),
    sharingStatus: status
      ? {
          aggregatedState: str(status.aggregatedState) ?? 'Unknown',
          summary: arr(status.summary).map((s) =>
            defined({
              region: region(obj(s)?.region),
              state: str(obj(s)?.state) ?? 'Unknown',
              details: nonEmpty(obj(s)?.details),
            }),
          ),
        }
      : undefined,
  });
}

/** The image definition features: four known ones by name (any case), every other one kept as given. */
function featuresOf(list: unknown[]): Json {
  const out: Json = {};
  const other: Json = {};
  for (const f of list) {
    const name = (str(obj(f)?.name) ?? '').trim();
    const value = str(obj(f)?.value) ?? '';
    if (!name) continue;
    const flag =
      value.trim().toLowerCase() === 'true' ? true : value.trim().toLowerCase() === 'false' ? false : undefined;
    const key = name.toLowerCase();
    if (key === 'securitytype') out.securityType = value;
    else if (key === 'diskcontrollertype' || key === 'diskcontrollertypes')
      out.diskControllerTypes = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (key === 'isacceleratednetworksupported' && flag !== undefined) out.acceleratedNetwork = flag;
    else if (key === 'ishibernatesupported' && flag !== undefined) out.hibernate = flag;
    else other[name] = value;
  }
  return { ...out, other };
}

function rangeOf(v: unknown): Json | undefined {
  const r = obj(v);
  if (!r) return undefined;
  const out = defined({ min: num(r.min), max: num(r.max) });
  return Object.keys(out).length ? out : undefined;
}

function imageRecord(r: RestResource): Json {
  const p = obj(r.properties) ?? {};
  const identifier = obj(p.identifier) ?? {};
  const plan = obj(p.purchasePlan);
  const recommended = obj(p.recommended);
  const hasPlan = plan !== undefined && [plan.name, plan.publisher, plan.product].some((v) => v !== undefined);
  return defined({
    ...common(r),
    description: str(p.description),
    publisher: str(identifier.publisher),
    offer: str(identifier.offer),
    sku: str(identifier.sku),
    osType: canonical(p.osType, ['Windows', 'Linux']),
    osState: canonical(p.osState, ['Generalized', 'Specialized']),
    hyperVGeneration: canonical(p.hyperVGeneration, ['V1', 'V2']) ?? 'V1',
    architecture: canonical(p.architecture, ['x64', 'Arm64']) ?? 'x64',
    features: featuresOf(arr(p.features)),
    recommended: defined({ vCPUs: rangeOf(recommended?.vCPUs), memoryGB: rangeOf(recommended?.memory) }),
    disallowedDiskTypes: arr(obj(p.disallowed)?.diskTypes),
    purchasePlan: hasPlan
      ? { name: str(plan.name) ?? '', publisher: str(plan.publisher) ?? '', product: str(plan.product) ?? '' }
      : undefined,
    eula: str(p.eula),
    privacyStatementUri: str(p.privacyStatementUri),
    releaseNoteUri: str(p.releaseNoteUri),
    endOfLifeDate: iso(p.endOfLifeDate),
    provisioningState: str(p.provisioningState) ?? 'Unknown',
  });
}

/** The kind of a version source from the resource type in its id. */
function sourceKind(id: string): string {
  const s = id.toLowerCase();
  if (s.includes('/providers/microsoft.compute/virtualmachines/')) return 'virtualMachine';
  if (s.includes('/providers/microsoft.compute/galleries/')) return 'galleryImageVersion';
  if (
    s.startsWith('/sharedgalleries/') ||
    /\/providers\/microsoft\.compute\/locations\/[^/]+\/sharedgalleries\//.test(s)
  )
    return 'sharedGalleryImage';
  if (
    s.startsWith('/communitygalleries/') ||
    /\/providers\/microsoft\.compute\/locations\/[^/]+\/communitygalleries\//.test(s)
  )
    return 'communityGalleryImage';
  if (s.includes('/providers/microsoft.compute/images/')) return 'managedImage';
  if (s.includes('/providers/microsoft.compute/snapshots/')) return 'snapshot';
  if (s.includes('/providers/microsoft.compute/disks/')) return 'disk';
  return 'other';
}

function sourceOf(storage: Json | undefined): Json {
  const src = obj(storage?.source);
  const disk = obj(obj(storage?.osDiskImage)?.source);
  if (str(src?.virtualMachineId)) return { kind: 'virtualMachine', sourceId: src?.virtualMachineId };
  if (str(src?.communityGalleryImageId))
    return { kind: 'communityGalleryImage', sourceId: src?.communityGalleryImageId };
  if (str(src?.id)) return { kind: sourceKind(src?.id as string), sourceId: src?.id };
  if (str(disk?.id)) return { kind: sourceKind(disk?.id as string), sourceId: disk?.id };
  if (str(disk?.uri)) return defined({ kind: 'vhd', sourceId: str(disk?.storageAccountId), uri: disk?.uri });
  return { kind: 'none' };
}

const AGGREGATED = ['Unknown', 'InProgress', 'Completed', 'Failed'] as const;
const REGIONAL = ['Unknown', 'Replicating', 'Completed', 'Failed'] as const;

function versionRecord(r: RestResource): Json {
  const p = obj(r.properties) ?? {};
  const pp = obj(p.publishingProfile) ?? {};
  const storage = obj(p.storageProfile);
  const status = obj(p.replicationStatus);
  const reported = status !== undefined;
  const aggregated = canonical(status?.aggregatedState, AGGREGATED) ?? 'Unknown';
  const replicaCount = num(pp.replicaCount) ?? 1;
  const storageAccountType = str(pp.storageAccountType) ?? 'Standard_LRS';
  const targets = arr(pp.targetRegions).length
    ? arr(pp.targetRegions).map((t) => obj(t) ?? {})
    : [{ name: r.location }];
  const summary = arr(status?.summary).map((s) => obj(s) ?? {});
  const targetRegions: Json[] = [];
  for (const t of targets) {
    const key = region(t.name);
    if (targetRegions.some((x) => x.region === key)) continue;
    const entry = summary.find((s) => region(s.region) === key);
    const without = !reported
      ? 'Unknown'
      : aggregated === 'Completed'
        ? 'Completed'
        : aggregated === 'InProgress'
          ? 'Replicating'
          : 'Unknown';
    targetRegions.push(
      defined({
        region: key,
        displayName: str(t.name) ?? '',
        replicaCount: num(t.regionalReplicaCount) ?? replicaCount,
        storageAccountType: str(t.storageAccountType) ?? storageAccountType,
        excludeFromLatest: bool(t.excludeFromLatest),
        replicationState: entry ? (canonical(entry.state, REGIONAL) ?? 'Unknown') : without,
        replicationDetails: nonEmpty(entry?.details),
        progress: num(entry?.progress),
      }),
    );
  }
  const disks = arr(storage?.dataDiskImages).map((d) => obj(d) ?? {});
  const safety = obj(p.safetyProfile) ?? {};
  return defined({
    ...common(r),
    provisioningState: str(p.provisioningState) ?? 'Unknown',
    publishedDate: iso(pp.publishedDate),
    excludeFromLatest: bool(pp.excludeFromLatest) ?? false,
    endOfLifeDate: iso(pp.endOfLifeDate),
    replicationMode: canonical(pp.replicationMode, ['Full', 'Shallow']) ?? 'Full',
    replicaCount,
    storageAccountType,
    source: sourceOf(storage),
    osDiskSizeGB: num(obj(storage?.osDiskImage)?.sizeInGB),
    dataDiskCount: disks.length,
    dataDiskSizesGB: disks.length
      ? [...disks]
          .sort((a, b) => (num(a.lun) ?? 0) - (num(b.lun) ?? 0))
          .flatMap((d) => (num(d.sizeInGB) !== undefined && (d.sizeInGB as number) >= 0 ? [d.sizeInGB] : []))
      : undefined,
    safetyProfile: defined({
      allowDeletionOfReplicatedLocations: bool(safety.allowDeletionOfReplicatedLocations),
      reportedForPolicyViolation: bool(safety.reportedForPolicyViolation),
      blockDeletionBeforeEndOfLife: bool(safety.blockDeletionBeforeEndOfLife),
    }),
    replicationStatusReported: reported,
    aggregatedReplicationState: aggregated,
    targetRegions,
  });
}

/** The record the catalog should hold for a gallery, image definition or version, from ARM's JSON of it. */
export function expectedRecord(r: RestResource): Json {
  const level = refOf(r.id).level;
  return level === 'gallery' ? galleryRecord(r) : level === 'image' ? imageRecord(r) : versionRecord(r);
}
