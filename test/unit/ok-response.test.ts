/**
 * `ok()` hands `@azure/functions` its JSON as text with its content type: the library answers with
 * the same status, headers and bytes as for the same value given as `jsonBody`.
 */
import { describe, it, expect } from 'vitest';
import functions, { type HttpResponseInit } from '@azure/functions';
import { ok } from '../../shared/http/responses.js';

async function answer(init: HttpResponseInit): Promise<{ status: number; headers: [string, string][]; body: string }> {
  const response = new functions.HttpResponse(init);
  return { status: response.status, headers: [...response.headers.entries()], body: await response.text() };
}

describe('ok()', () => {
  const values: unknown[] = [
    { items: [{ name: 'rg', galleries: 1 }], continuationToken: 'x' },
    [1, 'two', { three: null }],
    'text',
    0,
    false,
    { unicode: 'é ✓ \u2028', nested: { deep: [{}] } },
  ];
  for (const value of values) {
    it(`answers ${JSON.stringify(value)} as jsonBody does`, async () => {
      const jsonBody = { status: 200, jsonBody: value, headers: { 'cache-control': 'no-store' } };
      expect(await answer(ok(value))).toEqual(await answer(jsonBody));
    });
  }

  it('keeps a content type the caller gives, in any case, as jsonBody does', async () => {
    for (const name of ['content-type', 'Content-Type']) {
      const headers = { [name]: 'application/vnd.example+json' };
      const jsonBody = { status: 200, jsonBody: { a: 1 }, headers: { 'cache-control': 'no-store', ...headers } };
      const got = await answer(ok({ a: 1 }, headers));
      expect(got).toEqual(await answer(jsonBody));
      expect(got.headers).toContainEqual(['content-type', 'application/vnd.example+json']);
    }
  });

  it('answers nothing for null and undefined, as jsonBody does', async () => {
    for (const value of [null, undefined]) {
      const jsonBody = { status: 200, jsonBody: value, headers: { 'cache-control': 'no-store' } };
      expect(await answer(ok(value))).toEqual(await answer(jsonBody));
    }
  });
});
