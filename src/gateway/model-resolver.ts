import { GatewayError } from './openai-wire.ts';
import type { BackendDirectory, GatewayBackend } from './ports.ts';

/** Where one request goes: the backend, the model name it knows, and the id the caller sees. */
export interface ResolvedModel {
  backend: GatewayBackend;
  /** The model name sent upstream. */
  upstreamModel: string;
  /** `backend/model`: the id in the model list and in the audit log. */
  id: string;
}

export const modelId = (backend: string, model: string) => `${backend}/${model}`;

/**
 * Resolves a request's `model` within the caller's tenant:
 * - `backend/model` names a backend and one of its models; model names may hold slashes
 *   themselves (`meta-llama/Llama-3`), so a prefix that is no backend falls through to:
 * - a bare model name served by exactly one backend of the tenant.
 * Throws a 404 `model_not_found` GatewayError if nothing serves it, a 400 naming the candidates if
 * several backends do.
 */
export async function resolveModel(
  directory: BackendDirectory,
  tenantId: string,
  model: string,
  signal: AbortSignal,
): Promise<ResolvedModel> {
  const slash = model.indexOf('/');
  if (slash > 0) {
    const backend = await directory.find(tenantId, model.slice(0, slash), signal);
    const upstreamModel = model.slice(slash + 1);
    if (backend?.spec.models.includes(upstreamModel))
      return { backend, upstreamModel, id: modelId(backend.name, upstreamModel) };
  }
  const serving = (await directory.list(tenantId, signal)).filter((backend) =>
    backend.spec.models.includes(model),
  );
  const [only, ...others] = serving;
  if (!only)
    throw new GatewayError(404, {
      message: `The model \`${model}\` does not exist or you do not have access to it; GET /v1/models lists what you may use.`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  if (others.length > 0)
    throw new GatewayError(400, {
      message: `The model \`${model}\` is served by several backends; name one of: ${serving
        .map((backend) => modelId(backend.name, model))
        .join(', ')}`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_ambiguous',
    });
  return { backend: only, upstreamModel: model, id: modelId(only.name, model) };
}
