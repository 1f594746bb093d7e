import { describe, it, expect, beforeAll } from 'vitest';
import { loadApp } from '../../dev/runtime/load-app.js';
import { appSourceFiles, projectRoot } from '../support/app-host.js';
import type { FunctionRegistry } from '../../dev/runtime/functions-core.js';
import { openApiDocument } from '../../shared/http/openapi.js';

let registry: FunctionRegistry;
beforeAll(async () => {
  registry = await loadApp(projectRoot, appSourceFiles());
});

const norm = (route: string) =>
  `/${route.replace(/^\/+/, '')}`.replace(/\{\*?(\w+)(:[^}]*)?\??\}/g, '{$1}').toLowerCase();

describe('OpenAPI document', () => {
  it('describes exactly the registered HTTP routes and methods', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths))
      for (const m of Object.keys(ops))
        if (m !== 'parameters') documented.add(`${m.toUpperCase()} ${path.toLowerCase()}`);
    const registered = new Set<string>();
    for (const r of registry.list()) {
      if (r.trigger.type !== 'httpTrigger') continue;
      for (const m of r.trigger.methods as string[])
        registered.add(`${m.toUpperCase()} ${norm(typeof r.trigger.route === 'string' ? r.trigger.route : r.name)}`);
    }
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it('declares every path parameter of every route', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        if (method === 'parameters') continue;
        const declared = [
          ...((ops.parameters as unknown as { name: string; in: string }[]) ?? []),
          ...(op.parameters ?? []),
        ]
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort());
      }
    }
  });

  it('is OpenAPI 3.1 with the app version', () => {
    expect(openApiDocument()).toMatchObject({ openapi: '3.1.0', info: { title: 'gallery-catalog' } });
  });
});
