import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_DIR } from '../../dev/build/package.js';

const root = path.resolve(import.meta.dirname, '../..');
const yaml = fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8');
const outputs = new Set(
  [...fs.readFileSync(path.join(root, 'infra', 'main.bicep'), 'utf8').matchAll(/^output\s+(\w+)/gm)].map((m) => m[1]),
);

type YamlValue = string | { [key: string]: YamlValue };

/**
 * The YAML of azure.yaml: nested mappings by indentation, plain and quoted scalars, `|` block
 * scalars and comments (what the file uses; anything else fails, naming the line).
 */
function readYaml(text: string): { [key: string]: YamlValue } {
  const lines = text.split('\n');
  let at = 0;
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const blank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');
  const mapping = (indent: number): { [key: string]: YamlValue } => {
    const out: { [key: string]: YamlValue } = {};
    while (at < lines.length) {
      const line = lines[at] as string;
      if (blank(line)) {
        at += 1;
        continue;
      }
      if (indentOf(line) < indent) return out;
      const m = /^(\s*)([\w.-]+):(?:\s+(.*?))?\s*$/.exec(line);
      if (!m || indentOf(line) !== indent)
        throw new Error(`azure.yaml:${at + 1}: not a mapping entry this reader knows: ${line}`);
      const [, , key = '', rest = ''] = m;
      at += 1;
      if (rest === '|') {
        const block: string[] = [];
        let blockIndent: number | undefined;
        while (at < lines.length && (lines[at]?.trim() === '' || indentOf(lines[at] as string) > indent)) {
          const l = lines[at] as string;
          blockIndent ??= l.trim() === '' ? undefined : indentOf(l);
          block.push(l.slice(blockIndent ?? 0));
          at += 1;
        }
        out[key] = `${block.join('\n').trimEnd()}\n`;
      } else if (rest === '') out[key] = mapping(indent + 2);
      else out[key] = rest.replace(/\s+#.*$/, '').replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
  };
  return mapping(0);
}

const azd = readYaml(yaml);
const child = (v: YamlValue | undefined, key: string): YamlValue | undefined =>
  v && typeof v === 'object' ? v[key] : undefined;
const text = (v: YamlValue | undefined): string => (typeof v === 'string' ? v : '');
const entries = (v: YamlValue | undefined): [string, YamlValue][] =>
  v && typeof v === 'object' ? Object.entries(v) : [];

/** The functions the app registers (functions/*.ts, all bundled into the deployed app): name, trigger, route, methods. */
const registered = fs
  .readdirSync(path.join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .flatMap((f) =>
    [
      ...fs
        .readFileSync(path.join(root, 'functions', f), 'utf8')
        .matchAll(/app\.(\w+)\(\s*'([^']+)',\s*\{([\s\S]*?)\}\);/g),
    ].map((m) => ({
      trigger: m[1] as string,
      name: m[2] as string,
      route: /route:\s*'([^']*)'/.exec(m[3] as string)?.[1],
      methods: [...(/methods:\s*\[([^\]]*)\]/.exec(m[3] as string)?.[1]?.matchAll(/'(\w+)'/g) ?? [])].map((x) => x[1]),
    })),
  );
const host = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as {
  extensions?: { http?: { routePrefix?: string } };
};
const routePrefix = host.extensions?.http?.routePrefix ?? 'api';

describe('azd postdeploy hook: the first fill', () => {
  for (const shell of ['posix', 'windows']) {
    it(`${shell}: starts the reconcile once through the admin endpoint, with a token and the master key, without failing the deploy`, () => {
      const block =
        new RegExp(`${shell}:\\s*\\n([\\s\\S]*?)(?=\\n    (posix|windows):|$)`).exec(
          yaml.slice(yaml.indexOf('postdeploy:')),
        )?.[1] ?? '';
      expect(block).toMatch(/continueOnError: true/);
      expect(block).toContain('/admin/functions/reconcileCatalog');
      expect(block).toContain('az functionapp keys list');
      expect(block).toMatch(/az account get-access-token --resource "api:\/\/\$\(?(env:)?\$?\{?(env:)?AUTH_CLIENT_ID/);
      expect(block).toContain('/api/manage/reconcile');
      // every azd output the hook reads exists in main.bicep
      for (const v of ['AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'SERVICE_CATALOG_URL']) {
        expect(block, v).toContain(v);
        expect(outputs.has(v), v).toBe(true);
      }
    });

    it(`${shell}: calls only what the deployed app serves (the admin endpoint of a non-HTTP function, GET routes under the route prefix)`, () => {
      const run = text(child(child(child(child(azd, 'hooks'), 'postdeploy'), shell), 'run'));
      const admin = [...run.matchAll(/\/admin\/functions\/(\w+)/g)].map((m) => m[1]);
      expect(admin).toEqual(['reconcileCatalog']);
      for (const name of admin) {
        const fn = registered.find((r) => r.name === name);
        expect(fn, `${name} is registered in functions/`).toBeDefined();
        // The admin endpoint runs non-HTTP functions (Functions host: POST /admin/functions/{name}).
        expect(fn?.trigger, name).not.toBe('http');
      }
      const routes = [
        ...run.matchAll(/(GET|POST|PUT|DELETE)? ?\$?\(?\$?\{?(?:env:)?SERVICE_CATALOG_URL\)?\}?(\/api\/[\w/{}-]+)/g),
      ].map((m) => ({ method: m[1] ?? 'GET', url: m[2] as string }));
      expect(routes.map((r) => r.url)).toContain('/api/manage/reconcile');
      for (const { method, url } of routes) {
        const route = url.slice(`/${routePrefix}/`.length);
        expect(
          registered.some((r) => r.trigger === 'http' && r.route === route && r.methods.includes(method)),
          `${method} ${url}: an HTTP function with route '${route}' and method ${method}`,
        ).toBe(true);
      }
    });
  }
});

describe('azure.yaml points at what exists', () => {
  it('provisions an infra module that exists, with its parameters file', () => {
    const infra = child(azd, 'infra');
    expect(text(child(infra, 'provider'))).toBe('bicep');
    const dir = path.join(root, text(child(infra, 'path')));
    const module = text(child(infra, 'module'));
    expect(fs.existsSync(path.join(dir, `${module}.bicep`)), `${module}.bicep in ${dir}`).toBe(true);
    expect(fs.existsSync(path.join(dir, `${module}.parameters.json`)), `${module}.parameters.json in ${dir}`).toBe(
      true,
    );
  });

  it('deploys services from folders that exist, with the files their host and language need and the folder npm run package writes', () => {
    const services = entries(child(azd, 'services'));
    expect(services.length).toBeGreaterThan(0);
    for (const [name, service] of services) {
      const project = path.join(root, text(child(service, 'project')));
      const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      expect(text(child(service, 'host')), name).toBe('function');
      expect(fs.existsSync(path.join(project, 'host.json')), `${name}: host.json`).toBe(true);
      expect(['ts', 'js', 'typescript', 'javascript']).toContain(text(child(service, 'language')));
      if (['ts', 'typescript'].includes(text(child(service, 'language'))))
        expect(fs.existsSync(path.join(project, 'tsconfig.json')), `${name}: tsconfig.json`).toBe(true);
      expect(pkg.scripts?.build, `${name}: npm run build`).toBeDefined();
      expect(pkg.scripts?.package, `${name}: npm run package`).toBeDefined();
      expect(path.normalize(text(child(service, 'dist'))), `${name}: dist is what npm run package writes`).toBe(
        path.normalize(PACKAGE_DIR),
      );
    }
  });

  it('has only hooks azd knows, each with a shell it supports and no script file that is missing', () => {
    const known = [
      'prerestore',
      'postrestore',
      'preprovision',
      'postprovision',
      'prepackage',
      'postpackage',
      'predeploy',
      'postdeploy',
      'preup',
      'postup',
      'predown',
      'postdown',
    ];
    const hooks = entries(child(azd, 'hooks'));
    expect(hooks.map(([n]) => n)).toContain('postdeploy');
    for (const [name, hook] of hooks) {
      expect(known, name).toContain(name);
      const variants = ['posix', 'windows'].some((os) => child(hook, os))
        ? ['posix', 'windows'].map((os) => [`${name}.${os}`, child(hook, os)] as const)
        : [[name, hook] as const];
      for (const [label, v] of variants) {
        expect(v, label).toBeDefined();
        expect(['sh', 'pwsh'], `${label}: shell`).toContain(text(child(v, 'shell')));
        const run = text(child(v, 'run'));
        expect(run.trim(), `${label}: run`).not.toBe('');
        const files = [
          ...run.matchAll(/(?:^|[\s'"])(\.{0,2}\/?(?:[\w.-]+\/)*[\w.-]+\.(?:sh|ps1|mjs|js|py))(?=$|[\s'"])/gm),
        ].map((m) => m[1] as string);
        for (const f of files) expect(fs.existsSync(path.join(root, f)), `${label}: ${f}`).toBe(true);
      }
    }
  });
});
