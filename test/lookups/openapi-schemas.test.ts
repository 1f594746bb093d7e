/**
 * Every body schema of the OpenAPI document is the JSON Schema of a zod schema of the code: each
 * request and response body is a `$ref` to a component, and each component, its references
 * written out, is what zod 4 generates for its schema on its own. The request bodies are the very
 * schemas the handlers validate with. (The routes themselves: openapi.test.ts; real answers parsed
 * with these schemas: openapi-conformance.e2e.test.ts.)
 */
import { describe, it, expect } from 'vitest';
import { openApiDocument } from '../../shared/http/openapi.js';
import {
  COMPONENT_PREFIX,
  envelopeBodies,
  jsonSchemaOf,
  requestComponents,
  responseComponents,
  type JsonSchema,
} from '../../shared/http/openapi-schemas.js';
import {
  autoRollPolicySchema,
  bodyModeOf,
  bodySchema,
  jobHeaderSchema,
  JOB_ACTIONS,
  JOB_KINDS,
  kindLetter,
} from '../../shared/domain/job-envelope.js';
import { specJsonSchema } from '../../shared/domain/spot-body.js';
import { organizationDocumentSchema } from '../../shared/access/directory.js';
import { definitionPauseRequestSchema } from '../../shared/autoroll/pause.js';

const doc = openApiDocument();
const components = doc.components.schemas as Record<string, JsonSchema>;

/** A schema with every `$ref` to a component replaced by the component, all the way down. */
function written(value: unknown, seen: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => written(v, seen));
  if (typeof value !== 'object' || value === null) return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const name = ref.slice(COMPONENT_PREFIX.length);
    expect(ref.startsWith(COMPONENT_PREFIX) && name in components, `${ref} names a component`).toBe(true);
    expect(seen, `${ref} refers to itself`).not.toContain(name);
    return written(components[name], [...seen, name]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, written(v, seen)]));
}

interface Body {
  where: string;
  schema: unknown;
}

/** Every body schema of every operation: request bodies and answers, whatever their media type. */
function bodies(): Body[] {
  const found: Body[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (method === 'parameters') continue;
      const { requestBody, responses } = op as {
        requestBody?: { content: Record<string, { schema?: unknown }> };
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      };
      for (const [type, media] of Object.entries(requestBody?.content ?? {}))
        found.push({ where: `${method} ${path} request ${type}`, schema: media.schema });
      for (const [status, answer] of Object.entries(responses)) {
        for (const [type, media] of Object.entries(answer.content ?? {}))
          if (media.schema !== undefined)
            found.push({ where: `${method} ${path} ${status} ${type}`, schema: media.schema });
      }
    }
  }
  return found;
}

describe('OpenAPI body schemas', () => {
  it('are all references to components: no body schema is written by hand', () => {
    const all = bodies();
    expect(all.length).toBeGreaterThan(60);
    for (const b of all) {
      expect(Object.keys(b.schema as object), b.where).toEqual(['$ref']);
      expect((b.schema as { $ref: string }).$ref.slice(COMPONENT_PREFIX.length), b.where).toBeOneOf(
        Object.keys(components),
      );
    }
  });

  it('has one component per named zod schema, each used by the document', () => {
    const named = [...Object.keys(requestComponents()), ...Object.keys(responseComponents())];
    expect(Object.keys(components).sort()).toEqual([...named].sort());
    const text = JSON.stringify(doc.paths) + JSON.stringify(components);
    for (const name of named) expect(text, name).toContain(`"${COMPONENT_PREFIX}${name}"`);
  });

  it('are, references written out, the JSON Schema zod generates for each response schema', () => {
    for (const [name, schema] of Object.entries(responseComponents())) {
      expect(written(components[name]), name).toEqual(jsonSchemaOf(schema, 'output'));
    }
  });

  it('are, references written out, the JSON Schema zod generates for each request schema (as zod reads its input)', () => {
    for (const [name, schema] of Object.entries(requestComponents())) {
      if (name === 'JobEnvelope') continue; // its body per kind and action: next test
      expect(written(components[name]), name).toEqual(jsonSchemaOf(schema, 'input'));
    }
  });

  it('take the request bodies from the schemas the handlers validate with', () => {
    const requests = requestComponents();
    expect(requests.JobEnvelope).toBe(jobHeaderSchema);
    expect(requests.AutoRollPolicy).toBe(autoRollPolicySchema);
    expect(requests.OrganizationDocument).toBe(organizationDocumentSchema);
    expect(requests.DefinitionPauseRequest).toBe(definitionPauseRequestSchema);
    const routes = {
      submit: doc.paths['/groups/jobs']?.post,
      autoRoll: doc.paths['/groups/{account}/{kind}/{name}/autoroll']?.put,
      pause: doc.paths['/manage/autoroll/pauses/{definitionId}']?.put,
      organization: doc.paths['/manage/organizations/{organizationId}']?.put,
    };
    const requestRef = (op: unknown) =>
      (op as { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } }).requestBody.content[
        'application/json'
      ].schema.$ref;
    expect(requestRef(routes.submit)).toBe(`${COMPONENT_PREFIX}JobEnvelope`);
    expect(requestRef(routes.autoRoll)).toBe(`${COMPONENT_PREFIX}AutoRollPolicy`);
    expect(requestRef(routes.pause)).toBe(`${COMPONENT_PREFIX}DefinitionPauseRequest`);
    expect(requestRef(routes.organization)).toBe(`${COMPONENT_PREFIX}OrganizationDocument`);
  });

  it("describe the job envelope as parseJobEnvelope reads it: the header's schema, then the body of the kind and action, whose spec is the field table's", () => {
    const { allOf, ...header } = components.JobEnvelope as JsonSchema & {
      allOf: { if: JsonSchema; then: { properties: { body: unknown } } }[];
    };
    expect(written(header)).toEqual(jsonSchemaOf(jobHeaderSchema, 'input'));
    const pairs = JOB_KINDS.flatMap((kind) => JOB_ACTIONS.map((action) => ({ kind, action })));
    expect(allOf).toHaveLength(pairs.length);
    for (const { kind, action } of pairs) {
      const branch = allOf.find(
        (b) =>
          JSON.stringify(b.if) ===
          JSON.stringify({
            properties: { kind: { const: kind }, action: { const: action } },
            required: ['kind', 'action'],
          }),
      );
      expect(branch, `${kind} ${action}`).toBeDefined();
      const body = written(branch!.then.properties.body) as { properties: Record<string, unknown> };
      expect(body, `${kind} ${action}`).toEqual(jsonSchemaOf(bodySchema(kind, bodyModeOf(action)), 'input'));
      const mode = bodyModeOf(action);
      expect(Object.values(body.properties)[0], `${kind} ${action} spec`).toEqual(
        specJsonSchema(kindLetter(kind), mode === 'patch' ? 'patch' : 'full'),
      );
    }
    expect(envelopeBodies().map((b) => `${b.kind} ${b.action}`)).toEqual(pairs.map((p) => `${p.kind} ${p.action}`));
  });
});
