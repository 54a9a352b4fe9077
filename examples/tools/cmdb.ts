/**
 * CMDB tool server: `asset_owner` finds who owns an internal address or host, from a local data file.
 *
 *   node --import tsx examples/tools/cmdb.ts [--port 7102]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defineTool, serveTools, ToolError } from '../../src/sdk/index.ts';
import { portArgument, readyLine } from './serve-support.ts';

type Asset = {
  ip: string;
  host: string;
  owner: string;
  team: string;
  criticality: string;
  environment: string;
};
const assets = JSON.parse(readFileSync(new URL('./assets.json', import.meta.url), 'utf8')) as Asset[];

export const assetOwner = defineTool({
  name: 'asset_owner',
  description: 'Owner, team, criticality and environment of an asset, by IP address or host name',
  input: z.object({ query: z.string().min(1).max(253).describe('An IP address or a host name') }),
  annotations: { readOnly: true, idempotent: true },
  run(_ctx, { query }) {
    const asset = assets.find((candidate) => candidate.ip === query || candidate.host === query);
    if (!asset) throw new ToolError(`no asset ${query} in the CMDB`);
    return asset;
  },
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const served = await serveTools([assetOwner], { name: 'cmdb', port: portArgument(7102) });
  readyLine('cmdb', served.url);
}
