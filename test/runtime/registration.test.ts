import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { loadApp } from '../../dev/runtime/load-app.js';
import type { FunctionRegistry } from '../../dev/runtime/functions-core.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('functions-core stand-in', () => {
  let registry: FunctionRegistry;
  beforeAll(async () => {
    registry = await loadApp(root, ['test/support/sample-app.ts']);
  });

  it('captures every registration with its trigger options', () => {
    const byName = Object.fromEntries(registry.list().map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['boom', 'collect', 'echo', 'fixed', 'queueWork', 'tick']);

    expect(byName.echo!.trigger).toMatchObject({
      type: 'httpTrigger',
      direction: 'in',
      authLevel: 'function',
      methods: ['POST', 'PUT'],
      route: 'things/{kind}/{id?}',
    });
    expect(Object.values(byName.echo!.bindings).some((b) => b.type === 'http' && b.direction === 'out')).toBe(true);
    expect(byName.fixed!.trigger).toMatchObject({
      type: 'httpTrigger',
      methods: ['GET'],
      authLevel: 'anonymous',
      route: 'things/special/latest',
    });
    expect(byName.collect!.trigger).toMatchObject({ type: 'eventGridTrigger', direction: 'in' });
    expect(byName.queueWork!.trigger).toMatchObject({
      type: 'serviceBusTrigger',
      connection: 'SampleServiceBus',
      queueName: '%SAMPLE_QUEUE%',
      isSessionsEnabled: true,
    });
    expect(byName.tick!.trigger).toMatchObject({
      type: 'timerTrigger',
      schedule: '%SAMPLE_SCHEDULE%',
      runOnStartup: false,
    });
    for (const r of registry.list()) expect(typeof r.handler).toBe('function');
  });

  it('captures hooks', () => {
    expect(registry.hooks.preInvocation).toHaveLength(1);
    expect(registry.hooks.postInvocation).toHaveLength(1);
  });

  it('captures the programming model the library sets', () => {
    expect(registry.programmingModel).toMatchObject({ name: '@azure/functions' });
  });

  it('refuses a second function with the same name, like the host', () => {
    expect(() =>
      registry.register(
        { name: 'Echo', bindings: { t: { type: 'httpTrigger', direction: 'in', name: 't' } } },
        () => undefined,
      ),
    ).toThrow(/already registered/);
  });
});
