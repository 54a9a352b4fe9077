import type { Logger } from 'pino';
import type { ApplyService } from '../registry/index.ts';

/** Applies the example agents (and what they need) to a fresh store; returns `Kind/name` of each. */
export async function loadDemo(
  apply: ApplyService,
  tenantId: string,
  manifests: Parameters<ApplyService['apply']>[1],
  logger: Logger,
): Promise<string[]> {
  const result = await apply.apply(tenantId, manifests, {
    dryRun: false,
    draft: false,
    mayWrite: () => true,
  });
  const loaded = result.items.map((item) => `${item.kind}/${item.name}`);
  logger.info({ objects: loaded }, 'demo objects loaded');
  return loaded;
}
