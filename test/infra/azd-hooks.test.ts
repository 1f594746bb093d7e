import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const yaml = fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8');
const outputs = new Set([...fs.readFileSync(path.join(root, 'infra', 'main.bicep'), 'utf8').matchAll(/^output\s+(\w+)/gm)].map((m) => m[1]));

describe('azd postdeploy hook: the first fill', () => {
  for (const shell of ['posix', 'windows']) {
    it(`${shell}: starts the reconcile once through the admin endpoint, with a token and the master key, without failing the deploy`, () => {
      const block = new RegExp(`${shell}:\\s*\\n([\\s\\S]*?)(?=\\n    (posix|windows):|$)`).exec(yaml.slice(yaml.indexOf('postdeploy:')))?.[1] ?? '';
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
  }
});
