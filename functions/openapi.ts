import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../shared/http/openapi.js';
import { ok } from '../shared/http/responses.js';

/** The OpenAPI 3.1 description of this API. */
export function openapi(_request: HttpRequest): Promise<HttpResponseInit> {
  return Promise.resolve(ok(openApiDocument()));
}

app.http('openapi', { methods: ['GET'], authLevel: 'anonymous', route: 'openapi.json', handler: openapi });
