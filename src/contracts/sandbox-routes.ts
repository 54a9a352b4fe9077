import { z } from 'zod';
import { defineRoute } from './route.ts';
import {
  SandboxCreateSchema,
  SandboxDriverStatusSchema,
  SandboxExecResultSchema,
  SandboxExecSchema,
  SandboxSchema,
} from './sandboxes.ts';

const IdParams = z.object({
  id: z.string().regex(/^sbx-[a-z2-7]{16}$/, 'a sandbox id is sbx- and 16 characters'),
});

/** Sandboxes: isolated places to run code (gVisor or bubblewrap), never the host. */
export const sandboxRoutes = {
  getSandboxDriver: defineRoute({
    operationId: 'getSandboxDriver',
    method: 'get',
    path: '/api/v1/sandboxes:driver',
    tag: 'sandboxes',
    summary: 'Which sandbox driver this installation uses, or why code execution is disabled',
    permission: 'sandboxes:use',
    success: { status: 200, description: 'The driver', schema: SandboxDriverStatusSchema },
  }),
  listSandboxes: defineRoute({
    operationId: 'listSandboxes',
    method: 'get',
    path: '/api/v1/sandboxes',
    tag: 'sandboxes',
    summary: "List the tenant's live sandboxes",
    permission: 'sandboxes:use',
    success: {
      status: 200,
      description: 'Live sandboxes',
      schema: z.object({ items: z.array(SandboxSchema) }),
    },
  }),
  createSandbox: defineRoute({
    operationId: 'createSandbox',
    method: 'post',
    path: '/api/v1/sandboxes',
    tag: 'sandboxes',
    summary: 'Create a sandbox',
    description:
      'Taken from the warm pool when the default limits and no egress are asked for, else made cold. ' +
      'It lives until deleted, or until its idle TTL or maximum lifetime passes, on the server that made ' +
      'it. 503 when no sandbox driver works on this host (there is no host fallback).',
    permission: 'sandboxes:use',
    body: SandboxCreateSchema,
    success: { status: 201, description: 'Created', schema: SandboxSchema },
  }),
  getSandbox: defineRoute({
    operationId: 'getSandbox',
    method: 'get',
    path: '/api/v1/sandboxes/{id}',
    tag: 'sandboxes',
    summary: 'Get a sandbox, with its current usage',
    permission: 'sandboxes:use',
    params: IdParams,
    success: { status: 200, description: 'The sandbox', schema: SandboxSchema },
  }),
  execSandbox: defineRoute({
    operationId: 'execSandbox',
    method: 'post',
    path: '/api/v1/sandboxes/{id}:exec',
    tag: 'sandboxes',
    summary: 'Run a command in a sandbox',
    description:
      'Runs argv in /workspace as the unprivileged sandbox user and answers when it ends. A limit ' +
      '(timeout, CPU, memory, output, workspace) ends the command and is named in `outcome`; the ' +
      'answer is still 200. Every exec is audited (`sandbox_exec`).',
    permission: 'sandboxes:use',
    params: IdParams,
    body: SandboxExecSchema,
    success: { status: 200, description: 'How the command ended', schema: SandboxExecResultSchema },
  }),
  deleteSandbox: defineRoute({
    operationId: 'deleteSandbox',
    method: 'delete',
    path: '/api/v1/sandboxes/{id}',
    tag: 'sandboxes',
    summary: 'Destroy a sandbox: kill its processes and delete its workspace',
    permission: 'sandboxes:use',
    params: IdParams,
    success: { status: 204, description: 'Destroyed' },
  }),
} as const;
