import type { FieldError, ModelAliasSpec, ModelBackendSpec } from '../contracts/index.ts';
import type { ModelBackendStore } from './ports.ts';

const listed = (models: readonly string[]): string =>
  models.length <= 5 ? models.join(', ') : `${models.slice(0, 5).join(', ')} and ${models.length - 5} more`;

/**
 * Checks what the alias schema cannot: every `targets[i].backend` is a ModelBackend of the
 * tenant, `model` (when given) is one of its `models`, and `model` is given when the backend
 * serves several. Reads in the caller's transaction, so backends written earlier in the same
 * apply count. Returns the problems with pointers under `prefix` (`/spec` or `/items/3/spec`);
 * empty when the targets are sound. Capabilities, fallbacks and degrade_to are not checked here:
 * they may name objects that come and go, and the gateway resolves them per request.
 */
export async function checkAliasTargets(
  backends: ModelBackendStore,
  spec: ModelAliasSpec,
  prefix: string,
): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  const found = new Map<string, ModelBackendSpec | null>();
  for (const [index, target] of (spec.targets ?? []).entries()) {
    const at = `${prefix}/targets/${index}`;
    if (!found.has(target.backend))
      found.set(target.backend, (await backends.get(target.backend))?.spec ?? null);
    const backend = found.get(target.backend);
    if (!backend) {
      problems.push({
        pointer: `${at}/backend`,
        detail: `no ModelBackend "${target.backend}" in this tenant`,
      });
    } else if (target.model !== undefined && !backend.models.includes(target.model)) {
      problems.push({
        pointer: `${at}/model`,
        detail: `ModelBackend "${target.backend}" does not serve "${target.model}"; it serves ${listed(backend.models)}`,
      });
    } else if (target.model === undefined && backend.models.length > 1) {
      problems.push({
        pointer: `${at}/model`,
        detail: `ModelBackend "${target.backend}" serves several models (${listed(backend.models)}): name one`,
      });
    }
  }
  return problems;
}
