import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { type Problem, ProblemSchema } from '../../src/contracts/index.ts';
import type { TestPlatform } from './platform.ts';

/** A raw HTTP reply with its JSON body parsed (undefined when the body is empty). */
export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** What `sendTo` may add to a request; see `TestPlatform.request`. */
export interface SendOptions {
  body?: unknown;
  headers?: Record<string, string>;
  apiKey?: string | null;
}

/**
 * Sends a raw request through `t.request` and parses the JSON body. `apiKey` is passed on only when
 * given: null sends no credentials, undefined uses the platform's admin key.
 */
export async function sendTo<T = unknown>(
  t: TestPlatform,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply<T>> {
  const response = await t.request(method, path, {
    ...(options.body === undefined ? {} : { body: options.body as object }),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text.length > 0 ? JSON.parse(text) : undefined) as T,
  };
}

/** Asserts an RFC 9457 problem+json reply with this status and code, and returns the problem. */
export function expectProblem(reply: Reply<unknown>, status: number, code: string): Problem {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(reply.body);
  expect(problem.status).toBe(status);
  expect(problem.code).toBe(code);
  return problem;
}

/** A name no other test run uses: `prefix-` and eight hex digits. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
