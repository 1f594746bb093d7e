/**
 * Replica and cost advice from real demand: how many replicas each version should keep in each
 * region for the groups that actually use it, and what its replicas cost.
 *
 * Demand is read from the group records of the caller's organization (every subscription of it):
 * every group counts on the version it runs (its last successful job's): a group pinned to a
 * version on that version, a group on `latest` on the version `latest` gave it, until a roll to a
 * newer latest succeeds (while the roll soaks, waits or failed, it still runs the earlier one; the
 * rollout, shared/autoroll/views.ts, says the same). Other
 * organizations' groups are never counted (nor disclosed). Groups of subscriptions the caller does
 * not act for count in the numbers but are not named (`otherGroups`).
 *
 * What it guarantees: the caller sees advice only about versions it can see (an invisible version
 * is a 404 like a missing one); trimming advice only for galleries of the subscriptions it acts
 * for; the rules and the estimate come from shared/domain/replicas.ts (pure), so every figure
 * carries the rule and the reason that produced it.
 */
import { z } from 'zod';
import type { CatalogStore } from '../catalog/store.js';
import type { OrganizationDirectory } from '../access/directory.js';
import { NotVisibleError, type CatalogLookups } from '../lookups/lookups.js';
import type { GroupRecord } from '../jobs/store.js';
import { actsFor, type Caller } from '../domain/visibility.js';
import {
  formatResourceId,
  parentOf,
  resourceKey,
  tryParseResourceId,
  type ImageRef,
  type VersionRef,
} from '../domain/ids.js';
import type {
  ImageDefinitionRecord,
  ImageVersionRecord,
  ReplicationMode,
  TargetRegionRecord,
} from '../domain/records.js';
import { normalizeRegion } from '../domain/regions.js';
import {
  concurrentVmsOf,
  groupLoadOf,
  imageSizeGB,
  money,
  recommendReplicas,
  regionDemand,
  regionDemandSchema,
  replicaAdvice,
  replicaRuleSchema,
  replicaWarningSchema,
  specVersionOf,
  storageEstimate,
  type GroupLoad,
  type RegionDemand,
  type ReplicaPrices,
  type ReplicaRule,
  type ReplicaWarning,
  type StorageEstimate,
} from '../domain/replicas.js';
import type { Assert, SameShape } from '../domain/schemas.js';

/** Where group records come from (the job store). */
export interface GroupSource {
  listGroups(
    subscriptionId: string,
    after: string | undefined,
    top: number,
  ): Promise<{ items: GroupRecord[]; next?: string }>;
}

export interface ReplicaAdvisorDeps {
  catalog: CatalogStore;
  lookups: CatalogLookups;
  directory: OrganizationDirectory;
  groups: GroupSource;
  burstFactor: number;
  prices: ReplicaPrices;
}

/** A group using a version in a region. */
interface UsingGroup {
  readonly subscriptionId: string;
  readonly account: string;
  readonly region: string;
  readonly load: GroupLoad;
  readonly onLatest: boolean;
}

interface VersionDemand {
  readonly ref: VersionRef;
  readonly groups: UsingGroup[];
}

export interface GroupUseView {
  account: string;
  kind: string;
  name: string;
  maximum: number;
  target: number;
  concurrentVms: number;
  scaleSet: boolean;
  production: boolean;
  /** The group asks for `latest`; it runs this version until a roll to a newer latest succeeds. */
  onLatest: boolean;
}

export const groupUseViewSchema = z.strictObject({
  account: z.string(),
  kind: z.string(),
  name: z.string(),
  maximum: z.number().int(),
  target: z.number().int(),
  concurrentVms: z.number().int(),
  scaleSet: z.boolean(),
  production: z.boolean(),
  onLatest: z
    .boolean()
    .describe('The group asks for latest; it runs this version until a roll to a newer latest succeeds'),
});
type _GroupUseChecked = Assert<SameShape<GroupUseView, z.infer<typeof groupUseViewSchema>>>;

export type RegionStatus = 'under-replicated' | 'ok' | 'over-replicated' | 'unused';

export interface RegionReplicasView {
  region: string;
  /** The version targets the region (a pinned group may use a version in a region it no longer targets). */
  targeted: boolean;
  /** The version's source region. */
  source: boolean;
  storageAccountType?: string;
  /** The region's replica count (regional, else the version's default); 0 when not targeted. */
  current: number;
  recommended: number;
  status: RegionStatus;
  demand: Omit<RegionDemand, 'region'> & { groups: GroupUseView[]; otherGroups: number };
  rules: readonly ReplicaRule[];
  warnings: readonly ReplicaWarning[];
  /** Snapshot storage of the current replicas, and of the recommended count. */
  storage?: {
    snapshots: number;
    billedGB: number;
    monthly?: number;
    egressGB: number;
    egressOneOff: number;
    recommendedMonthly?: number;
  };
}

export const regionReplicasViewSchema = z.strictObject({
  region: z.string(),
  targeted: z
    .boolean()
    .describe('The version targets the region (a pinned group may use a version in a region it no longer targets)'),
  source: z.boolean().describe("The version's source region"),
  storageAccountType: z.string().optional(),
  current: z
    .number()
    .int()
    .describe("The region's replica count (regional, else the version's default); 0 when not targeted"),
  recommended: z.number().int(),
  status: z.enum(['under-replicated', 'ok', 'over-replicated', 'unused']),
  demand: regionDemandSchema
    .omit({ region: true })
    .extend({ groups: z.array(groupUseViewSchema), otherGroups: z.number().int() })
    .describe(
      "Groups of the caller's organization using the version in the region; groups of subscriptions the caller does not act for are only counted (otherGroups)",
    ),
  rules: z.array(replicaRuleSchema),
  warnings: z.array(replicaWarningSchema),
  storage: z
    .strictObject({
      snapshots: z.number().int(),
      billedGB: z.number(),
      monthly: z.number().optional(),
      egressGB: z.number(),
      egressOneOff: z.number(),
      recommendedMonthly: z.number().optional(),
    })
    .describe('Snapshot storage of the current replicas, and of the recommended count')
    .optional(),
});
type _RegionReplicasChecked = Assert<SameShape<RegionReplicasView, z.infer<typeof regionReplicasViewSchema>>>;

export interface VersionReplicasView {
  id: string;
  image: string;
  version: string;
  location: string;
  replicationMode: ReplicationMode;
  /** OS disk image plus data disk images, from the storage profile; absent when ARM reported no size. */
  sizeGB?: number;
  sizeBasis: string;
  burstFactor: number;
  currency: string;
  regions: RegionReplicasView[];
  totals: { snapshots: number; billedGB: number; monthly?: number; egressOneOff: number; recommendedMonthly?: number };
  unpriced: readonly string[];
}

export const versionReplicasViewSchema = z.strictObject({
  id: z.string(),
  image: z.string().describe('Image definition id'),
  version: z.string(),
  location: z.string(),
  replicationMode: z.enum(['Full', 'Shallow']),
  sizeGB: z
    .number()
    .describe('OS disk image plus data disk images, from the storage profile; absent when ARM reported no size')
    .optional(),
  sizeBasis: z.string(),
  burstFactor: z.number(),
  currency: z.string(),
  regions: z.array(regionReplicasViewSchema),
  totals: z.strictObject({
    snapshots: z.number().int(),
    billedGB: z.number(),
    monthly: z.number().optional(),
    egressOneOff: z.number(),
    recommendedMonthly: z.number().optional(),
  }),
  unpriced: z.array(z.string()).describe('Storage account types without a price setting'),
});
type _VersionReplicasChecked = Assert<SameShape<VersionReplicasView, z.infer<typeof versionReplicasViewSchema>>>;

export interface UnderReplicatedView {
  id: string;
  image: string;
  version: string;
  region: string;
  current: number;
  recommended: number;
  /** (recommended − current) / recommended: 1 = no replica at all for a real demand. */
  risk: number;
  concurrentVms: number;
  rules: readonly ReplicaRule[];
  groups: GroupUseView[];
  otherGroups: number;
}

export interface TrimView {
  region: string;
  replicas: number;
  storageAccountType: string;
  /** `remove-region` outside the source region; `reduce-to-one` in it (a version keeps its source region). */
  action: 'remove-region' | 'reduce-to-one';
  snapshotsSaved: number;
  monthlySaving?: number;
}

export interface UnusedView {
  id: string;
  image: string;
  version: string;
  sizeGB?: number;
  regions: TrimView[];
  monthlySaving?: number;
}

export interface OrganizationAdviceView {
  organization: string;
  burstFactor: number;
  currency: string;
  underReplicated: UnderReplicatedView[];
  underReplicatedTotal: number;
  unused: UnusedView[];
  unusedTotal: number;
  /** Sum of the priced savings of every unused version (not only those listed). */
  monthlySaving: number;
}

const underReplicatedViewSchema = z.strictObject({
  id: z.string(),
  image: z.string().describe('Image definition id'),
  version: z.string(),
  region: z.string(),
  current: z.number().int(),
  recommended: z.number().int(),
  risk: z.number().describe('(recommended − current) / recommended'),
  concurrentVms: z.number().int(),
  rules: z.array(replicaRuleSchema),
  groups: z.array(groupUseViewSchema),
  otherGroups: z.number().int(),
});
type _UnderReplicatedChecked = Assert<SameShape<UnderReplicatedView, z.infer<typeof underReplicatedViewSchema>>>;

const trimViewSchema = z.strictObject({
  region: z.string(),
  replicas: z.number().int(),
  storageAccountType: z.string(),
  action: z
    .enum(['remove-region', 'reduce-to-one'])
    .describe('remove-region outside the source region; reduce-to-one in it (a version keeps its source region)'),
  snapshotsSaved: z.number().int(),
  monthlySaving: z.number().optional(),
});
type _TrimChecked = Assert<SameShape<TrimView, z.infer<typeof trimViewSchema>>>;

const unusedViewSchema = z.strictObject({
  id: z.string(),
  image: z.string().describe('Image definition id'),
  version: z.string(),
  sizeGB: z.number().optional(),
  regions: z.array(trimViewSchema),
  monthlySaving: z.number().optional(),
});
type _UnusedChecked = Assert<SameShape<UnusedView, z.infer<typeof unusedViewSchema>>>;

export const organizationAdviceViewSchema = z.strictObject({
  organization: z.string(),
  burstFactor: z.number(),
  currency: z.string(),
  underReplicated: z.array(underReplicatedViewSchema).describe('Most at risk first'),
  underReplicatedTotal: z.number().int(),
  unused: z.array(unusedViewSchema),
  unusedTotal: z.number().int(),
  monthlySaving: z.number().describe('Sum of the priced savings of every unused version (not only those listed)'),
});
type _AdviceChecked = Assert<SameShape<OrganizationAdviceView, z.infer<typeof organizationAdviceViewSchema>>>;

export const SIZE_BASIS =
  'storageProfile sizeInGB of the OS and data disk images (the provisioned size: an upper bound of the occupied size snapshots are billed on)';
const GROUPS_PAGE = 1000;

export class ReplicaAdvisor {
  constructor(private readonly deps: ReplicaAdvisorDeps) {}

  /** Replicas of one version the caller sees, per region: current, demand, recommended with its rules, storage estimate. */
  async versionReplicas(caller: Caller, ref: VersionRef): Promise<VersionReplicasView> {
    await this.deps.lookups.image(caller, parentOf(ref)); // NotVisibleError (404) when the caller does not see it
    const version = (await this.deps.catalog.getVersion(ref))?.record;
    if (!version) throw new NotVisibleError();
    const demand = (await this.organizationDemand(caller)).get(resourceKey(version.ref))?.groups ?? [];
    const sizeGB = imageSizeGB(version);
    const regions = regionsOf(version, demand).map((r) =>
      this.regionView(caller, version, r.region, r.target, demand, sizeGB),
    );
    const current = sizeGB === undefined ? undefined : this.estimate(version, sizeGB, (t) => t.replicaCount);
    const recommended =
      sizeGB === undefined
        ? undefined
        : this.estimate(
            version,
            sizeGB,
            (t) => regions.find((r) => r.region === t.region)?.recommended ?? t.replicaCount,
          );
    return {
      id: version.id,
      image: formatResourceId(parentOf(version.ref)),
      version: version.ref.version,
      location: version.location,
      replicationMode: version.replicationMode,
      ...(sizeGB === undefined ? {} : { sizeGB }),
      sizeBasis: SIZE_BASIS,
      burstFactor: this.deps.burstFactor,
      currency: this.deps.prices.currency,
      regions,
      totals: {
        snapshots: current?.snapshots ?? version.targetRegions.reduce((n, t) => n + t.replicaCount, 0),
        billedGB: current?.billedGB ?? 0,
        ...(current?.monthly === undefined ? {} : { monthly: current.monthly }),
        egressOneOff: current?.egressOneOff ?? 0,
        ...(recommended?.monthly === undefined ? {} : { recommendedMonthly: recommended.monthly }),
      },
      unpriced: current?.unpriced ?? [],
    };
  }

  /** The caller's organization: under-replicated versions (most at risk first) and replicas nobody uses (largest saving first). */
  async organizationAdvice(caller: Caller, top: number): Promise<OrganizationAdviceView> {
    const demand = await this.organizationDemand(caller);
    const under: UnderReplicatedView[] = [];
    const visibleImages = new Map<string, boolean>();
    for (const { ref, groups } of demand.values()) {
      const version = (await this.deps.catalog.getVersion(ref))?.record;
      if (!version) continue;
      const imageKey = resourceKey(parentOf(version.ref));
      if (!visibleImages.has(imageKey)) visibleImages.set(imageKey, await this.sees(caller, parentOf(version.ref)));
      if (!visibleImages.get(imageKey)) continue;
      for (const r of regionsOf(version, groups)) {
        const view = this.regionView(caller, version, r.region, r.target, groups, undefined);
        if (view.status !== 'under-replicated') continue;
        under.push({
          id: version.id,
          image: formatResourceId(parentOf(version.ref)),
          version: version.ref.version,
          region: view.region,
          current: view.current,
          recommended: view.recommended,
          risk: Math.round(((view.recommended - view.current) / view.recommended) * 100) / 100,
          concurrentVms: view.demand.concurrentVms,
          rules: view.rules,
          groups: view.demand.groups,
          otherGroups: view.demand.otherGroups,
        });
      }
    }
    under.sort(
      (a, b) =>
        b.risk - a.risk ||
        b.concurrentVms - a.concurrentVms ||
        a.id.localeCompare(b.id) ||
        a.region.localeCompare(b.region),
    );

    const unused = await this.unusedReplicas(caller, demand);
    unused.sort((a, b) => (b.monthlySaving ?? -1) - (a.monthlySaving ?? -1) || a.id.localeCompare(b.id));
    return {
      organization: caller.organizationId,
      burstFactor: this.deps.burstFactor,
      currency: this.deps.prices.currency,
      underReplicated: under.slice(0, top),
      underReplicatedTotal: under.length,
      unused: unused.slice(0, top),
      unusedTotal: unused.length,
      monthlySaving: money(unused.reduce((n, u) => n + (u.monthlySaving ?? 0), 0)),
    };
  }

  // ---------------------------------------------------------------- demand

  /** Every group of the caller's organization that uses a gallery version, by version key. */
  private async organizationDemand(caller: Caller): Promise<Map<string, VersionDemand>> {
    const organization = (await this.deps.directory.organizations()).find(
      (o) => o.id.toLowerCase() === caller.organizationId.toLowerCase(),
    );
    const byVersion = new Map<string, VersionDemand>();
    for (const subscriptionId of organization?.subscriptionIds ?? []) {
      let after: string | undefined;
      do {
        const page = await this.deps.groups.listGroups(subscriptionId, after, GROUPS_PAGE);
        for (const group of page.items) {
          const used = this.versionUsedBy(group);
          if (!used) continue;
          const key = resourceKey(used.ref);
          const entry = byVersion.get(key) ?? { ref: used.ref, groups: [] };
          entry.groups.push({
            subscriptionId,
            account: group.account,
            region: normalizeRegion(group.region),
            load: used.load,
            onLatest: used.onLatest,
          });
          byVersion.set(key, entry);
        }
        after = page.next;
      } while (after !== undefined);
    }
    return byVersion;
  }

  /**
   * The version a group creates its VMs from now: the one its last successful job gave it (pinned,
   * or what `latest` resolved to then). A group on `latest` keeps it until a roll to a newer latest
   * succeeds (a soaking, pending, held or failed roll leaves it there), as the rollout shows it.
   */
  private versionUsedBy(group: GroupRecord): { ref: VersionRef; load: GroupLoad; onLatest: boolean } | undefined {
    const load = groupLoadOf(group.kind, group.spec);
    const named = specVersionOf(group.kind, group.spec);
    const resolved = group.imageVersionId === undefined ? undefined : tryParseResourceId(group.imageVersionId);
    if (!load || !named || resolved?.level !== 'version') return undefined;
    return { ref: resolved, load, onLatest: named.latest };
  }

  private async sees(caller: Caller, ref: ImageRef): Promise<boolean> {
    try {
      await this.deps.lookups.image(caller, ref);
      return true;
    } catch (err) {
      if (err instanceof NotVisibleError) return false;
      throw err;
    }
  }

  // ---------------------------------------------------------------- views

  private regionView(
    caller: Caller,
    version: ImageVersionRecord,
    region: string,
    target: TargetRegionRecord | undefined,
    demand: readonly UsingGroup[],
    sizeGB: number | undefined,
  ): RegionReplicasView {
    const here = demand.filter((g) => g.region === region);
    const d = regionDemand(
      region,
      here.map((g) => g.load),
      this.deps.burstFactor,
    );
    const rec = recommendReplicas(d);
    const current = target?.replicaCount ?? 0;
    const status: RegionStatus =
      current < rec.recommended
        ? 'under-replicated'
        : here.length === 0
          ? 'unused'
          : current > rec.recommended
            ? 'over-replicated'
            : 'ok';
    const readable = here.filter((g) => actsFor(caller, g.subscriptionId));
    const source = region === version.location;
    const { region: _region, ...numbers } = d;
    const view: RegionReplicasView = {
      region,
      targeted: target !== undefined,
      source,
      ...(target ? { storageAccountType: target.storageAccountType } : {}),
      current,
      recommended: rec.recommended,
      status,
      demand: {
        ...numbers,
        groups: readable.map((g) => groupView(g, this.deps.burstFactor)),
        otherGroups: here.length - readable.length,
      },
      rules: rec.rules,
      warnings: replicaAdvice({
        region,
        replicaCount: current,
        replicationMode: version.replicationMode,
        concurrentVms: d.concurrentVms,
        concurrentScaleSets: d.concurrentScaleSets,
        production: d.production,
      }),
    };
    if (sizeGB !== undefined && target) {
      const input = { region, storageAccountType: target.storageAccountType, source };
      const now = storageEstimate(sizeGB, [{ ...input, replicas: current }], this.deps.prices).regions[0];
      const then = storageEstimate(sizeGB, [{ ...input, replicas: rec.recommended }], this.deps.prices).regions[0];
      if (now && then) {
        view.storage = {
          snapshots: now.snapshots,
          billedGB: now.billedGB,
          ...(now.monthly === undefined ? {} : { monthly: now.monthly }),
          egressGB: now.egressGB,
          egressOneOff: now.egressOneOff,
          ...(then.monthly === undefined ? {} : { recommendedMonthly: then.monthly }),
        };
      }
    }
    return view;
  }

  private estimate(
    version: ImageVersionRecord,
    sizeGB: number,
    replicas: (t: TargetRegionRecord) => number,
  ): StorageEstimate {
    return storageEstimate(
      sizeGB,
      version.targetRegions.map((t) => ({
        region: t.region,
        replicas: replicas(t),
        storageAccountType: t.storageAccountType,
        source: t.region === version.location,
      })),
      this.deps.prices,
    );
  }

  /** Versions in the caller's own galleries replicated to regions where no group uses them and `latest` does not point at them. */
  private async unusedReplicas(caller: Caller, demand: Map<string, VersionDemand>): Promise<UnusedView[]> {
    const out: UnusedView[] = [];
    for (const subscriptionId of caller.subscriptionIds) {
      for (const gallery of await this.deps.catalog.listGalleries(subscriptionId)) {
        for (const image of await this.deps.catalog.listImages(gallery.ref)) {
          const versions = (await this.deps.catalog.listVersions(image.ref)).filter(
            (v) => v.provisioningState === 'Succeeded',
          );
          // What `latest` resolves to in each region, once per definition.
          const latest = new Map<string, string | undefined>();
          for (const region of new Set(versions.flatMap((v) => v.targetRegions.map((t) => t.region)))) {
            const v = (await this.deps.lookups.resolveLatest(image, region)).version;
            latest.set(region, v && resourceKey(v.ref));
          }
          for (const version of versions) {
            const view = this.trimmable(image, version, demand.get(resourceKey(version.ref))?.groups ?? [], latest);
            if (view) out.push(view);
          }
        }
      }
    }
    return out;
  }

  private trimmable(
    image: ImageDefinitionRecord,
    version: ImageVersionRecord,
    demand: readonly UsingGroup[],
    latest: ReadonlyMap<string, string | undefined>,
  ): UnusedView | undefined {
    const sizeGB = imageSizeGB(version);
    const regions: TrimView[] = [];
    for (const t of version.targetRegions) {
      if (demand.some((g) => g.region === t.region)) continue;
      if (latest.get(t.region) === resourceKey(version.ref)) continue; // new groups on latest get it here
      const source = t.region === version.location;
      const saved = source ? t.replicaCount - 1 : t.replicaCount;
      if (saved <= 0) continue;
      const price = this.deps.prices.perGBMonth[t.storageAccountType];
      regions.push({
        region: t.region,
        replicas: t.replicaCount,
        storageAccountType: t.storageAccountType,
        action: source ? 'reduce-to-one' : 'remove-region',
        snapshotsSaved: saved,
        ...(sizeGB === undefined || price === undefined ? {} : { monthlySaving: money(saved * sizeGB * price) }),
      });
    }
    if (regions.length === 0) return undefined;
    const priced = regions.every((r) => r.monthlySaving !== undefined);
    return {
      id: version.id,
      image: image.id,
      version: version.ref.version,
      ...(sizeGB === undefined ? {} : { sizeGB }),
      regions,
      ...(priced ? { monthlySaving: money(regions.reduce((n, r) => n + (r.monthlySaving ?? 0), 0)) } : {}),
    };
  }
}

/** The regions to report: every target region, then regions where groups use the version without it being targeted there. */
function regionsOf(
  version: ImageVersionRecord,
  demand: readonly UsingGroup[],
): { region: string; target?: TargetRegionRecord }[] {
  const out: { region: string; target?: TargetRegionRecord }[] = version.targetRegions.map((t) => ({
    region: t.region,
    target: t,
  }));
  for (const g of demand) if (!out.some((r) => r.region === g.region)) out.push({ region: g.region });
  return out;
}

function groupView(g: UsingGroup, burstFactor: number): GroupUseView {
  return {
    account: g.account,
    kind: g.load.kind,
    name: g.load.name,
    maximum: g.load.maximum,
    target: g.load.target,
    concurrentVms: concurrentVmsOf(g.load, burstFactor),
    scaleSet: g.load.scaleSet,
    production: g.load.production,
    onLatest: g.onLatest,
  };
}
