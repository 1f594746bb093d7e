/**
 * Organizations, their accounts (subscriptions, with their Spot account ids), the principals that
 * act for them, and the organization shares (grants) that mirror RBAC scopes. An administrator
 * manages them through `PUT /api/admin/organizations/{id}`; they live in the `<prefix>orgs` table
 * and are cached for a short time by each instance.
 */
import { z } from 'zod';
import { odata, type TableClient } from '@azure/data-tables';
import { createTablesOnce, tableStatusOf, type TableStore } from '../storage/tables.js';
import { parseResourceId, isSubscriptionId, type GalleryRef, type ImageRef } from '../domain/ids.js';
import { subscriptionForAccount, type Caller, type Grant, type Organization } from '../domain/visibility.js';
import { encodeKeyPart } from '../catalog/keys.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { entityLimitProblem } from '../storage/entity-limits.js';

const guid = z.string().refine(isSubscriptionId, 'must be a GUID').transform((s) => s.toLowerCase());

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
          .regex(/^act-[0-9a-z]{8}$/i, 'must be a Spot account id like act-1a2b3c4d')
          .transform((s) => s.toLowerCase())
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
        subscriptionIds: z.array(guid).max(1000).optional(),
      }),
    )
    .max(1000),
  grants: z
    .array(
      z.strictObject({
        /** A gallery or image definition id in one of the organization's subscriptions. */
        scope: z.string().max(1024),
        /** The grantee subscription; absent = every subscription of the organization. */
        subscriptionId: guid.optional(),
      }),
    )
    .max(5000)
    .default([]),
});

export type OrganizationDocument = z.infer<typeof organizationDocumentSchema>;

export interface StoredOrganization extends OrganizationDocument {
  id: string;
}

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
  principals: Map<string, { org: StoredOrganization; subscriptionIds?: string[] }>;
}

const CACHE_MS = 30_000;
/** 1 MiB of UTF-16 (two bytes a character) less the entity's keys and property overhead. */
const MAX_DOCUMENT_CHARS = 500_000;

export class OrganizationDirectory {
  private snapshot: Snapshot | undefined;
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
    if (!ORGANIZATION_ID.test(id)) throw new DirectoryError(400, 'path.organizationId', 'must be 2-63 lower-case letters, digits or hyphens');
    const subs = new Set(document.subscriptions.map((s) => s.subscriptionId));
    document.grants.forEach((g, i) => {
      let ref;
      try {
        ref = parseResourceId(g.scope);
      } catch (err) {
        throw new DirectoryError(400, `body.grants[${i}].scope`, err instanceof Error ? err.message : 'invalid id');
      }
      if (ref.level === 'version') throw new DirectoryError(400, `body.grants[${i}].scope`, 'must be a gallery or an image definition (a version is shared through its definition)');
      if (!subs.has(ref.subscriptionId.toLowerCase())) throw new DirectoryError(400, `body.grants[${i}].scope`, "must be in one of the organization's subscriptions");
      if (g.subscriptionId && !subs.has(g.subscriptionId)) throw new DirectoryError(400, `body.grants[${i}].subscriptionId`, "must be one of the organization's subscriptions");
    });
    document.principals.forEach((p, i) =>
      (p.subscriptionIds ?? []).forEach((s, j) => {
        if (!subs.has(s)) throw new DirectoryError(400, `body.principals[${i}].subscriptionIds[${j}]`, "must be one of the organization's subscriptions");
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
      if (o.id === id) continue;
      for (const s of o.subscriptions) {
        taken.add(`s|${s.subscriptionId}`);
        if (s.spotAccountId) taken.add(`a|${s.spotAccountId}`);
      }
      for (const p of o.principals) taken.add(`p|${p.tenantId}/${p.objectId}`);
    }
    for (const [key, field] of seen) {
      if (taken.has(key)) throw new DirectoryError(409, field, 'already belongs to another organization');
    }
    const stored: StoredOrganization = { id, ...document };
    const text = JSON.stringify(stored);
    // Checked before packing and writing: what Azure Table Storage would refuse (Azurite would not).
    if (text.length > MAX_DOCUMENT_CHARS) throw new DirectoryError(413, 'body', `is too large to store: ${text.length} characters of JSON; an organization holds at most ${MAX_DOCUMENT_CHARS}`);
    const entity = { partitionKey: 'org', rowKey: encodeKeyPart(id), ...packJson('document', stored) };
    const tooLarge = entityLimitProblem(entity);
    if (tooLarge) throw new DirectoryError(413, 'body', `is too large to store: it ${tooLarge}`);
    await this.ensureTable();
    await this.table.upsertEntity(entity, 'Replace');
    this.snapshot = undefined;
    return stored;
  }

  async get(id: string): Promise<StoredOrganization | undefined> {
    return (await this.load()).organizations.find((o) => o.id === id);
  }

  async delete(id: string): Promise<boolean> {
    await this.ensureTable();
    try {
      await this.table.deleteEntity('org', encodeKeyPart(id));
      this.snapshot = undefined;
      return true;
    } catch (err) {
      if (tableStatusOf(err) === 404) return false;
      throw err;
    }
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

  private async load(fresh = false): Promise<Snapshot> {
    if (!fresh && this.snapshot && this.now() - this.snapshot.at < CACHE_MS) return this.snapshot;
    await this.ensureTable();
    const organizations: StoredOrganization[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq 'org'` } })) {
      const doc = unpackJson<StoredOrganization>('document', e);
      if (doc) organizations.push(doc);
    }
    organizations.sort((a, b) => a.id.localeCompare(b.id));
    const principals = new Map<string, { org: StoredOrganization; subscriptionIds?: string[] }>();
    for (const org of organizations) {
      for (const p of org.principals) principals.set(`${p.tenantId}/${p.objectId}`, { org, ...(p.subscriptionIds ? { subscriptionIds: p.subscriptionIds } : {}) });
    }
    const grants = new Map<string, Grant[]>();
    for (const org of organizations) {
      grants.set(
        org.id,
        org.grants.map((g) => ({ organizationId: org.id, scope: parseResourceId(g.scope) as GalleryRef | ImageRef, ...(g.subscriptionId ? { subscriptionId: g.subscriptionId } : {}) })),
      );
    }
    this.snapshot = { at: this.now(), organizations, views: organizations.map(toOrganization), grants, principals };
    return this.snapshot;
  }
}

export function toOrganization(o: StoredOrganization): Organization {
  const spotAccounts: Record<string, string> = {};
  for (const s of o.subscriptions) if (s.spotAccountId) spotAccounts[s.spotAccountId] = s.subscriptionId;
  return { id: o.id, tenantId: o.tenantId, subscriptionIds: o.subscriptions.map((s) => s.subscriptionId), spotAccounts };
}
