export { type CompiledPiiConfig, compilePiiConfig } from './compile-pii-config.ts';
export {
  type ClassifierVerdict,
  HttpInjectionClassifier,
  type HttpInjectionClassifierOptions,
  type InjectionClassifier,
} from './injection-classifier.ts';
export {
  CLASSIFIER_MODES,
  type ClassifierMode,
  INJECTION_ACTIONS,
  INJECTION_LABELS,
  INJECTION_SOURCES,
  type InjectionAction,
  type InjectionClassifierConfig,
  InjectionClassifierConfigSchema,
  type InjectionConfig,
  type InjectionConfigInput,
  InjectionConfigSchema,
  type InjectionLabel,
  type InjectionSource,
  type InjectionVerdict,
  InjectionVerdictSchema,
} from './injection-config.ts';
export { InjectionDetector, type InjectionDetectorOptions } from './injection-detector.ts';
export {
  LayeredInjectionDetector,
  type LayeredInjectionDetectorOptions,
} from './layered-injection-detector.ts';
export {
  type PiiCustomRule,
  PiiCustomRuleSchema,
  type PiiMaskingConfig,
  type PiiMaskingConfigInput,
  PiiMaskingConfigSchema,
} from './pii-config.ts';
export { type MaskedText, type MaskOptions, PiiMasker, type PiiMaskerOptions } from './pii-masker.ts';
export { PII_ACTIONS, PII_TYPES, type PiiAction, type PiiEntity, type PiiType } from './pii-types.ts';
export { PseudonymVault } from './pseudonym-vault.ts';
