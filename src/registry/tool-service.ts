import type {
  ApplyAction,
  FieldError,
  Tool,
  ToolServerSpec,
  ToolServerWrite,
  ToolSpec,
  ToolWrite,
} from '../contracts/index.ts';
import { AppError, type Clock, type IdGenerator } from '../core/index.ts';
import type {
  RegistryStores,
  RegistryTransactions,
  ToolRecord,
  ToolServerRecord,
  ToolServerStore,
  ToolStore,
} from './ports.ts';
import { type StoredToolServer, toToolResource, toToolServerResource } from './resources.ts';
import {
  reconcileSpec,
  type SpecKindDefinition,
  SpecResourceService,
  type SpecWrite,
} from './spec-resource-service.ts';

/**
 * What a schema cannot check of a tool or tool server (an argument schema that compiles, a
 * built-in that exists, a stdio command the operator allows): problems with pointers under
 * `prefix` (e.g. /items/3 or the empty string).
 */
export type ToolSpecCheck = (spec: ToolSpec, prefix: string) => FieldError[];
export type ToolServerSpecCheck = (spec: ToolServerSpec, prefix: string) => FieldError[];

function rejectIf(problems: FieldError[], noun: string): void {
  const first = problems[0];
  if (first)
    throw new AppError('INVALID_REQUEST', `the ${noun} spec is invalid (${first.pointer}: ${first.detail})`, {
      fieldErrors: problems,
    });
}

/** An mcp tool must name a tool server of the tenant (as written so far in the transaction). */
export async function checkToolReferences(
  toolServers: ToolServerStore,
  spec: ToolSpec,
  prefix: string,
): Promise<FieldError[]> {
  if (spec.type !== 'mcp') return [];
  const server = (spec.config as { server?: string } | undefined)?.server;
  if (server && !(await toolServers.get(server)))
    return [{ pointer: `${prefix}/config/server`, detail: `no ToolServer named "${server}" in this tenant` }];
  return [];
}

export function reconcileTool(
  ctx: { tools: ToolStore; clock: Clock; ids: IdGenerator },
  write: ToolWrite,
): Promise<{ action: ApplyAction; record: ToolRecord }> {
  return reconcileSpec(ctx.tools, ctx, 'tool', write);
}

export function reconcileToolServer(
  ctx: { toolServers: ToolServerStore; clock: Clock; ids: IdGenerator },
  write: ToolServerWrite,
): Promise<{ action: ApplyAction; record: ToolServerRecord }> {
  return reconcileSpec(ctx.toolServers, ctx, 'tool server', write);
}

/** Registered tools (kind: Tool). */
export class ToolService extends SpecResourceService<ToolSpec, Tool> {
  constructor(transactions: RegistryTransactions, clock: Clock, ids: IdGenerator, checkTool: ToolSpecCheck) {
    const kind: SpecKindDefinition<ToolSpec, Tool> = {
      noun: 'tool',
      store: (stores: RegistryStores) => stores.tools,
      toResource: toToolResource,
      check: async (stores, write: SpecWrite<ToolSpec>) =>
        rejectIf(
          [
            ...checkTool(write.spec, '/spec'),
            ...(await checkToolReferences(stores.toolServers, write.spec, '/spec')),
          ],
          'tool',
        ),
    };
    super(transactions, clock, ids, kind);
  }
}

/** MCP tool servers (kind: ToolServer), as stored; the tool gateway adds their connection status. */
export class ToolServerService extends SpecResourceService<ToolServerSpec, StoredToolServer> {
  constructor(
    transactions: RegistryTransactions,
    clock: Clock,
    ids: IdGenerator,
    checkToolServer: ToolServerSpecCheck,
  ) {
    super(transactions, clock, ids, {
      noun: 'tool server',
      store: (stores) => stores.toolServers,
      toResource: toToolServerResource,
      check: async (_stores, write) => rejectIf(checkToolServer(write.spec, '/spec'), 'tool server'),
    });
  }
}
