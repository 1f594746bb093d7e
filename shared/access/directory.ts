/**
 * Organizations, their accounts (subscriptions, with their Spot account ids), the principals that
 * act for them, and the organization shares (grants) that mirror RBAC scopes. An administrator
 * manages them through `PUT /api/admin/organizations/{id}`; they live in the `<prefix>orgs` table
 * and are cached for a short time by each instance.
 */
import { z } from 'zod';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { parseResourceId, isSubscriptionId, type GalleryRef, type ImageRef } from '../domain/ids.js';
import { subscriptionForAccount, type Caller, type Grant, type Organization } from '../domain/visibility.js';
import { encodeKeyPart } from '../catalog/keys.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { entityLimitProblem } from '../storage/entity-limits.js';
import { administratorProblems, type Membership } from '../domain/administration.js';
import { applySettingsProblems, applySettingsSchema } from '../domain/apply.js';

// Lower-cased in place (`overwrite`: the type stays a string, so the schema also describes the stored document).
const guid = z
  .string()
  .refine(isSubscriptionId, 'must be a GUID')
  .overwrite((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

export const ORGANIZATION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const organizationDocumentSchema = z.strictObject({
  tenantId: guid,
  displayName: z.string().max(256).optional(),
  subscriptions: z
    .array(
      z.strictObject({
        subscriptionId: guid,
        spotAccountId: z
          .string()
          // Any case (no `i` flag: JSON Schema patterns have none, and the OpenAPI document shows this one).
          .regex(/^[Aa][Cc][Tt]-[0-9A-Za-z]{8}$/, 'must be a Spot account id like act-1a2b3c4d')
          .overwrite((s) => s.toLowerCase())
          .optional(),
      }),
    )
    .min(1)
    .max(1000),
  principals: z
    .array(
      z.strictObject({
        tenantId: guid,
        objectId: guid,
        /** The subscriptions this principal acts for; absent = every subscription of the organization. */
        subscriptionIds: z
          .array(guid)
          .max(1000)
          .describe('The subscriptions this principal acts for; absent: every subscription of the organization')
          .optional(),
        /** An administrator of this organization (with the app role Catalog.Admin; a principal of the organization's tenant). */
        administrator: z
          .boolean()
          .describe(
            "An administrator of this organization (with Catalog.Admin): a principal of the organization's own tenant",
          )
          .optional(),
      }),
    )
    .max(1000),
  grants: z
    .array(
      z.strictObject({
        /** A gallery or image definition id in one of the organization's subscriptions. */
        scope: z.string().max(1024).describe('Gallery or image definition id'),
        /** The grantee subscription; absent = every subscription of the organization. */
        subscriptionId: guid
          .describe('The grantee subscription; absent: every subscription of the organization')
          .optional(),
      }),
    )
    .max(5000)
    .default([]),
  apply: applySettingsSchema.optional(),
});

export type OrganizationDocument = z.infer<typeof organizationDocumentSchema>;

/** An organization as stored and answered: its document and its id. */
export const storedOrganizationSchema = organizationDocumentSchema.extend({ id: z.string().regex(ORGANIZATION_ID) });
export type StoredOrganization = z.infer<typeof storedOrganizationSchema>;
/** GET /api/manage/organizations. */
export const organizationListSchema = z.strictObject({ items: z.array(storedOrganizationSchema) });

export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 409 | 413,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

interface Snapshot {
  at: number;
  organizations: StoredOrganization[];
  /** The same organizations in the shape the visibility rules take. */
  views: Organization[];
  /** Each organization's grants, ids parsed. */
  grants: Map<string, Grant[]>;
  principals: Map<string, { org: StoredOrganization; subscriptionIds?: string[]; administrator: boolean }>;
}

const CACHE_MS = 30_000;
/** The partition of the claim rows, and the marker of organizations whose keys are claimed. */
const CLAIMS = 'claim';
const CLAIMS_VERSION = 1;
const CLAIM_BATCH = 100;
/** A claim whose organization does not list its key is a leftover after this long (a save takes far less). */
const CLAIM_GRACE_MS = 120_000;
/** 1 MiB of UTF-16 (two bytes a character) less the entity's keys and property overhead. */
const MAX_DOCUMENT_CHARS = 500_000;

export class OrganizationDirectory {
  private snapshot: Snapshot | undefined;
  /** The read of the organizations under way, shared by the calls that find the snapshot stale meanwhile. */
  private loading: Promise<Snapshot> | undefined;
  /** Counts this instance's writes: a read begun before one neither serves nor keeps its snapshot after it. */
  private writes = 0;
  private readonly table: TableClient;
  private readonly ensureTable: () => Promise<void>;

  constructor(
    tables: TableStore,
    prefix: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.table = tables.table(`${prefix}orgs`);
    this.ensureTable = createTablesOnce([this.table]);
  }

  /** Validates and stores an organization (replacing it). A subscription may belong to one organization only. */
  async put(id: string, document: OrganizationDocument): Promise<StoredOrganization> {
    if (!ORGANIZATION_ID.test(id))
      throw new DirectoryError(400, 'path.organizationId', 'must be 2-63 lower-case letters, digits or hyphens');
    const subs = new Set(document.subscriptions.map((s) => s.subscriptionId));
    document.grants.forEach((g, i) => {
      let ref;
      try {
        ref = parseResourceId(g.scope);
      } catch (err) {
        throw new DirectoryError(400, `body.grants[${i}].scope`, err instanceof Error ? err.message : 'invalid id');
      }
      if (ref.level === 'version')
        throw new DirectoryError(
          400,
          `body.grants[${i}].scope`,
          'must be a gallery or an image definition (a version is shared through its definition)',
        );
      if (!subs.has(ref.subscriptionId.toLowerCase()))
        throw new DirectoryError(400, `body.grants[${i}].scope`, "must be in one of the organization's subscriptions");
      if (g.subscriptionId && !subs.has(g.subscriptionId))
        throw new DirectoryError(
          400,
          `body.grants[${i}].subscriptionId`,
          "must be one of the organization's subscriptions",
        );
    });
    const notAdministrators = administratorProblems(document)[0];
    if (notAdministrators) throw new DirectoryError(400, notAdministrators.field, notAdministrators.message);
    const badApply = applySettingsProblems(
      document.apply,
      document.subscriptions.map((s) => s.subscriptionId),
    )[0];
    if (badApply) throw new DirectoryError(400, badApply.field, badApply.message);
    document.principals.forEach((p, i) =>
      (p.subscriptionIds ?? []).forEach((s, j) => {
        if (!subs.has(s))
          throw new DirectoryError(
            400,
            `body.principals[${i}].subscriptionIds[${j}]`,
            "must be one of the organization's subscriptions",
          );
      }),
    );
    // Within the document: each subscription, Spot account and principal once.
    const seen = new Map<string, string>();
    const once = (key: string, field: string): void => {
      const first = seen.get(key);
      if (first !== undefined) throw new DirectoryError(400, field, `repeats ${first}`);
      seen.set(key, field);
    };
    document.subscriptions.forEach((s, i) => {
      once(`s|${s.subscriptionId}`, `body.subscriptions[${i}].subscriptionId`);
      if (s.spotAccountId) once(`a|${s.spotAccountId}`, `body.subscriptions[${i}].spotAccountId`);
    });
    document.principals.forEach((p, i) => once(`p|${p.tenantId}/${p.objectId}`, `body.principals[${i}]`));
    // Across organizations: each belongs to one only. The answer never says which one holds it.
    const taken = new Set<string>();
    for (const o of (await this.load(true)).organizations) {
      if (o.id !== id) for (const key of claimKeys(o)) taken.add(key);
    }
    for (const [key, field] of seen) {
      if (taken.has(key)) throw new DirectoryError(409, field, 'already belongs to another organization');
    }
    const stored: StoredOrganization = { id, ...document };
    const text = JSON.stringify(stored);
    // Checked before packing and writing: what Azure Table Storage would refuse (Azurite would not).
    if (text.length > MAX_DOCUMENT_CHARS)
      throw new DirectoryError(
        413,
        'body',
        `is too large to store: ${text.length} characters of JSON; an organization holds at most ${MAX_DOCUMENT_CHARS}`,
      );
    const entity = {
      partitionKey: 'org',
      rowKey: encodeKeyPart(id),
      claims: CLAIMS_VERSION,
      ...packJson('document', stored),
    };
    const tooLarge = entityLimitProblem(entity);
    if (tooLarge) throw new DirectoryError(413, 'body', `is too large to store: it ${tooLarge}`);
    await this.ensureTable();
    const previous = await getEntityOrUndefined(this.table, 'org', encodeKeyPart(id));
    const before = previous ? unpackJson<StoredOrganization>('document', previous) : undefined;
    const held = before && previous?.claims === CLAIMS_VERSION ? claimKeys(before) : new Set<string>();
    await this.claim(
      id,
      [...seen].filter(([key]) => !held.has(key)),
    );
    await this.table.upsertEntity(entity, 'Replace');
    this.forget();
    if (before)
      await this.release(
        id,
        [...claimKeys(before)].filter((key) => !seen.has(key)),
      );
    return stored;
  }

  /**
   * Claims each key (`s|`subscription, `a|`Spot account, `p|`tenant/object) for the organization: a
   * row per key in the `claim` partition, created before the organization is written, so two
   * administrators saving at the same instant cannot both take one (one create wins, the other is a
   * 409). A claim of another organization that does not list the key and is older than a save takes
   * (a save that failed after claiming) is taken over, ETag-guarded.
   */
  private async claim(id: string, keys: [string, string][]): Promise<void> {
    for (let i = 0; i < keys.length; i += CLAIM_BATCH) {
      const chunk = keys.slice(i, i + CLAIM_BATCH);
      try {
        await this.table.submitTransaction(
          chunk.map(([key]): TransactionAction => [
            'create',
            { partitionKey: CLAIMS, rowKey: encodeKeyPart(key), org: id },
          ]),
        );
        continue;
      } catch (err) {
        // one of them is claimed already (by this organization or another): one at a time
        if (tableStatusOf(err) !== 409) throw err;
      }
      for (const [key, field] of chunk) await this.claimOne(id, key, field);
    }
  }

  private async claimOne(id: string, key: string, field: string): Promise<void> {
    const rowKey = encodeKeyPart(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.table.createEntity({ partitionKey: CLAIMS, rowKey, org: id });
        return;
      } catch (err) {
        if (tableStatusOf(err) !== 409) throw err;
      }
      const existing = await getEntityOrUndefined(this.table, CLAIMS, rowKey);
      if (!existing) continue; // released meanwhile
      if (existing.org === id) return;
      const owner = (await this.load(true)).organizations.find((o) => o.id === existing.org);
      const age = this.now() - Date.parse(String(existing.timestamp ?? ''));
      if ((owner && claimKeys(owner).has(key)) || !(age > CLAIM_GRACE_MS))
        throw new DirectoryError(409, field, 'already belongs to another organization');
      try {
        await this.table.updateEntity({ partitionKey: CLAIMS, rowKey, org: id }, 'Replace', { etag: existing.etag });
        return;
      } catch (err) {
        const status = tableStatusOf(err);
        if (status !== 412 && status !== 404) throw err;
      }
    }
    throw new DirectoryError(409, field, 'already belongs to another organization');
  }

  /** Releases the organization's claims of keys it no longer lists (a claim taken over meanwhile stays). */
  private async release(id: string, keys: string[]): Promise<void> {
    for (const key of keys) {
      const existing = await getEntityOrUndefined(this.table, CLAIMS, encodeKeyPart(key));
      if (existing?.org !== id) continue;
      try {
        await this.table.deleteEntity(CLAIMS, encodeKeyPart(key), { etag: existing.etag });
      } catch (err) {
        const status = tableStatusOf(err);
        if (status !== 412 && status !== 404) throw err;
      }
    }
  }

  /** An organization; `fresh` reads the table instead of this instance's short cache. */
  async get(id: string, fresh = false): Promise<StoredOrganization | undefined> {
    return (await this.load(fresh)).organizations.find((o) => o.id === id);
  }

  async delete(id: string): Promise<boolean> {
    await this.ensureTable();
    const previous = await getEntityOrUndefined(this.table, 'org', encodeKeyPart(id));
    const before = previous ? unpackJson<StoredOrganization>('document', previous) : undefined;
    try {
      await this.table.deleteEntity('org', encodeKeyPart(id));
    } catch (err) {
      if (tableStatusOf(err) === 404) return false;
      throw err;
    }
    this.forget();
    if (before) await this.release(id, [...claimKeys(before)]);
    return true;
  }

  async list(): Promise<StoredOrganization[]> {
    return (await this.load()).organizations;
  }

  /** Every organization in the shape the visibility rules take. */
  async organizations(): Promise<Organization[]> {
    return (await this.load()).views;
  }

  /** The organization an account (Spot account id or subscription id) belongs to, and its subscription. */
  async accountOwner(account: string): Promise<{ organization: Organization; subscriptionId: string } | undefined> {
    for (const organization of (await this.load()).views) {
      const subscriptionId = subscriptionForAccount(account, organization);
      if (subscriptionId) return { organization, subscriptionId };
    }
    return undefined;
  }

  /** The grants of the caller's organization. */
  async grantsFor(caller: Caller): Promise<Grant[]> {
    return (await this.load()).grants.get(caller.organizationId) ?? [];
  }

  /** The caller a principal is, or undefined when no organization knows it. */
  async callerFor(tenantId: string, objectId: string): Promise<Caller | undefined> {
    const entry = (await this.load()).principals.get(`${tenantId.toLowerCase()}/${objectId.toLowerCase()}`);
    if (!entry) return undefined;
    return {
      organizationId: entry.org.id,
      tenantId: entry.org.tenantId,
      subscriptionIds: entry.subscriptionIds ?? entry.org.subscriptions.map((s) => s.subscriptionId),
    };
  }

  /** The organization that lists a principal, and whether it names it an administrator. */
  async membershipOf(tenantId: string, objectId: string): Promise<Membership | undefined> {
    const entry = (await this.load()).principals.get(`${tenantId.toLowerCase()}/${objectId.toLowerCase()}`);
    return entry
      ? { organizationId: entry.org.id, organizationTenantId: entry.org.tenantId, administrator: entry.administrator }
      : undefined;
  }

  /** After a write by this instance: the next call reads the table again. */
  private forget(): void {
    this.snapshot = undefined;
    this.loading = undefined;
    this.writes++;
  }

  /**
   * The organizations, from this instance's snapshot while it is younger than CACHE_MS; otherwise
   * one read of the table, shared by every call that comes meanwhile (many requests finding the
   * snapshot expired at once cost one read, not one each). `fresh` always reads.
   */
  private load(fresh = false): Promise<Snapshot> {
    if (!fresh && this.snapshot && this.now() - this.snapshot.at < CACHE_MS) return Promise.resolve(this.snapshot);
    if (!fresh && this.loading) return this.loading;
    const writes = this.writes;
    const loading = this.read().then((snapshot) => {
      if (this.writes === writes) this.snapshot = snapshot;
      return snapshot;
    });
    if (!fresh) {
      this.loading = loading;
      const done = () => {
        if (this.loading === loading) this.loading = undefined;
      };
      loading.then(done, done);
    }
    return loading;
  }

  private async read(): Promise<Snapshot> {
    await this.ensureTable();
    const organizations: StoredOrganization[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq 'org'` },
    })) {
      const doc = unpackJson<StoredOrganization>('document', e);
      if (doc) organizations.push(doc);
    }
    organizations.sort((a, b) => a.id.localeCompare(b.id));
    const principals = new Map<
      string,
      { org: StoredOrganization; subscriptionIds?: string[]; administrator: boolean }
    >();
    for (const org of organizations) {
      for (const p of org.principals)
        principals.set(`${p.tenantId}/${p.objectId}`, {
          org,
          administrator: p.administrator === true,
          ...(p.subscriptionIds ? { subscriptionIds: p.subscriptionIds } : {}),
        });
    }
    const grants = new Map<string, Grant[]>();
    for (const org of organizations) {
      grants.set(
        org.id,
        org.grants.map((g) => ({
          organizationId: org.id,
          scope: parseResourceId(g.scope) as GalleryRef | ImageRef,
          ...(g.subscriptionId ? { subscriptionId: g.subscriptionId } : {}),
        })),
      );
    }
    return { at: this.now(), organizations, views: organizations.map(toOrganization), grants, principals };
  }
}

/** The keys an organization holds: its subscriptions, Spot accounts and principals. */
function claimKeys(o: OrganizationDocument): Set<string> {
  const keys = new Set<string>();
  for (const s of o.subscriptions) {
    keys.add(`s|${s.subscriptionId}`);
    if (s.spotAccountId) keys.add(`a|${s.spotAccountId}`);
  }
  for (const p of o.principals) keys.add(`p|${p.tenantId}/${p.objectId}`);
  return keys;
}

export function toOrganization(o: StoredOrganization): Organization {
  const spotAccounts: Record<string, string> = {};
  for (const s of o.subscriptions) if (s.spotAccountId) spotAccounts[s.spotAccountId] = s.subscriptionId;
  return {
    id: o.id,
    tenantId: o.tenantId,
    subscriptionIds: o.subscriptions.map((s) => s.subscriptionId),
    spotAccounts,
    ...(o.apply ? { apply: o.apply } : {}),
  };
}
