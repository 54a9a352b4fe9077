import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import type { Route } from '../contracts/index.ts';
import { AppError, parseOrThrow } from '../core/index.ts';
import type { Authenticator, Caller } from '../identity/index.ts';
import { expectedVersion } from '../registry/index.ts';
import { mediaType, parseJsonBody, parseYamlDocuments, YAML_TYPES } from './body.ts';
import type { AppEnv } from './context.ts';

type Out<S> = [S] extends [z.ZodType] ? z.output<S> : undefined;
type Parts<R> =
  R extends Route<infer P, infer Q, infer B, infer S> ? { params: P; query: Q; body: B; success: S } : never;

export interface HandlerInput<R extends Route> {
  params: Out<Parts<R>['params']>;
  query: Out<Parts<R>['query']>;
  body: Out<Parts<R>['body']>;
  caller: R['permission'] extends 'public' ? Caller | undefined : Caller;
  /** The resource version If-Match demands, if any. */
  expectedVersion: number | undefined;
  signal: AbortSignal;
  context: Context<AppEnv>;
}

type SuccessBody<R extends Route> = [Parts<R>['success']] extends [z.ZodType]
  ? z.input<Parts<R>['success']>
  : undefined;

export interface HandlerOutput<R extends Route> {
  body: SuccessBody<R>;
  status?: number;
  headers?: Record<string, string>;
}

/** A handler that answers with a stream (Server-Sent Events) returns the Response itself. */
export interface StreamOutput {
  response: Response;
}

export type Handler<R extends Route> = (input: HandlerInput<R>) => Promise<HandlerOutput<R> | StreamOutput>;

/** `/a/{name}/v/{version}:publish` → Hono's `/a/:name/v/:version{[^/]+:publish}` and the suffix to strip. */
export function toHonoPath(path: string): { pattern: string; suffixes: Record<string, string> } {
  const suffixes: Record<string, string> = {};
  const pattern = path
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}(:[a-zA-Z]+)?$/.exec(segment);
      if (!match?.[1]) return segment;
      const [, name, suffix] = match;
      if (!suffix) return `:${name}`;
      suffixes[name] = suffix;
      return `:${name}{[^/]+${suffix}}`;
    })
    .join('/');
  return { pattern, suffixes };
}

const allowsNoBody = (route: Route) =>
  route.body !== undefined && (route.body as z.ZodType).safeParse({}).success === true;

/**
 * A `multipart/form-data` body as a plain object for the route's schema: text fields as strings,
 * files as `{filename, contentType, content_base64}`, a repeated name as an array.
 */
async function readMultipart(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch (error) {
    throw new AppError('MALFORMED_BODY', `the multipart body cannot be read: ${(error as Error).message}`);
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    const item =
      typeof value === 'string'
        ? value
        : {
            filename: value.name,
            contentType: value.type,
            content_base64: Buffer.from(await value.arrayBuffer()).toString('base64'),
          };
    const earlier = fields[name];
    fields[name] =
      earlier === undefined ? item : Array.isArray(earlier) ? [...earlier, item] : [earlier, item];
  }
  return fields;
}

async function readBody(route: Route, c: Context<AppEnv>): Promise<unknown> {
  if (
    mediaType(c.req.header('content-type')) === 'multipart/form-data' &&
    route.extraBodyTypes?.includes('multipart/form-data')
  )
    return readMultipart(c);
  const text = await c.req.text();
  if (text.length === 0 && allowsNoBody(route)) return {};
  const type = mediaType(c.req.header('content-type'));
  if (
    (YAML_TYPES as readonly string[]).includes(type) &&
    route.extraBodyTypes?.includes('application/yaml')
  ) {
    return { items: parseYamlDocuments(text) };
  }
  if (type !== 'application/json' && !type.endsWith('+json')) {
    const accepted = ['application/json', ...(route.extraBodyTypes ?? [])].join(' or ');
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as ${accepted} (got "${type || 'no content-type'}")`,
    );
  }
  return parseJsonBody(text);
}

/**
 * Registers a route: authenticate, authorise, validate path, query and body against the route's
 * schemas, then run the handler and answer with its status, ETag and JSON body. Errors thrown
 * anywhere reach the app's problem+json handler.
 */
export function bindRoute<R extends Route>(
  app: Hono<AppEnv>,
  route: R,
  authenticator: Authenticator,
  handler: Handler<R>,
): void {
  const { pattern, suffixes } = toHonoPath(route.path);
  app.on(route.method.toUpperCase(), pattern, async (c) => {
    let caller: Caller | undefined;
    if (route.permission !== 'public') {
      caller = await authenticator.authenticate(c.req.header('authorization'));
      c.set('caller', caller);
      if (route.permission !== 'authenticated' && !caller.permissions.has(route.permission)) {
        throw new AppError(
          'PERMISSION_DENIED',
          `${caller.principalName} (roles: ${caller.roles.join(', ') || 'none'}) lacks the permission ${route.permission}`,
        );
      }
    }
    const rawParams = c.req.param() as Record<string, string>;
    for (const [name, suffix] of Object.entries(suffixes)) {
      const value = rawParams[name];
      if (value?.endsWith(suffix)) rawParams[name] = value.slice(0, -suffix.length);
    }
    const params = route.params ? parseOrThrow(route.params, rawParams, 'the path', '/params') : undefined;
    const query = route.query ? parseOrThrow(route.query, c.req.query(), 'the query', '/query') : undefined;
    const body = route.body
      ? parseOrThrow(route.body, await readBody(route, c), 'the request body')
      : undefined;
    const output = await handler({
      params,
      query,
      body,
      caller,
      expectedVersion: route.etag ? expectedVersion(c.req.header('if-match')) : undefined,
      signal: c.req.raw.signal,
      context: c,
    } as HandlerInput<R>);
    if ('response' in output) return output.response;
    const status = output.status ?? route.success.status;
    const headers: Record<string, string> = { ...output.headers };
    const resourceVersion = (output.body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata
      ?.resourceVersion;
    if (route.etag && resourceVersion) headers.etag = `"${resourceVersion}"`;
    if (status === 204) return c.body(null, 204, headers);
    return c.json(output.body as object, status as 200, headers);
  });
}
