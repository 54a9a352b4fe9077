import type { ApplyAction, FieldError, Labels, Page, Policy, PolicyManifest } from '../contracts/index.ts';
import { API_VERSION } from '../contracts/index.ts';
import {
  type Clock,
  canonicalJson,
  contentHash,
  decodeCursor,
  encodeCursor,
  type IdGenerator,
  NameCursorSchema,
  notFound,
} from '../core/index.ts';
import type { PolicyRecord, PolicyStore, RegistryTransactions } from './ports.ts';

/**
 * Checks only the policy engine can make (globs, CIDRs, CEL conditions, custom regexes), with
 * pointers under `prefix`; main.ts plugs in the compiler from policy/.
 */
export type PolicySpecCheck = (name: string, spec: PolicyManifest['spec'], prefix: string) => FieldError[];

/** Creates or updates a policy to match a manifest; reports what it did and the version in force. */
export async function reconcilePolicy(
  ctx: { policies: PolicyStore; clock: Clock; ids: IdGenerator },
  manifest: PolicyManifest,
): Promise<{ action: ApplyAction; record: PolicyRecord }> {
  const labels: Labels = manifest.metadata.labels ?? {};
  const annotations = manifest.metadata.annotations ?? {};
  const specHash = contentHash(manifest.spec);
  const existing = await ctx.policies.get(manifest.metadata.name);
  if (!existing) {
    const record = await ctx.policies.insert({
      id: ctx.ids.next(),
      name: manifest.metadata.name,
      labels,
      annotations,
      spec: manifest.spec,
      specHash,
      createdAt: ctx.clock.now(),
    });
    return { action: 'created', record };
  }
  if (
    existing.specHash === specHash &&
    canonicalJson(existing.labels) === canonicalJson(labels) &&
    canonicalJson(existing.annotations) === canonicalJson(annotations)
  ) {
    return { action: 'unchanged', record: existing };
  }
  const record = await ctx.policies.update(existing.id, {
    labels,
    annotations,
    spec: manifest.spec,
    specHash,
  });
  return { action: 'configured', record };
}

export function toPolicyResource(record: PolicyRecord): Policy {
  return {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: {
      name: record.name,
      uid: record.id,
      labels: record.labels,
      ...(Object.keys(record.annotations).length > 0 ? { annotations: record.annotations } : {}),
      resourceVersion: String(record.version),
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
    },
    spec: record.spec,
    status: { version: record.version },
  };
}

/** Reading and deleting policies (writing goes through apply). */
export class PolicyService {
  constructor(private readonly transactions: RegistryTransactions) {}

  async list(tenantId: string, query: { limit: number; cursor?: string | undefined }): Promise<Page<Policy>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const rows = await this.transactions.run(tenantId, ({ policies }) =>
      policies.list({ limit: query.limit + 1, after }),
    );
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toPolicyResource),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ name: last.name }) : null,
    };
  }

  async get(tenantId: string, name: string): Promise<Policy> {
    const found = await this.transactions.run(tenantId, ({ policies }) => policies.get(name));
    if (!found) throw notFound('policy', name);
    return toPolicyResource(found);
  }

  /** Every policy of the tenant as stored, for the decision point to compile. */
  async all(tenantId: string): Promise<PolicyRecord[]> {
    return this.transactions.run(tenantId, ({ policies }) => policies.all());
  }

  async delete(tenantId: string, name: string): Promise<void> {
    await this.transactions.run(tenantId, async ({ policies }) => {
      const found = await policies.get(name);
      if (!found) throw notFound('policy', name);
      await policies.delete(found.id);
    });
  }
}
