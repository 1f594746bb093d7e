import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startApp, type AppHost } from '../support/app-host.js';
import { ENTITY_MAX_BYTES } from '../../shared/storage/entity-limits.js';
import { principalHeader } from '../../shared/access/principal.js';
import { ADMIN_PRINCIPAL } from '../support/lookups-host.js';

// PUT /api/manage/organizations/{id}: a principal, a subscription and a Spot account belong to one
// organization at most (409, without naming the other), and what Azure Table Storage could not
// store (1 MiB per entity, strings in UTF-16) is refused before writing, naming the field.
let host: AppHost;

beforeAll(async () => {
  // the caller: an administrator (app role Catalog.Admin)
  host = await startApp(
    { CatalogStorage: inject('azuriteConnectionString'), ARM_ENDPOINT: 'http://127.0.0.1:9', ARM_CREDENTIAL: 'local' },
    { principalHeader: principalHeader(ADMIN_PRINCIPAL) },
  );
});
afterAll(async () => {
  await host.stop();
});

async function put(id: string, doc: unknown): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const res = await fetch(`${host.url}/api/manage/organizations/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: typeof doc === 'string' ? doc : JSON.stringify(doc),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
async function get(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${host.url}/api/manage/organizations/${id}`);
  return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
}
const fields = (b: Record<string, unknown>): string[] => ((b.errors ?? []) as { field: string }[]).map((e) => e.field);
const spot = (): string => `act-${randomUUID().slice(0, 8)}`;

function org(overrides: Record<string, unknown> = {}) {
  const sub = randomUUID();
  return {
    tenantId: randomUUID(),
    subscriptions: [{ subscriptionId: sub, spotAccountId: spot() }],
    principals: [{ tenantId: randomUUID(), objectId: randomUUID() }],
    grants: [],
    ...overrides,
  };
}

describe('one organization per principal, subscription and Spot account', () => {
  it('refuses a principal, subscription or Spot account of another organization with a 409 that names neither it nor its id', async () => {
    const a = org();
    const aId = `org-a-${randomUUID().slice(0, 8)}`;
    expect((await put(aId, a)).status).toBe(200);
    const bId = `org-b-${randomUUID().slice(0, 8)}`;
    const cases = [
      { doc: org({ principals: [a.principals[0]] }), field: 'body.principals[0]' },
      {
        doc: org({ subscriptions: [{ subscriptionId: a.subscriptions[0]!.subscriptionId }] }),
        field: 'body.subscriptions[0].subscriptionId',
      },
      {
        doc: org({
          subscriptions: [{ subscriptionId: randomUUID(), spotAccountId: a.subscriptions[0]!.spotAccountId }],
        }),
        field: 'body.subscriptions[0].spotAccountId',
      },
    ];
    for (const c of cases) {
      const res = await put(bId, c.doc);
      expect(res.status, res.text).toBe(409);
      expect(fields(res.body)).toEqual([c.field]);
      expect(res.text).not.toContain(aId);
      expect(res.text).not.toContain('org-a');
    }
    // nothing moved: the principal still acts for the first organization, the second does not exist
    expect(await get(bId)).toBeUndefined();
    expect(((await get(aId))?.principals as unknown[])[0]).toEqual(a.principals[0]);
    // the organization itself may list them again (a replace)
    expect((await put(aId, { ...a, displayName: 'renamed' })).status).toBe(200);
  });

  it('refuses the same subscription, Spot account or principal twice in one document (400 naming the second)', async () => {
    const base = org();
    const twiceSub = {
      ...base,
      subscriptions: [base.subscriptions[0], { subscriptionId: base.subscriptions[0]!.subscriptionId }],
    };
    const twiceAccount = {
      ...base,
      subscriptions: [
        base.subscriptions[0],
        { subscriptionId: randomUUID(), spotAccountId: base.subscriptions[0]!.spotAccountId },
      ],
    };
    const twicePrincipal = { ...base, principals: [base.principals[0], { ...base.principals[0] }] };
    expect(fields((await put('dup-sub', twiceSub)).body)).toEqual(['body.subscriptions[1].subscriptionId']);
    expect(fields((await put('dup-account', twiceAccount)).body)).toEqual(['body.subscriptions[1].spotAccountId']);
    expect(fields((await put('dup-principal', twicePrincipal)).body)).toEqual(['body.principals[1]']);
  });
});

/** An organization whose JSON is about `chars` characters: grants on long-named galleries, then principals. */
function sized(chars: number) {
  const subs = Array.from({ length: 50 }, () => ({ subscriptionId: randomUUID(), spotAccountId: spot() }));
  const grants: { scope: string }[] = [];
  const principals: { tenantId: string; objectId: string; subscriptionIds: string[] }[] = [];
  let size = 0;
  while (size < chars && grants.length < 4000) {
    const i = grants.length;
    const g = {
      scope: `/subscriptions/${subs[i % subs.length]!.subscriptionId}/resourceGroups/rg-${String(i).padStart(86, 'r')}/providers/Microsoft.Compute/galleries/g${String(i).padStart(78, 'g')}`,
    };
    grants.push(g);
    size += JSON.stringify(g).length + 1;
  }
  while (size < chars) {
    const p = {
      tenantId: randomUUID(),
      objectId: randomUUID(),
      subscriptionIds: subs.slice(0, 20).map((s) => s.subscriptionId),
    };
    principals.push(p);
    size += JSON.stringify(p).length + 1;
  }
  return { tenantId: randomUUID(), subscriptions: subs, principals, grants };
}

describe('Table Storage entity limits, checked before writing', () => {
  it('a 772 KB organization (over 1 MiB stored as UTF-16, which Azurite would take) is a 413 naming the body', async () => {
    const doc = sized(772 * 1024);
    expect(JSON.stringify(doc).length * 2).toBeGreaterThan(ENTITY_MAX_BYTES);
    const res = await put('big-772', doc);
    expect(res.status, res.text.slice(0, 300)).toBe(413);
    expect(fields(res.body)).toEqual(['body']);
    expect(await get('big-772')).toBeUndefined();
  });

  it('a 1.3 MB organization is a 413, not a 500', async () => {
    const res = await put('big-1300', sized(1300 * 1024));
    expect(res.status, res.text.slice(0, 300)).toBe(413);
    expect(res.body).toMatchObject({ status: 413 });
  });

  it('an organization that fits (400 KB) is stored and read back whole', async () => {
    const doc = sized(400 * 1024);
    expect((await put('fits-400', doc)).status).toBe(200);
    expect(((await get('fits-400'))?.grants as unknown[]).length).toBe(doc.grants.length);
  });

  it('giant arrays and deep nesting are refused before validation, naming where', async () => {
    const many = await put('many', { ...org(), grants: Array.from({ length: 6000 }, () => ({ scope: 'x' })) });
    expect(many.status).toBe(400);
    expect(fields(many.body)).toEqual(['body.grants']);
    const deep = await put('deep', `{"tenantId": ${'['.repeat(50)}${']'.repeat(50)}}`);
    expect(deep.status).toBe(400);
    expect(fields(deep.body)[0]).toMatch(/^body\.tenantId/);
  });
});
