import {
  type ToolServerSpec,
  ToolServerSpecSchema,
  type ToolSpec,
  ToolSpecSchema,
} from '../contracts/index.ts';
import { SqlSpecStore } from './spec-resource-repository.ts';
import type { Tx } from './tenant-scope.ts';

/** Registered tools of one tenant; every write notifies the tools channel (the tool catalog). */
export class SqlToolStore extends SqlSpecStore<ToolSpec> {
  constructor(trx: Tx, tenantId: string, channel: string) {
    super(trx, tenantId, channel, { table: 'tools', noun: 'tool', schema: ToolSpecSchema });
  }
}

/** MCP tool servers of one tenant; every write notifies the tools channel (connections follow). */
export class SqlToolServerStore extends SqlSpecStore<ToolServerSpec> {
  constructor(trx: Tx, tenantId: string, channel: string) {
    super(trx, tenantId, channel, {
      table: 'tool_servers',
      noun: 'tool server',
      schema: ToolServerSpecSchema,
    });
  }
}
