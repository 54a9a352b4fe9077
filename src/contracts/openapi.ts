import { z } from 'zod';
import { AgentSchema, AgentVersionSchema } from './agents.ts';
import { API_VERSION } from './common.ts';
import { ERROR_TABLE, ProblemSchema } from './errors.ts';
import { ApiKeySchema, PrincipalSchema, TenantSchema } from './identity.ts';
import { ApplyResultSchema } from './manifests.ts';
import { ModelAliasSchema } from './model-aliases.ts';
import { ModelBackendSchema } from './model-backends.ts';
import type { Route } from './route.ts';
import { RUN_EVENT_PAYLOADS, RunEventSchema, RunSchema, SessionSchema } from './runs.ts';

type JsonObject = Record<string, unknown>;

/** Response schemas published under components/schemas, referenced by name. */
const COMPONENTS: Record<string, z.ZodType> = {
  Problem: ProblemSchema,
  Agent: AgentSchema,
  AgentVersion: AgentVersionSchema,
  ModelBackend: ModelBackendSchema,
  ModelAlias: ModelAliasSchema,
  ApplyResult: ApplyResultSchema,
  Tenant: TenantSchema,
  Principal: PrincipalSchema,
  ApiKey: ApiKeySchema,
  Run: RunSchema,
  RunEvent: RunEventSchema,
  Session: SessionSchema,
  ...Object.fromEntries(
    Object.entries(RUN_EVENT_PAYLOADS).map(([type, schema]) => [`RunEventData_${type}`, schema]),
  ),
};

function buildComponents(): { schemas: JsonObject; registry: z.core.$ZodRegistry<{ id: string }> } {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const schemas: JsonObject = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
    schemas[id] = rest;
  }
  return { schemas, registry };
}

function toSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  registry: z.core.$ZodRegistry<{ id: string }>,
): JsonObject {
  const id = registry.get(schema)?.id;
  if (id && io === 'output') return { $ref: `#/components/schemas/${id}` };
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function parametersOf(route: Route): JsonObject[] {
  const parameters: JsonObject[] = [];
  const add = (where: 'path' | 'query', shape: z.ZodRawShape) => {
    for (const [name, field] of Object.entries(shape)) {
      const schema = z.toJSONSchema(field as z.ZodType, {
        io: 'input',
        unrepresentable: 'any',
      }) as JsonObject;
      const { $schema: _ignored, description, ...rest } = schema;
      parameters.push({
        name,
        in: where,
        required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  if (route.params) add('path', route.params.shape);
  if (route.query) add('query', route.query.shape);
  if (route.etag && route.method !== 'get') {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The ETag you read; a stale one gets 409 STALE_RESOURCE_VERSION',
      schema: { type: 'string' },
    });
  }
  return parameters;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The OpenAPI 3.1 document, generated from the same route table the server and client use. */
export function buildOpenApiDocument(routeTable: Record<string, Route>, serverVersion: string): JsonObject {
  const { schemas, registry } = buildComponents();
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of Object.values(routeTable)) {
    const operation: JsonObject = {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      'x-permission': route.permission,
      parameters: parametersOf(route),
    };
    if (route.permission === 'public') operation.security = [];
    if (route.body) {
      const bodySchema = toSchema(route.body, 'input', registry);
      const content: JsonObject = { 'application/json': { schema: bodySchema } };
      for (const type of route.extraBodyTypes ?? []) {
        content[type] = { schema: { type: 'string', description: 'Multi-document YAML manifests' } };
      }
      operation.requestBody = { required: true, content };
    }
    const success: JsonObject = { description: route.success.description };
    if (route.success.schema) {
      success.content = {
        'application/json': { schema: toSchema(route.success.schema, 'output', registry) },
      };
    }
    if (route.etag)
      success.headers = { ETag: { schema: { type: 'string' }, description: 'Resource version' } };
    if (route.eventStream) {
      const stream = {
        schema: { type: 'string' },
        description:
          'Server-Sent Events: `id: <seq>`, `event: <type>`, `data: <RunEvent JSON>`; the data of each ' +
          'type is described by the RunEventData_<type> components.',
        'x-event-schema': { $ref: '#/components/schemas/RunEvent' },
        'x-event-data': Object.fromEntries(
          Object.keys(RUN_EVENT_PAYLOADS).map((type) => [
            type,
            { $ref: `#/components/schemas/RunEventData_${type}` },
          ]),
        ),
      };
      const json = route.eventStream === 'always' ? {} : (success.content as JsonObject | undefined);
      success.content = { ...json, 'text/event-stream': stream };
    }
    const responses: JsonObject = { [String(route.success.status)]: success };
    if (route.body || route.params || route.query) responses['400'] = problemResponse('Invalid request');
    if (route.permission !== 'public') {
      responses['401'] = problemResponse('Missing, wrong, expired or revoked credentials');
      responses['403'] = problemResponse('The caller lacks the permission');
    }
    if (route.params) responses['404'] = problemResponse('Not found (also for objects of other tenants)');
    if (route.method !== 'get') responses['409'] = problemResponse('Conflict or stale If-Match');
    if (route.body) responses['413'] = problemResponse('Body over the configured limit');
    responses.default = problemResponse('Unexpected error');
    operation.responses = responses;
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonObject>)[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'agenticai API',
      version: serverVersion,
      description:
        `Control plane for AI agents. Manifests use apiVersion ${API_VERSION}. Errors are RFC 9457 ` +
        `problem+json with a stable \`code\`: ${Object.keys(ERROR_TABLE).join(', ')}.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (ak_...) or an OIDC JWT' },
      },
    },
  };
}
