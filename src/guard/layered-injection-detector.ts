import { isAppError } from '../core/index.ts';
import type { InjectionClassifier } from './injection-classifier.ts';
import type { InjectionConfig, InjectionSource, InjectionVerdict } from './injection-config.ts';
import { InjectionDetector } from './injection-detector.ts';

export interface LayeredInjectionDetectorOptions {
  config: InjectionConfig;
  /** The external classifier from `config.classifier`, built by the composition root. */
  classifier?: InjectionClassifier;
  builtin?: InjectionDetector;
}

/**
 * The policy-facing detector: the built-in layers, plus an optional external classifier combined
 * per `config.classifier.mode` — `add` takes the higher score and merges the reasons, `replace`
 * lets the classifier decide. If the classifier fails or times out, the built-in verdict stands
 * and a reason says so: a classifier outage must not switch detection off, nor block every text.
 * A disabled config, or a source not in `config.sources`, yields a benign verdict with score 0.
 */
export class LayeredInjectionDetector {
  private readonly config: InjectionConfig;
  private readonly classifier: InjectionClassifier | undefined;
  private readonly builtin: InjectionDetector;

  constructor(options: LayeredInjectionDetectorOptions) {
    this.config = options.config;
    this.classifier = options.classifier;
    this.builtin = options.builtin ?? new InjectionDetector({ threshold: options.config.threshold });
  }

  async detect(text: string, source: InjectionSource, signal?: AbortSignal): Promise<InjectionVerdict> {
    if (!this.config.enabled || !this.config.sources.includes(source))
      return { score: 0, label: 'benign', reasons: [] };
    const local = this.builtin.detect(text, source);
    if (!this.classifier) return local;
    let remote: Awaited<ReturnType<InjectionClassifier['classify']>>;
    try {
      remote = await this.classifier.classify(text, source, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      const why = isAppError(error) ? error.message : 'injection classifier failed';
      return {
        ...local,
        reasons: [...local.reasons, `classifier unavailable, built-in verdict used (${why})`],
      };
    }
    const remoteReasons = (remote.reasons ?? []).map((reason) => `classifier: ${reason}`);
    if (remoteReasons.length === 0) remoteReasons.push(`classifier score ${remote.score}`);
    const replace = this.config.classifier?.mode === 'replace';
    const score = replace ? remote.score : Math.max(local.score, remote.score);
    const reasons = replace ? remoteReasons : [...local.reasons, ...remoteReasons];
    return { score, label: score >= this.config.threshold ? 'injection' : 'benign', reasons };
  }
}
