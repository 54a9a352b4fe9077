import { Counter, Gauge, Registry } from 'prom-client';

/** Cache outcomes as `x-cache` says them; `none` for requests that were not cacheable. */
export const CACHE_LEVELS = ['hit-l1', 'hit-l2', 'hit-l3', 'miss'] as const;

export interface ModelCallSample {
  /** `hit-l1` | `hit-l2` | `hit-l3` | `miss` | null (not cacheable). */
  cache: string | null;
}

/**
 * The model gateway's cache metrics, with seed 004 §17.2's names and labels:
 * `msig_cache_hit_ratio{cache_level}` (hits at that level over cacheable requests since start),
 * with `msig_cache_requests_total{cache_level}` behind it. Tokens and cost come from the
 * `LLM.Invoke` spans (PlatformMetrics).
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly #cache: Counter<'cache_level'>;
  readonly #counts = new Map<string, number>(CACHE_LEVELS.map((level) => [level, 0]));

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    this.#cache = new Counter({
      name: 'msig_cache_requests_total',
      help: 'Cacheable model requests by how the response cache answered them',
      labelNames: ['cache_level'],
      registers: [registry],
    });
    const counts = this.#counts;
    new Gauge({
      name: 'msig_cache_hit_ratio',
      help: 'Share of cacheable model requests answered at each cache level since start',
      labelNames: ['cache_level'],
      registers: [registry],
      collect() {
        const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
        for (const level of ['hit-l1', 'hit-l2', 'hit-l3'] as const)
          this.set({ cache_level: level.slice(4) }, total === 0 ? 0 : (counts.get(level) ?? 0) / total);
      },
    });
  }

  /** One finished model call. */
  observe(sample: ModelCallSample): void {
    if (sample.cache !== null && this.#counts.has(sample.cache)) {
      this.#counts.set(sample.cache, (this.#counts.get(sample.cache) ?? 0) + 1);
      this.#cache.inc({ cache_level: sample.cache });
    }
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
