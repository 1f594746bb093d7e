/**
 * What the console shows of the replica advice, computed from the API's answers without the DOM
 * (shared by the browser code and its unit tests):
 * - the answers of `GET .../versions/{version}/replicas` and `GET /api/advice/replicas` as the
 *   console reads them (a unit test keeps these shapes assignable from the API's own types);
 * - the rows of the replica table of a chosen version, or of `latest` (each region's row comes from
 *   the version `latest` resolves to there);
 * - the groups using a version, in one shape whatever answer they come from;
 * - texts: replica status, storage estimate, money, risk;
 * - links from a version's ARM id to the version in the console's matrix, and back.
 */

// ---------------------------------------------------------------- API shapes (the fields read)

export interface ReplicaRuleView {
  code: string;
  /** The count this rule asks for (for `region-maximum`: the cap). */
  replicas: number;
  decisive: boolean;
  reason: string;
}

export interface ReplicaWarningView {
  code: string;
  message: string;
  region: string;
  recommended?: number;
}

/** A group of the caller's organization using a version in a region (`demand.groups[]`). */
export interface GroupUseView {
  account: string;
  kind: string;
  name: string;
  maximum: number;
  target: number;
  concurrentVms: number;
  scaleSet: boolean;
  production: boolean;
  onLatest: boolean;
}

export type ReplicaStatus = 'under-replicated' | 'ok' | 'over-replicated' | 'unused';

export interface RegionReplicas {
  region: string;
  targeted: boolean;
  source: boolean;
  storageAccountType?: string;
  current: number;
  recommended: number;
  status: ReplicaStatus;
  demand: {
    statelessGroups: number;
    statefulNodes: number;
    maximumVms: number;
    targetVms: number;
    concurrentVms: number;
    concurrentScaleSets: number;
    production: boolean;
    groups: GroupUseView[];
    /** Groups of subscriptions the caller does not act for: counted, not named. */
    otherGroups: number;
  };
  rules: readonly ReplicaRuleView[];
  warnings: readonly ReplicaWarningView[];
  storage?: {
    snapshots: number;
    billedGB: number;
    monthly?: number;
    egressGB: number;
    egressOneOff: number;
    recommendedMonthly?: number;
  };
}

/** `GET .../images/{image}/versions/{version}/replicas`. */
export interface VersionReplicas {
  id: string;
  image: string;
  version: string;
  location: string;
  replicationMode: string;
  sizeGB?: number;
  sizeBasis: string;
  burstFactor: number;
  currency: string;
  regions: RegionReplicas[];
  totals: { snapshots: number; billedGB: number; monthly?: number; egressOneOff: number; recommendedMonthly?: number };
  unpriced: readonly string[];
}

export interface UnderReplicatedItem {
  id: string;
  image: string;
  version: string;
  region: string;
  current: number;
  recommended: number;
  risk: number;
  concurrentVms: number;
  rules: readonly ReplicaRuleView[];
  groups: GroupUseView[];
  otherGroups: number;
}

export interface TrimItem {
  region: string;
  replicas: number;
  storageAccountType: string;
  action: 'remove-region' | 'reduce-to-one';
  snapshotsSaved: number;
  monthlySaving?: number;
}

export interface UnusedItem {
  id: string;
  image: string;
  version: string;
  sizeGB?: number;
  regions: TrimItem[];
  monthlySaving?: number;
}

/** `GET /api/advice/replicas`. */
export interface OrganizationAdvice {
  organization: string;
  burstFactor: number;
  currency: string;
  underReplicated: UnderReplicatedItem[];
  underReplicatedTotal: number;
  unused: UnusedItem[];
  unusedTotal: number;
  monthlySaving: number;
}

// ---------------------------------------------------------------- texts

/** The status of a region's replicas in words (the colour only repeats it). */
export const STATUS_TEXT: Readonly<Record<ReplicaStatus, string>> = {
  'under-replicated': 'Under-replicated',
  ok: 'As recommended',
  'over-replicated': 'More than its groups need',
  unused: 'No group uses it here',
};

/** The colour family of a status (the matrix's tones). */
export const STATUS_TONE: Readonly<Record<ReplicaStatus, 'failed' | 'ok' | 'progress' | 'absent'>> = {
  'under-replicated': 'failed',
  ok: 'ok',
  'over-replicated': 'progress',
  unused: 'absent',
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `2 of 7 recommended`, `3 (recommended 1)`, `0 (not targeted; 7 recommended)`. */
export function replicaCountText(r: Pick<RegionReplicas, 'current' | 'recommended' | 'targeted'>): string {
  if (!r.targeted) return `not targeted; ${r.recommended} recommended`;
  if (r.current < r.recommended) return `${r.current} of ${r.recommended} recommended`;
  return `${plural(r.current, 'replica')} (recommended ${r.recommended})`;
}

/** `vms-per-replica → 7, decides` */
export function ruleHeadline(rule: ReplicaRuleView): string {
  return `${rule.code} → ${rule.replicas}${rule.decisive ? ', decides' : ''}`;
}

/** An amount in the answer's currency, two decimals: `USD 3.50`. */
export function moneyText(amount: number, currency: string): string {
  return `${currency} ${amount.toFixed(2)}`;
}

/** Risk (recommended − current) / recommended as a percentage: `71%`. */
export function riskText(risk: number): string {
  return `${Math.round(risk * 100)}%`;
}

/** The demand of a region in words: `140 VMs at once, 2 scale sets at once (maximum 140, target 70)`. */
export function demandText(d: RegionReplicas['demand']): string {
  if (d.statelessGroups + d.statefulNodes === 0) return 'No group of your organization uses it here.';
  const parts = [`${plural(d.concurrentVms, 'VM')} at once`];
  if (d.concurrentScaleSets > 0) parts.push(`${plural(d.concurrentScaleSets, 'scale set')} at once`);
  if (d.production) parts.push('production');
  return `${parts.join(', ')} (maximum ${d.maximumVms}, target ${d.targetVms})`;
}

/**
 * The storage estimate of a region in lines: snapshots and GB billed, the monthly cost now and at
 * the recommended count, the one-off egress of the first copy. Undefined without an estimate.
 */
export function storageLines(
  r: Pick<RegionReplicas, 'storage' | 'storageAccountType' | 'recommended' | 'current'>,
  sizeGB: number | undefined,
  currency: string,
): string[] | undefined {
  const s = r.storage;
  if (!s) return undefined;
  const lines = [
    `${plural(s.snapshots, 'snapshot')}${sizeGB === undefined ? '' : ` × ${sizeGB} GB`} = ${s.billedGB} GB`,
  ];
  if (s.monthly === undefined)
    lines.push(`No price for ${r.storageAccountType ?? 'its storage account type'}: no monthly figure`);
  else if (s.recommendedMonthly !== undefined && r.recommended !== r.current)
    lines.push(
      `${moneyText(s.monthly, currency)} a month now, ${moneyText(s.recommendedMonthly, currency)} at ${r.recommended}`,
    );
  else lines.push(`${moneyText(s.monthly, currency)} a month`);
  if (s.egressGB > 0) lines.push(`First copy: ${s.egressGB} GB egress, ${moneyText(s.egressOneOff, currency)} once`);
  return lines;
}

/** The totals of a version's answer in one sentence. */
export function totalsText(a: Pick<VersionReplicas, 'totals' | 'currency' | 'unpriced' | 'sizeGB'>): string {
  if (a.sizeGB === undefined)
    return `${plural(a.totals.snapshots, 'snapshot')} in all; ARM reported no disk size, so there is no storage estimate.`;
  const t = a.totals;
  const monthly =
    t.monthly === undefined
      ? `no monthly total (no price for ${a.unpriced.join(', ')})`
      : `${moneyText(t.monthly, a.currency)} a month${t.recommendedMonthly !== undefined && t.recommendedMonthly !== t.monthly ? ` now, ${moneyText(t.recommendedMonthly, a.currency)} at the recommended counts` : ''}`;
  return `In all: ${plural(t.snapshots, 'snapshot')} of ${a.sizeGB} GB, ${t.billedGB} GB billed, ${monthly}; first copies ${moneyText(t.egressOneOff, a.currency)} once.`;
}

// ---------------------------------------------------------------- rows of the replica table

export interface ReplicaRow {
  region: string;
  /** The version the row is about (for `latest`, what it resolves to in the region). */
  version: string;
  /** That version's size and currency, for its storage lines. */
  sizeGB?: number;
  currency: string;
  replicas: RegionReplicas;
}

/**
 * The rows for a chosen version: its regions in the matrix's order, then the regions where groups
 * use it without it being targeted. For `latest`: in each matrix region where `latest` resolves to
 * a version, that version's row for the region (regions where nothing qualifies have none).
 */
export function replicaRows(
  chosen: string,
  regions: readonly string[],
  latest: Readonly<Record<string, string | undefined>>,
  answers: ReadonlyMap<string, VersionReplicas>,
): ReplicaRow[] {
  const row = (a: VersionReplicas, r: RegionReplicas): ReplicaRow => ({
    region: r.region,
    version: a.version,
    ...(a.sizeGB === undefined ? {} : { sizeGB: a.sizeGB }),
    currency: a.currency,
    replicas: r,
  });
  if (chosen !== 'latest') {
    const a = answers.get(chosen);
    if (!a) return [];
    const order = (region: string): number => (regions.includes(region) ? regions.indexOf(region) : regions.length);
    return [...a.regions]
      .sort((x, y) => order(x.region) - order(y.region) || x.region.localeCompare(y.region))
      .map((r) => row(a, r));
  }
  const out: ReplicaRow[] = [];
  for (const region of regions) {
    const v = latest[region];
    const a = v === undefined ? undefined : answers.get(v);
    const r = a?.regions.find((x) => x.region === region);
    if (a && r) out.push(row(a, r));
  }
  return out;
}

/** The versions whose answers `replicaRows` needs. */
export function versionsToLoad(
  chosen: string,
  regions: readonly string[],
  latest: Readonly<Record<string, string | undefined>>,
): string[] {
  if (chosen !== 'latest') return [chosen];
  return [...new Set(regions.map((r) => latest[r]).filter((v): v is string => v !== undefined))];
}

// ---------------------------------------------------------------- groups on a version

/**
 * One group running a version, whatever answer it comes from (today the demand of the replicas
 * answer; another answer naming groups per version can produce the same shape and reuse the
 * console's rendering).
 */
export interface GroupOnVersion {
  region: string;
  account: string;
  kind: string;
  name: string;
  maximum: number;
  target: number;
  scaleSet: boolean;
  production: boolean;
  /** The group asks for `latest`, which resolves to this version in its region now. */
  onLatest: boolean;
}

export interface GroupsOnVersion {
  groups: GroupOnVersion[];
  /** Groups counted but not named (subscriptions the caller does not act for), per region. */
  unnamed: { region: string; count: number }[];
}

/** The groups using a version, by region then name, from its replicas answer. */
export function groupsOfVersion(a: {
  regions: readonly { region: string; demand: { groups: readonly GroupUseView[]; otherGroups: number } }[];
}): GroupsOnVersion {
  const groups = a.regions
    .flatMap((r) =>
      r.demand.groups.map((g): GroupOnVersion => ({
        region: r.region,
        account: g.account,
        kind: g.kind,
        name: g.name,
        maximum: g.maximum,
        target: g.target,
        scaleSet: g.scaleSet,
        production: g.production,
        onLatest: g.onLatest,
      })),
    )
    .sort(
      (x, y) => x.region.localeCompare(y.region) || x.name.localeCompare(y.name) || x.account.localeCompare(y.account),
    );
  const unnamed = a.regions
    .filter((r) => r.demand.otherGroups > 0)
    .map((r) => ({ region: r.region, count: r.demand.otherGroups }));
  return { groups, unnamed };
}

/** `web-a in westeurope: stateless group of act-1, maximum 60, target 30, scale set, production, on latest`. */
export function groupText(g: GroupOnVersion): string {
  const what =
    g.kind === 'statefulNode'
      ? `stateful node of ${g.account}`
      : `stateless group of ${g.account}, maximum ${g.maximum}, target ${g.target}`;
  return `${g.name} in ${g.region}: ${what}${g.scaleSet ? ', scale set' : ''}${g.production ? ', production' : ''}, ${g.onLatest ? 'on latest' : 'pinned'}`;
}

export function unnamedText(u: { region: string; count: number }): string {
  return `${plural(u.count, 'group')} in ${u.region} of subscriptions you do not act for`;
}

// ---------------------------------------------------------------- links to a version in the matrix

export interface VersionLocation {
  subscriptionId: string;
  resourceGroup: string;
  gallery: string;
  image: string;
  version: string;
}

const VERSION_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/i;

/** A version's ARM id → where it is; undefined for anything else. */
export function versionLocation(id: string): VersionLocation | undefined {
  const m = VERSION_ID.exec(id);
  if (!m) return undefined;
  const [, subscriptionId = '', resourceGroup = '', gallery = '', image = '', version = ''] = m;
  return { subscriptionId, resourceGroup, gallery, image, version };
}

/** The console's address of a version in the matrix: `#/catalog/subscriptions/{s}/resourceGroups/{rg}/galleries/{g}/images/{i}/versions/{v}`. */
export function versionHash(l: VersionLocation): string {
  const e = encodeURIComponent;
  return `#/catalog/subscriptions/${e(l.subscriptionId)}/resourceGroups/${e(l.resourceGroup)}/galleries/${e(l.gallery)}/images/${e(l.image)}/versions/${e(l.version)}`;
}

/** `versionHash` read back (the fragment with or without `#`); undefined for any other fragment. */
export function parseVersionHash(hash: string): VersionLocation | undefined {
  const m =
    /^#?\/catalog\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/.exec(
      hash,
    );
  if (!m) return undefined;
  try {
    const [subscriptionId = '', resourceGroup = '', gallery = '', image = '', version = ''] = m
      .slice(1)
      .map((s) => decodeURIComponent(s));
    return { subscriptionId, resourceGroup, gallery, image, version };
  } catch {
    return undefined; // a malformed escape
  }
}

// ---------------------------------------------------------------- the organization's advice

/** `eastus: remove the region (2 Standard_LRS replicas), saves USD 1.00 a month`. */
export function trimText(t: TrimItem, currency: string): string {
  const what =
    t.action === 'reduce-to-one'
      ? `source region: keep one of its ${t.replicas} ${t.storageAccountType} replicas (${plural(t.snapshotsSaved, 'snapshot')} fewer)`
      : `remove the region (${plural(t.replicas, `${t.storageAccountType} replica`)})`;
  const saving =
    t.monthlySaving === undefined
      ? `no price for ${t.storageAccountType}`
      : `saves ${moneyText(t.monthlySaving, currency)} a month`;
  return `${t.region}: ${what}, ${saving}`;
}

/** `Showing all 3` or `Showing the first 100 of 240`. */
export function listedText(listed: number, total: number): string {
  return listed === total ? `${plural(total, 'item')}` : `the first ${listed} of ${total}`;
}

/** The last segment of an ARM id: the image definition's name of an image id. */
export function lastName(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}
