import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchema, API_VERSION, ProblemSchema, type Route, routes } from '../../src/contracts/index.ts';
import { sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

let t: TestPlatform;
let document: JsonObject;

beforeAll(async () => {
  t = await startTestPlatform();
  const response = await t.request('GET', '/api/v1/openapi.json', { apiKey: null });
  expect(response.status).toBe(200);
  document = (await response.json()) as JsonObject;
});

afterAll(async () => {
  await t?.close();
});

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function at(value: Json | undefined, ...path: string[]): Json | undefined {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** Every `$ref` anywhere under value, with the JSON pointer where it sits. */
function collectRefs(value: Json, pointer = ''): Array<{ ref: string; at: string }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => collectRefs(item, `${pointer}/${index}`));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string'
      ? [{ ref: child, at: pointer }]
      : collectRefs(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
  );
}

function resolvePointer(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  const parts = ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  return at(root, ...parts);
}

const JSON_SCHEMA_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'];
/** The keywords this document's schemas use; anything else would go unchecked by validate(). */
const UNDERSTOOD_KEYWORDS = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'enum',
  'const',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'format',
  'default',
  'description',
  'title',
]);

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * A small JSON Schema (2020-12 subset) validator: enough for the keywords above, so a real
 * response can be checked against the published schema without adding a dependency.
 * Returns the JSON pointers of the values that fail, with the reason.
 */
function validate(schema: Json, value: Json, pointer = ''): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${pointer}: no value is allowed here`];
  if (!isObject(schema)) return [`${pointer}: schema is not an object`];
  const errors: string[] = [];
  const fail = (reason: string) => errors.push(`${pointer || '/'}: ${reason}`);
  if (typeof schema.$ref === 'string') {
    const target = resolvePointer(document, schema.$ref);
    if (target === undefined) fail(`unresolved $ref ${schema.$ref}`);
    else errors.push(...validate(target, value, pointer));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.some((type) => type === actual || (type === 'number' && actual === 'integer'))) {
      fail(`expected ${types.join('|')}, got ${actual}`);
      return errors;
    }
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    fail(`expected const ${JSON.stringify(schema.const)}`);
  }
  if (
    Array.isArray(schema.enum) &&
    !schema.enum.some((item) => JSON.stringify(item) === JSON.stringify(value))
  ) {
    fail(`${JSON.stringify(value)} is not in enum`);
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(`does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) fail('too short');
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) fail('too long');
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail('below minimum');
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail('above maximum');
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('too few items');
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail('too many items');
    if (schema.items !== undefined) {
      value.forEach((item, index) => {
        errors.push(...validate(schema.items as Json, item, `${pointer}/${index}`));
      });
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof name === 'string' && !(name in value)) fail(`missing required property ${name}`);
    }
    for (const [name, child] of Object.entries(value)) {
      const childPointer = `${pointer}/${name}`;
      if (schema.propertyNames !== undefined) {
        errors.push(...validate(schema.propertyNames, name, `${childPointer} (name)`));
      }
      const propertySchema = properties[name];
      if (propertySchema !== undefined) errors.push(...validate(propertySchema, child, childPointer));
      else if (schema.additionalProperties === false) fail(`unexpected property ${name}`);
      else if (isObject(schema.additionalProperties))
        errors.push(...validate(schema.additionalProperties, child, childPointer));
    }
  }
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf) errors.push(...validate(part, value, pointer));
  if (
    Array.isArray(schema.anyOf) &&
    !schema.anyOf.some((part) => validate(part, value, pointer).length === 0)
  ) {
    fail('matches none of anyOf');
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((part) => validate(part, value, pointer).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly 1`);
  }
  return errors;
}

/** Keywords used anywhere in a schema that validate() does not understand. */
function unknownKeywords(schema: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) unknownKeywords(item, found);
  if (!isObject(schema)) return found;
  for (const [key, child] of Object.entries(schema)) {
    if (!UNDERSTOOD_KEYWORDS.has(key)) found.add(key);
    if (key === 'properties' && isObject(child)) {
      for (const property of Object.values(child)) unknownKeywords(property, found);
    } else if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'required') {
      unknownKeywords(child, found);
    }
  }
  return found;
}

/** Every `pattern` keyword under a schema (not properties that happen to be named so). */
function patternsIn(schema: Json): string[] {
  if (Array.isArray(schema)) return schema.flatMap(patternsIn);
  if (!isObject(schema)) return [];
  return Object.entries(schema).flatMap(([key, child]) => {
    if (key === 'pattern' && typeof child === 'string') return [child];
    if (key === 'properties' && isObject(child)) return Object.values(child).flatMap(patternsIn);
    return patternsIn(child);
  });
}

const allRoutes = Object.values(routes) as Route[];

function operationOf(route: Route): JsonObject {
  const operation = at(document, 'paths', route.path, route.method);
  expect(isObject(operation), `${route.method.toUpperCase()} ${route.path} is in the document`).toBe(true);
  return operation as JsonObject;
}

const json = (method: string, path: string, body?: object) =>
  sendTo<Json>(t, method, path, body ? { body } : {});

const backendDoc = (name: string, model = 'm') => ({
  metadata: { name },
  spec: {
    type: 'openai-compatible',
    endpoint: 'http://127.0.0.1:8000/v1',
    models: [model],
    apiKeySecretRef: { name: 'secret' },
  },
});

const aliasDoc = (name: string, backend: string, strategy = 'priority') => ({
  metadata: { name },
  spec: { routing_strategy: strategy, targets: [{ backend }] },
});

const agentDoc = (name: string, prompt = 'openapi') => ({
  apiVersion: API_VERSION,
  kind: 'Agent',
  metadata: { name, labels: { suite: 'openapi' } },
  spec: {
    model: { backend: 'local', name: 'm', temperature: 0.5, maxTokens: 100 },
    systemPrompt: prompt,
    tools: ['search', { name: 'ticket', version: '1' }],
    memory: { maxHistory: 3 },
    limits: { maxSteps: 4, timeout: '30s' },
  },
});

describe('GET /api/v1/openapi.json', () => {
  it('is served without credentials as JSON', async () => {
    const response = await t.request('GET', '/api/v1/openapi.json', { apiKey: null });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('is an OpenAPI 3.1.0 document with info, paths and components', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(at(document, 'info', 'title')).toEqual(expect.any(String));
    expect(at(document, 'info', 'version')).toEqual(expect.any(String));
    expect(isObject(document.paths)).toBe(true);
    expect(isObject(at(document, 'components', 'schemas'))).toBe(true);
    expect(at(document, 'components', 'securitySchemes', 'bearerAuth', 'scheme')).toBe('bearer');
  });

  it('documents every route of the route table with its method and operationId', () => {
    for (const route of allRoutes) {
      expect(at(operationOf(route), 'operationId'), `${route.method} ${route.path}`).toBe(route.operationId);
    }
  });

  it('documents no operation the route table lacks, and no operationId twice', () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(document.paths as JsonObject)) {
      for (const [method, operation] of Object.entries(item as JsonObject)) {
        documented.push(`${method} ${path} ${String(at(operation, 'operationId'))}`);
      }
    }
    const expected = allRoutes.map((route) => `${route.method} ${route.path} ${route.operationId}`);
    expect(documented.sort()).toEqual(expected.sort());
    expect(new Set(allRoutes.map((route) => route.operationId)).size).toBe(allRoutes.length);
  });

  it('marks public routes as needing no credentials and every other route as needing them', () => {
    for (const route of allRoutes) {
      const security = at(operationOf(route), 'security');
      if (route.permission === 'public') expect(security, route.operationId).toEqual([]);
      else expect(security, route.operationId).toBeUndefined();
    }
    expect(document.security).toEqual([{ bearerAuth: [] }]);
  });

  it('declares every path parameter its path template names', () => {
    for (const route of allRoutes) {
      const templated = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const parameters = (at(operationOf(route), 'parameters') ?? []) as JsonObject[];
      const inPath = parameters.filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath.sort(), route.operationId).toEqual(templated.sort());
      for (const parameter of parameters.filter((p) => p.in === 'path'))
        expect(parameter.required).toBe(true);
    }
  });

  it('resolves every $ref to an existing component', () => {
    const unresolved = collectRefs(document).filter(({ ref }) => resolvePointer(document, ref) === undefined);
    expect(unresolved).toEqual([]);
  });

  it('references every component schema from some operation', () => {
    const referenced = new Set(collectRefs(document.paths as Json).map(({ ref }) => ref));
    const components = Object.keys(at(document, 'components', 'schemas') as JsonObject);
    const unreferenced = components.filter((name) => !referenced.has(`#/components/schemas/${name}`));
    expect(unreferenced).toEqual([]);
  });

  it('gives every component schema a known JSON Schema type', () => {
    const schemas = at(document, 'components', 'schemas') as JsonObject;
    expect(Object.keys(schemas).sort()).toEqual(
      expect.arrayContaining([
        'Agent',
        'AgentVersion',
        'ApiKey',
        'ApplyResult',
        'ModelBackend',
        'Principal',
        'Problem',
        'Tenant',
      ]),
    );
    for (const [name, schema] of Object.entries(schemas)) {
      expect(isObject(schema), name).toBe(true);
      expect(JSON_SCHEMA_TYPES, name).toContain(at(schema, 'type'));
      expect(at(schema, '$schema'), name).toBeUndefined();
      for (const source of patternsIn(schema)) {
        expect(() => new RegExp(source, 'u'), `${name} pattern ${source}`).not.toThrow();
      }
    }
  });

  it('uses only JSON Schema keywords that the checks below understand', () => {
    const schemas = at(document, 'components', 'schemas') as JsonObject;
    const found = new Set<string>();
    for (const schema of Object.values(schemas)) unknownKeywords(schema, found);
    expect([...found]).toEqual([]);
  });

  it('documents the success response of every operation', () => {
    const undocumented = allRoutes
      .filter((route) => at(operationOf(route), 'responses', String(route.success.status)) === undefined)
      .map((route) => route.operationId);
    expect(undocumented).toEqual([]);
  });

  it('documents a problem+json error response on every operation', () => {
    const undocumented = allRoutes
      .filter(
        (route) =>
          JSON.stringify(
            at(operationOf(route), 'responses', 'default', 'content', 'application/problem+json', 'schema'),
          ) !== JSON.stringify({ $ref: '#/components/schemas/Problem' }),
      )
      .map((route) => route.operationId);
    expect(undocumented).toEqual([]);
  });

  it('documents an ETag response header on every operation whose route honours If-Match', () => {
    const undocumented = allRoutes
      .filter((route) => route.etag)
      .filter(
        (route) =>
          at(operationOf(route), 'responses', String(route.success.status), 'headers', 'ETag') === undefined,
      )
      .map((route) => route.operationId);
    expect(undocumented).toEqual([]);
  });
});

describe('real responses match the published schemas', () => {
  it('a real GET /api/v1/agents/{name} validates against the Agent component and AgentSchema', async () => {
    const created = await json('POST', '/api/v1/agents?publish=true', agentDoc('schema-agent'));
    expect(created.status).toBe(201);

    const reply = await json('GET', '/api/v1/agents/schema-agent');

    expect(reply.status).toBe(200);
    expect(validate({ $ref: '#/components/schemas/Agent' }, reply.body)).toEqual([]);
    expect(AgentSchema.parse(reply.body)).toEqual(reply.body);
  });

  it('the schema check itself rejects a response that breaks the Agent schema', () => {
    const broken = {
      apiVersion: API_VERSION,
      kind: 'Agent',
      metadata: { name: 'UPPER' },
      spec: {},
      extra: 1,
    };

    const errors = validate({ $ref: '#/components/schemas/Agent' }, broken as Json);

    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('unexpected property extra'),
        expect.stringContaining('/metadata/name: does not match'),
        expect.stringContaining('missing required property status'),
      ]),
    );
  });

  it('real version, backend, apply and identity responses validate against their components', async () => {
    await json('POST', '/api/v1/agents?publish=true', agentDoc('component-agent'));
    await json('POST', '/api/v1/agents/component-agent/versions', { spec: agentDoc('x', 'draft').spec });
    await json('POST', '/api/v1/model-backends', backendDoc('component-backend'));
    await json('POST', '/api/v1/model-aliases', aliasDoc('component-alias', 'component-backend'));
    const cases: Array<[string, string, string, object?]> = [
      ['AgentVersion', 'GET', '/api/v1/agents/component-agent/versions/2'],
      ['ModelBackend', 'GET', '/api/v1/model-backends/component-backend'],
      ['ModelAlias', 'GET', '/api/v1/model-aliases/component-alias'],
      [
        'ApplyResult',
        'POST',
        '/api/v1/apply?dryRun=true',
        { items: [agentDoc('component-agent', 'changed')] },
      ],
      ['Principal', 'GET', '/api/v1/principals/admin'],
      ['Tenant', 'GET', '/api/v1/tenants/default'],
    ];
    for (const [component, method, path, body] of cases) {
      const reply = await json(method, path, body);
      expect(reply.status, path).toBe(200);
      const errors = validate({ $ref: `#/components/schemas/${component}` }, reply.body);
      expect({ path, errors }).toEqual({ path, errors: [] });
    }
    const keys = await json('GET', '/api/v1/api-keys');
    for (const key of (keys.body as { items: Json[] }).items) {
      expect(validate({ $ref: '#/components/schemas/ApiKey' }, key)).toEqual([]);
    }
  });

  it('real responses validate against the success schema each operation documents', async () => {
    await json('POST', '/api/v1/agents?publish=true', agentDoc('documented-agent'));
    await json('POST', '/api/v1/model-backends', backendDoc('documented-backend'));
    const cases: Array<[Route, string, string, object?]> = [
      [routes.getAgent, 'GET', '/api/v1/agents/documented-agent'],
      [routes.listAgents, 'GET', '/api/v1/agents?limit=1'],
      [routes.listAgentVersions, 'GET', '/api/v1/agents/documented-agent/versions'],
      [routes.getAgentVersion, 'GET', '/api/v1/agents/documented-agent/versions/1'],
      [routes.listModelBackends, 'GET', '/api/v1/model-backends'],
      [routes.getModelBackend, 'GET', '/api/v1/model-backends/documented-backend'],
      [
        routes.apply,
        'POST',
        '/api/v1/apply?dryRun=true',
        { items: [agentDoc('documented-agent', 'changed')] },
      ],
      [routes.whoami, 'GET', '/api/v1/whoami'],
      [routes.listPrincipals, 'GET', '/api/v1/principals'],
      [routes.listApiKeys, 'GET', '/api/v1/api-keys'],
      [routes.listTenants, 'GET', '/api/v1/tenants'],
      [routes.version, 'GET', '/api/v1/version'],
      [routes.readyz, 'GET', '/readyz'],
      [routes.healthz, 'GET', '/healthz'],
    ];
    const failures: Array<{ operationId: string; errors: string[] }> = [];
    for (const [route, method, path, body] of cases) {
      const reply = await json(method, path, body);
      expect(reply.status, path).toBe(route.success.status);
      expect(() => route.success.schema?.parse(reply.body), path).not.toThrow();
      const documented = at(
        operationOf(route),
        'responses',
        String(route.success.status),
        'content',
        'application/json',
        'schema',
      );
      const errors =
        documented === undefined ? ['no documented success schema'] : validate(documented, reply.body);
      if (errors.length > 0) failures.push({ operationId: route.operationId, errors });
    }
    expect(failures).toEqual([]);
  });

  it('error responses validate against the Problem component and ProblemSchema', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/agents/does-not-exist'],
      ['GET', '/api/v1/agents?cursor=bad'],
      ['GET', '/api/v1/nowhere'],
    ] as const) {
      const reply = await json(method, path);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const errors = validate({ $ref: '#/components/schemas/Problem' }, reply.body);
      expect({ path, errors }).toEqual({ path, errors: [] });
      expect(() => ProblemSchema.parse(reply.body)).not.toThrow();
    }
  });

  const toolDoc = (name: string, description = 'Looks an IP address up') => ({
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Tool',
    metadata: { name },
    spec: { type: 'http', description, config: { endpoint: 'https://intel.example.com/ip', method: 'GET' } },
  });
  // A server nobody listens on: it is stored and reported failed, which is all this needs.
  const kbDoc = (name: string, size: number) => ({
    metadata: { name },
    spec: { chunking: { strategy: 'recursive', size, overlap: 50 } },
  });
  const triggerDoc = (name: string, cron: string) => ({
    metadata: { name },
    spec: { type: 'schedule', agent: 'etag-agent', schedule: { cron } },
  });
  const toolServerDoc = (name: string, seconds = 2) => ({
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ToolServer',
    metadata: { name },
    spec: {
      transport: 'streamable-http',
      url: 'http://127.0.0.1:9/mcp',
      internal: true,
      timeout: `${seconds}s`,
    },
  });

  it('answers with an ETag on the success of every operation whose route honours If-Match', async () => {
    await json('POST', '/api/v1/agents?publish=true', agentDoc('etag-agent', 'v1'));
    await json('POST', '/api/v1/agents/etag-agent/versions?publish=true', { spec: agentDoc('x', 'v2').spec });
    const cases: Array<[Route, string, string, object?]> = [
      [routes.createAgent, 'POST', '/api/v1/agents', agentDoc('etag-other')],
      [routes.getAgent, 'GET', '/api/v1/agents/etag-agent'],
      [routes.replaceAgent, 'PUT', '/api/v1/agents/etag-agent', agentDoc('etag-agent', 'v3')],
      [
        routes.createAgentVersion,
        'POST',
        '/api/v1/agents/etag-agent/versions',
        { spec: agentDoc('x', 'v4').spec },
      ],
      [
        routes.updateAgentVersion,
        'PUT',
        '/api/v1/agents/etag-agent/versions/3',
        { spec: agentDoc('x', 'v3b').spec },
      ],
      [routes.publishAgentVersion, 'POST', '/api/v1/agents/etag-agent/versions/3:publish'],
      [routes.deprecateAgentVersion, 'POST', '/api/v1/agents/etag-agent/versions/1:deprecate'],
      [routes.rollbackAgent, 'POST', '/api/v1/agents/etag-agent:rollback', {}],
      [routes.createModelBackend, 'POST', '/api/v1/model-backends', backendDoc('etag-backend')],
      [routes.getModelBackend, 'GET', '/api/v1/model-backends/etag-backend'],
      [
        routes.replaceModelBackend,
        'PUT',
        '/api/v1/model-backends/etag-backend',
        backendDoc('etag-backend', 'n'),
      ],
      [routes.createModelAlias, 'POST', '/api/v1/model-aliases', aliasDoc('etag-alias', 'etag-backend')],
      [routes.getModelAlias, 'GET', '/api/v1/model-aliases/etag-alias'],
      [
        routes.replaceModelAlias,
        'PUT',
        '/api/v1/model-aliases/etag-alias',
        aliasDoc('etag-alias', 'etag-backend', 'weighted'),
      ],
      [routes.createTool, 'POST', '/api/v1/tools', toolDoc('etag-tool')],
      [routes.replaceTool, 'PUT', '/api/v1/tools/etag-tool', toolDoc('etag-tool', 'changed')],
      [routes.createToolServer, 'POST', '/api/v1/tool-servers', toolServerDoc('etag-server')],
      [routes.getToolServer, 'GET', '/api/v1/tool-servers/etag-server'],
      [routes.replaceToolServer, 'PUT', '/api/v1/tool-servers/etag-server', toolServerDoc('etag-server', 5)],
      [routes.createKnowledgeBase, 'POST', '/api/v1/knowledge-bases', kbDoc('etag-kb', 500)],
      [routes.getKnowledgeBase, 'GET', '/api/v1/knowledge-bases/etag-kb'],
      [routes.replaceKnowledgeBase, 'PUT', '/api/v1/knowledge-bases/etag-kb', kbDoc('etag-kb', 600)],
      [routes.createTrigger, 'POST', '/api/v1/triggers', triggerDoc('etag-trigger', '0 * * * *')],
      [routes.getTrigger, 'GET', '/api/v1/triggers/etag-trigger'],
      [
        routes.replaceTrigger,
        'PUT',
        '/api/v1/triggers/etag-trigger',
        triggerDoc('etag-trigger', '5 * * * *'),
      ],
    ];
    const covered = new Set(cases.map(([route]) => route.operationId));
    const withBody = allRoutes.filter((route) => route.etag && route.success.status !== 204);
    expect(withBody.map((route) => route.operationId).filter((id) => !covered.has(id))).toEqual([]);
    const missing: string[] = [];
    for (const [route, method, path, body] of cases) {
      const reply = await json(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(route.success.status);
      if (!/^"\d+"$/.test(reply.headers.get('etag') ?? '')) missing.push(route.operationId);
    }
    expect(missing).toEqual([]);
  });
});
