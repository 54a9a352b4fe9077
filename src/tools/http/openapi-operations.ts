import { dereference } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import type { HttpToolConfig, OpenApiToolConfig } from '../../contracts/index.ts';
import { sendHttpRequest } from '../builtin/http-send.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const DOCUMENT_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** One operation of an OpenAPI document, as a tool: its schema and how to call it. */
export interface OpenApiOperation {
  operationId: string;
  method: (typeof METHODS)[number];
  path: string;
  description: string;
  /** JSON Schema of the arguments: each parameter by name, the JSON request body as `body`. */
  parameters: Record<string, unknown>;
  readOnly: boolean;
  /** Where each argument goes. */
  locations: Record<string, 'path' | 'query' | 'header'>;
  hasBody: boolean;
}

export interface OpenApiDocument {
  server: string;
  operations: OpenApiOperation[];
}

type Json = Record<string, unknown>;

/**
 * Reads an OpenAPI 3.x document (inline, or fetched through the SSRF guard), resolves its local
 * `$ref`s (never a file or another URL: a document cannot make the platform read anything else),
 * and lists the operations the config selects. Throws with the reason when the document is
 * unusable (no server, no operations, not OpenAPI 3).
 */
export async function loadOpenApi(config: OpenApiToolConfig, signal: AbortSignal): Promise<OpenApiDocument> {
  const raw =
    config.document ?? (await fetchDocument(config.documentUrl as string, config.internal === true, signal));
  if (typeof raw.openapi !== 'string' || !raw.openapi.startsWith('3.'))
    throw new Error('not an OpenAPI 3.x document (no openapi: 3.x field)');
  const document = (await dereference(structuredClone(raw) as never, {
    resolve: { external: false, file: false },
    dereference: { circular: 'ignore' },
  })) as Json;
  const server = config.server ?? firstServer(document, config.documentUrl);
  if (!server) throw new Error('the document names no server: set config.server');
  const operations: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    const shared = (item.parameters ?? []) as Json[];
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const operationId = String(operation.operationId ?? `${method}_${path}`)
        .replace(/[^A-Za-z0-9_.-]+/g, '_')
        .replace(/^_+|_+$/g, '');
      const tags = (operation.tags ?? []) as string[];
      if (config.tags && !tags.some((tag) => config.tags?.includes(tag))) continue;
      if (config.operations && !config.operations.includes(operationId)) continue;
      operations.push(toOperation(operationId, method, path, operation, shared));
    }
  }
  if (operations.length === 0)
    throw new Error('no operation of the document matches the tags and operations given');
  return { server: server.replace(/\/+$/, ''), operations };
}

function toOperation(
  operationId: string,
  method: OpenApiOperation['method'],
  path: string,
  operation: Json,
  shared: Json[],
): OpenApiOperation {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const locations: OpenApiOperation['locations'] = {};
  const byName = new Map<string, Json>();
  for (const parameter of [...shared, ...((operation.parameters ?? []) as Json[])])
    byName.set(`${String(parameter.in)}:${String(parameter.name)}`, parameter);
  for (const parameter of byName.values()) {
    const where = parameter.in;
    if (where !== 'path' && where !== 'query' && where !== 'header') continue;
    const name = String(parameter.name);
    properties[name] = {
      ...((parameter.schema as Json | undefined) ?? { type: 'string' }),
      ...(parameter.description ? { description: parameter.description } : {}),
    };
    locations[name] = where;
    if (parameter.required === true || where === 'path') required.push(name);
  }
  const content = ((operation.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
  const json =
    content['application/json'] ?? Object.entries(content).find(([type]) => type.includes('json'))?.[1];
  const hasBody = json !== undefined;
  if (hasBody) {
    properties.body = { ...((json?.schema as Json | undefined) ?? {}), description: 'The JSON request body' };
    if ((operation.requestBody as Json).required === true) required.push('body');
  }
  const summary = [operation.summary, operation.description]
    .filter((part) => typeof part === 'string')
    .join(' — ');
  return {
    operationId,
    method,
    path,
    description: summary || `${method.toUpperCase()} ${path}`,
    parameters: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
    readOnly: method === 'get',
    locations,
    hasBody,
  };
}

/** The HTTP call of one operation with these arguments, as an http tool's config with nothing left to fill. */
export function operationRequest(
  document: OpenApiDocument,
  operation: OpenApiOperation,
  config: OpenApiToolConfig,
  args: Record<string, unknown>,
): HttpToolConfig {
  const text = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));
  let path = operation.path;
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, where] of Object.entries(operation.locations)) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    if (where === 'path') path = path.replaceAll(`{${name}}`, encodeURIComponent(text(value)));
    else if (where === 'query') query[name] = text(value);
    else headers[name] = text(value);
  }
  // Placeholders are filled already: braces left in a value must not be read as templates.
  const literal = (value: string) => value.replaceAll('{{', '{ {');
  return {
    endpoint: literal(`${document.server}${path}`),
    method: operation.method.toUpperCase() as HttpToolConfig['method'],
    ...(Object.keys(query).length > 0 ? { query: mapValues(query, literal) } : {}),
    ...(Object.keys(headers).length > 0 ? { headers: mapValues(headers, literal) } : {}),
    ...(operation.hasBody && args.body !== undefined ? { body: args.body } : {}),
    ...(config.timeout ? { timeout: config.timeout } : {}),
    ...(config.internal ? { internal: true } : {}),
    ...(config.maxResultBytes ? { maxResultBytes: config.maxResultBytes } : {}),
  };
}

const mapValues = (record: Record<string, string>, map: (value: string) => string) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));

function firstServer(document: Json, documentUrl: string | undefined): string | undefined {
  const url = ((document.servers ?? []) as Json[])[0]?.url;
  if (typeof url !== 'string') return undefined;
  // A relative server URL is relative to where the document came from.
  try {
    return new URL(url, documentUrl).toString();
  } catch {
    return undefined;
  }
}

async function fetchDocument(url: string, internal: boolean, signal: AbortSignal): Promise<Json> {
  const outcome = await sendHttpRequest(
    {
      url: new URL(url),
      method: 'GET',
      headers: { accept: 'application/json, application/yaml, text/yaml, */*' },
      body: undefined,
      timeoutMs: DOCUMENT_TIMEOUT_MS,
      keepBytes: MAX_DOCUMENT_BYTES + 1,
      internal,
    },
    signal,
  );
  if (outcome.kind === 'timeout') throw new Error(`${url} did not answer within ${DOCUMENT_TIMEOUT_MS} ms`);
  if (outcome.kind === 'failed') throw new Error(`${url}: ${outcome.message}`);
  if (outcome.status !== 200) throw new Error(`${url} answered HTTP ${outcome.status}`);
  if (outcome.totalBytes > MAX_DOCUMENT_BYTES)
    throw new Error(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  // YAML is a superset of JSON: one parser reads both.
  const parsed = parseYaml(outcome.body.toString('utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${url} is not a JSON or YAML mapping`);
  return parsed as Json;
}
