import type { z } from 'zod';
import type { Permission } from './identity.ts';

export const HTTP_METHODS = ['get', 'post', 'put', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * One API operation. The server validates with these schemas, the OpenAPI document is generated
 * from them and the typed client derives its types from them: a route is written once.
 *
 * `path` uses OpenAPI templates (`/api/v1/agents/{name}:rollback`); a custom method after a
 * colon follows Google's AIP-136.
 */
export interface Route<
  P extends AnyObject | undefined = AnyObject | undefined,
  Q extends AnyObject | undefined = AnyObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  operationId: string;
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The permission the caller needs; `authenticated`: any valid principal; `public`: no credentials. */
  permission: Permission | 'authenticated' | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Request media types besides application/json (the apply endpoint takes YAML too). */
  extraBodyTypes?: readonly string[];
  /** Whether the operation honours `If-Match` and answers with an `ETag`. */
  etag?: boolean;
  /** The operation answers (always, or when asked) with a `text/event-stream` of run events. */
  eventStream?: 'always' | 'optional';
  success: { status: 200 | 201 | 202 | 204; description: string; schema?: R };
}

export function defineRoute<
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
>(route: Route<P, Q, B, R>): Route<P, Q, B, R> {
  return route;
}

type InputOf<S> = S extends z.ZodType ? z.input<S> : never;

/** What a caller passes to the typed client for a route. */
export type RouteInput<T> =
  T extends Route<infer P, infer Q, infer B, z.ZodType | undefined>
    ? (P extends AnyObject ? { params: InputOf<P> } : { params?: undefined }) &
        (Q extends AnyObject ? { query?: Partial<InputOf<Q>> } : { query?: undefined }) &
        (B extends z.ZodType ? { body: InputOf<B> } : { body?: undefined }) & {
          headers?: Record<string, string>;
          signal?: AbortSignal;
        }
    : never;

/** What the typed client returns for a route. */
export type RouteOutput<T> =
  T extends Route<AnyObject | undefined, AnyObject | undefined, z.ZodType | undefined, infer R>
    ? R extends z.ZodType
      ? z.output<R>
      : undefined
    : never;
