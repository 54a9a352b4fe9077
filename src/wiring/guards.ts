import { notFound } from '../core/index.ts';
import {
  HttpInjectionClassifier,
  INJECTION_SOURCES,
  type InjectionConfig,
  InjectionConfigSchema,
  LayeredInjectionDetector,
  PiiMasker,
} from '../guard/index.ts';
import type { ContentInspector, ContentVerdict, Masker } from '../orchestrator/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import type { TenantPolicies } from './tenant-policies.ts';

/**
 * The tenant's guard settings come from its policies: the first policy (by name) with a
 * `pii_masking` (`injection`) section decides; without one, every built-in detector masks, and
 * injections are flagged (tainting the run) but not blocked.
 */
function section<K extends 'pii_masking' | 'injection'>(policies: readonly CompiledPolicy[], key: K) {
  return policies.find((p) => p.spec[key] !== undefined)?.spec[key];
}

/** Per-tenant guards, rebuilt when the tenant's policies change (same objects otherwise). */
export class TenantGuards implements Masker, ContentInspector {
  readonly #maskers = new WeakMap<readonly CompiledPolicy[], PiiMasker>();
  readonly #detectors = new WeakMap<
    readonly CompiledPolicy[],
    { config: InjectionConfig; detector: LayeredInjectionDetector }
  >();

  constructor(
    private readonly policies: TenantPolicies,
    private readonly hashKey: string,
  ) {}

  async masker(tenantId: string, policy?: string): Promise<PiiMasker> {
    const compiled = await this.policies.get(tenantId);
    if (policy !== undefined) {
      const named = compiled.find((p) => p.name === policy);
      if (!named) throw notFound('policy', policy);
      return new PiiMasker(named.spec.pii_masking ?? {}, { hashKey: this.hashKey });
    }
    let masker = this.#maskers.get(compiled);
    if (!masker) {
      masker = new PiiMasker(section(compiled, 'pii_masking') ?? {}, { hashKey: this.hashKey });
      this.#maskers.set(compiled, masker);
    }
    return masker;
  }

  async mask(tenantId: string, value: unknown): Promise<unknown> {
    return (await this.masker(tenantId)).maskValue(value);
  }

  async detector(tenantId: string) {
    const compiled = await this.policies.get(tenantId);
    let entry = this.#detectors.get(compiled);
    if (!entry) {
      const config = InjectionConfigSchema.parse(section(compiled, 'injection') ?? {});
      const classifier = config.classifier
        ? new HttpInjectionClassifier({
            endpoint: config.classifier.endpoint,
            timeoutMs: config.classifier.timeout_ms,
          })
        : undefined;
      entry = {
        config,
        detector: new LayeredInjectionDetector({ config, ...(classifier ? { classifier } : {}) }),
      };
      this.#detectors.set(compiled, entry);
    }
    return entry;
  }

  /** An explicit scan (the guard API): the verdict whatever the policy's action or sources. */
  async detectInjection(tenantId: string, text: string, source: 'user' | 'tool' | 'retrieval') {
    const { config } = await this.detector(tenantId);
    // The tenant's threshold and classifier, but every source and never "disabled": it was asked.
    const scan = { ...config, enabled: true, sources: [...INJECTION_SOURCES] };
    const classifier = config.classifier
      ? new HttpInjectionClassifier({
          endpoint: config.classifier.endpoint,
          timeoutMs: config.classifier.timeout_ms,
        })
      : undefined;
    return new LayeredInjectionDetector({ config: scan, ...(classifier ? { classifier } : {}) }).detect(
      text,
      source,
    );
  }

  async inspect(
    tenantId: string,
    text: string,
    source: 'user' | 'tool' | 'retrieval',
  ): Promise<ContentVerdict> {
    const { config, detector } = await this.detector(tenantId);
    if (!config.enabled || !config.sources.includes(source) || text.length === 0) {
      return { flagged: false, block: false, score: 0, reasons: [] };
    }
    const verdict = await detector.detect(text, source);
    const flagged = verdict.label === 'injection' && config.action !== 'allow';
    return {
      flagged,
      block: flagged && config.action === 'block',
      score: verdict.score,
      reasons: verdict.reasons,
    };
  }
}
