import { describe, it, expect } from 'vitest';
import { loadConfig, ConfigError, SETTING_NAMES, spotApiSettings } from '../../shared/config.js';

const base = { CatalogStorage: 'UseDevelopmentStorage=true' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.setting);
  }
  return [];
}

describe('configuration', () => {
  it('applies defaults', () => {
    const c = loadConfig(base);
    expect(c.tables).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(c.tablePrefix).toBe('gc');
    expect(c.serviceBus).toBeUndefined();
    expect(c.arm).toMatchObject({
      endpoint: 'https://management.azure.com',
      credential: 'default',
      subscriptionIds: [],
      maxRetries: 3,
    });
    expect(c.schedules.reconcile.split(' ')).toHaveLength(6);
  });

  it('reads the domain-event topic: managed identity over https, or a key (the local topic over http)', () => {
    expect(loadConfig(base).eventTopic).toBeUndefined();
    const azure = loadConfig({
      ...base,
      DomainEvents__topicEndpointUri: 'https://t.westeurope-1.eventgrid.azure.net/api/events',
      DomainEvents__credential: 'managedidentity',
      DomainEvents__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(azure.eventTopic).toEqual({
      endpoint: 'https://t.westeurope-1.eventgrid.azure.net/api/events',
      credential: 'managedidentity',
      clientId: '11111111-2222-3333-4444-555555555555',
    });
    const local = loadConfig({
      ...base,
      DomainEvents__topicEndpointUri: 'http://127.0.0.1:7071/runtime/eventgrid/topics/domain-events/api/events',
      DomainEvents__credential: 'key',
      DomainEvents__topicKey: 'k',
    });
    expect(local.eventTopic).toMatchObject({ credential: 'key', key: 'k' });
    expect(problems({ ...base, DomainEvents__topicEndpointUri: 'http://127.0.0.1:1/api/events' })).toEqual([
      'DomainEvents__topicEndpointUri',
    ]);
    expect(
      problems({ ...base, DomainEvents__topicEndpointUri: 'https://t/api/events', DomainEvents__credential: 'key' }),
    ).toEqual(['DomainEvents__topicKey']);
    expect(
      problems({
        ...base,
        DomainEvents__topicEndpointUri: 'http://example.org/api/events',
        DomainEvents__credential: 'key',
        DomainEvents__topicKey: 'k',
      }),
    ).toEqual(['DomainEvents__topicEndpointUri']);
    expect(loadConfig(base).outboxSchedule.split(' ')).toHaveLength(6);
  });

  it('fails with the name of a missing table connection', () => {
    expect(problems({})).toEqual(['CatalogStorage']);
  });

  it('reads identity-based connections with the host naming convention', () => {
    const c = loadConfig({
      CatalogStorage__tableServiceUri: 'https://st.table.core.windows.net',
      CatalogStorage__credential: 'managedidentity',
      CatalogStorage__clientId: '11111111-2222-3333-4444-555555555555',
      ServiceBusConnection__fullyQualifiedNamespace: 'bus.servicebus.windows.net',
    });
    expect(c.tables).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://st.table.core.windows.net',
      credential: 'managedidentity',
      clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(c.serviceBus).toEqual({
      kind: 'identity',
      fullyQualifiedNamespace: 'bus.servicebus.windows.net',
      credential: 'default',
    });
  });

  it('names every malformed setting', () => {
    expect(
      problems({
        ...base,
        ARM_SUBSCRIPTION_IDS: 'not-a-guid',
        ARM_MAX_RETRIES: 'three',
        ARM_ENDPOINT: 'http://example.com',
        CATALOG_TABLE_PREFIX: '1bad',
        RECONCILE_SCHEDULE: '* * *',
        CatalogStorage__clientId: 'x',
      }).sort(),
    ).toEqual([
      'ARM_ENDPOINT',
      'ARM_MAX_RETRIES',
      'ARM_SUBSCRIPTION_IDS',
      'CATALOG_TABLE_PREFIX',
      'CatalogStorage__clientId',
      'RECONCILE_SCHEDULE',
    ]);
  });

  it('allows the local ARM credential only on a loopback endpoint', () => {
    expect(problems({ ...base, ARM_CREDENTIAL: 'local' })).toEqual(['ARM_CREDENTIAL']);
    expect(loadConfig({ ...base, ARM_CREDENTIAL: 'local', ARM_ENDPOINT: 'http://127.0.0.1:7072' }).arm.credential).toBe(
      'local',
    );
  });

  it('refuses a plain-http ARM_ENDPOINT without the local credential, naming the setting and the fix', () => {
    for (const credential of [undefined, 'default', 'managedidentity']) {
      const env = {
        ...base,
        ARM_ENDPOINT: 'http://127.0.0.1:7072',
        ...(credential ? { ARM_CREDENTIAL: credential } : {}),
      };
      expect(problems(env)).toEqual(['ARM_CREDENTIAL']);
      expect(() => loadConfig(env)).toThrow(/ARM_CREDENTIAL.*Set ARM_CREDENTIAL=local/s);
    }
    expect(problems({ ...base, ARM_ENDPOINT: 'https://management.azure.com', ARM_CREDENTIAL: 'default' })).toEqual([]);
  });

  it('lower-cases subscription ids and trims list entries', () => {
    const c = loadConfig({
      ...base,
      ARM_SUBSCRIPTION_IDS: ' 0B7F7C3E-1A2B-4C5D-8E9F-0A1B2C3D4E5F , 5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
    });
    expect(c.arm.subscriptionIds).toEqual([
      '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f',
      '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
    ]);
  });

  it('reads the replica advice settings, with documented estimate defaults', () => {
    expect(loadConfig(base).replicas).toEqual({
      burstFactor: 1,
      prices: {
        currency: 'USD',
        perGBMonth: { Standard_LRS: 0.05, Standard_ZRS: 0.0625, Premium_LRS: 0.12 },
        egressPerGB: 0.02,
      },
    });
    const c = loadConfig({
      ...base,
      REPLICA_BURST_FACTOR: '0.25',
      REPLICA_PRICE_CURRENCY: 'EUR',
      REPLICA_PRICE_STANDARD_LRS: '0.047',
      REPLICA_EGRESS_PRICE_PER_GB: '0',
    });
    expect(c.replicas).toMatchObject({
      burstFactor: 0.25,
      prices: { currency: 'EUR', perGBMonth: { Standard_LRS: 0.047 }, egressPerGB: 0 },
    });
    expect(
      problems({
        ...base,
        REPLICA_BURST_FACTOR: '0',
        REPLICA_PRICE_CURRENCY: 'euro',
        REPLICA_PRICE_PREMIUM_LRS: '-1',
        REPLICA_PRICE_STANDARD_ZRS: 'cheap',
      }).sort(),
    ).toEqual([
      'REPLICA_BURST_FACTOR',
      'REPLICA_PRICE_CURRENCY',
      'REPLICA_PRICE_PREMIUM_LRS',
      'REPLICA_PRICE_STANDARD_ZRS',
    ]);
    expect(problems({ ...base, REPLICA_BURST_FACTOR: '1.5' })).toEqual(['REPLICA_BURST_FACTOR']);
  });

  it('reads the Spot API settings: not configured without a token or with an unresolved Key Vault reference; the token never in the configuration', async () => {
    const none = loadConfig(base);
    expect(none.spot).toEqual({ notConfigured: 'SPOT_API_TOKEN is not set' });
    expect(spotApiSettings(none)).toBeUndefined();
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/spot-api-token/)';
    const unresolved = loadConfig({ ...base, SPOT_API_TOKEN: reference });
    expect(spotApiSettings(unresolved)).toBeUndefined();
    expect(unresolved.spot.notConfigured).toMatch(/Key Vault reference/);
    const token = 'Tk-7f3a9c1e-secret-value';
    const c = loadConfig({ ...base, SPOT_API_TOKEN: token });
    const settings = spotApiSettings(c);
    expect(settings).toMatchObject({ baseUrl: 'https://api.spotinst.io', timeoutMs: 10_000 });
    expect(await settings?.token()).toBe(token);
    expect(JSON.stringify(c)).not.toContain(token);
    const local = loadConfig({
      ...base,
      SPOT_API_URL: 'http://127.0.0.1:7100/',
      SPOT_API_TOKEN: token,
      SPOT_TIMEOUT_MS: '2500',
    });
    expect(spotApiSettings(local)).toMatchObject({ baseUrl: 'http://127.0.0.1:7100', timeoutMs: 2_500 });
    expect(problems({ ...base, SPOT_API_URL: 'http://api.spotinst.io', SPOT_TIMEOUT_MS: '50' }).sort()).toEqual([
      'SPOT_API_URL',
      'SPOT_TIMEOUT_MS',
    ]);
    // A token that is no bearer token is named, never repeated.
    const bad = 'two words secret';
    try {
      loadConfig({ ...base, SPOT_API_TOKEN: bad });
      expect.unreachable('a token with spaces is refused');
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.setting)).toEqual(['SPOT_API_TOKEN']);
      expect(String((err as Error).message)).not.toContain('secret');
    }
  });

  it('lists every setting name it reads', () => {
    expect(SETTING_NAMES).toContain('CatalogStorage');
    expect(SETTING_NAMES).toContain('ServiceBusConnection__fullyQualifiedNamespace');
  });
});
