import type { Logger } from 'pino';
import { type CompiledPolicy, compilePolicy } from '../policy/index.ts';
import type { PolicyService } from '../registry/index.ts';
import type { Database } from '../store/index.ts';

/**
 * Each tenant's policies, compiled once and kept until a write to them is announced on the
 * policies channel (NOTIFY on commit, so every replica hears it within milliseconds). A load that
 * raced a change is not kept.
 */
export class TenantPolicies {
  readonly #loaded = new Map<string, Promise<CompiledPolicy[]>>();
  readonly #generation = new Map<string, number>();
  #unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly policies: PolicyService,
    private readonly logger: Logger,
  ) {}

  async listen(database: Database, channel: string): Promise<void> {
    this.#unlisten = await database.listen(channel, (tenantId) => this.invalidate(tenantId));
  }

  invalidate(tenantId: string): void {
    this.#generation.set(tenantId, (this.#generation.get(tenantId) ?? 0) + 1);
    this.#loaded.delete(tenantId);
  }

  get(tenantId: string): Promise<CompiledPolicy[]> {
    const cached = this.#loaded.get(tenantId);
    if (cached) return cached;
    const generation = this.#generation.get(tenantId) ?? 0;
    const loading = this.#load(tenantId);
    this.#loaded.set(tenantId, loading);
    loading.then(
      () => {
        if ((this.#generation.get(tenantId) ?? 0) !== generation) this.#loaded.delete(tenantId);
      },
      () => this.#loaded.delete(tenantId),
    );
    return loading;
  }

  async #load(tenantId: string): Promise<CompiledPolicy[]> {
    const records = await this.policies.all(tenantId);
    // A stored policy that no longer compiles fails the decision (closed), loudly.
    return records.map((record) => {
      try {
        return compilePolicy(record.spec, { name: record.name, version: record.version });
      } catch (error) {
        this.logger.error({ err: error, tenantId, policy: record.name }, 'a stored policy does not compile');
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.#unlisten?.();
  }
}
