import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { SecretService } from '../secrets/index.ts';

/** The ModelBackend the demo's agents think with, from AGENTICAI_OPENAI_BASE_URL (and _API_KEY, _MODEL). */
export const DEMO_BACKEND = 'demo-llm';
const KEY_SECRET = 'demo-llm-key';

/**
 * ModelBackend demo-llm at the configured OpenAI-compatible endpoint. The model is
 * AGENTICAI_OPENAI_MODEL, else the first one the server lists at /models (vLLM and Ollama list
 * theirs), else "default" with a warning. The API key is kept as a secret, never in the manifest.
 */
export async function demoModelBackend(
  deps: { config: Config; secrets: SecretService; logger: Logger },
  tenantId: string,
): Promise<{ manifest: unknown; endpoint: string; name: string }> {
  const { config, logger } = deps;
  const endpoint = (config.openaiBaseUrl as string).replace(/\/+$/, '');
  if (config.openaiApiKey)
    await deps.secrets.put(tenantId, KEY_SECRET, { data: { key: config.openaiApiKey } });
  const name = config.openaiModel ?? (await listedModel(endpoint, config.openaiApiKey, logger));
  const manifest = {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ModelBackend',
    metadata: { name: DEMO_BACKEND, labels: { demo: 'secops' } },
    spec: {
      type: 'openai-compatible',
      endpoint,
      models: [name],
      capabilities: ['general_chat', 'security_analysis'],
      trust: 'internal',
      timeout: '120s',
      ...(config.openaiApiKey ? { apiKeySecretRef: { name: KEY_SECRET, key: 'key' } } : {}),
    },
  };
  return { manifest, endpoint, name };
}

async function listedModel(endpoint: string, apiKey: string | undefined, logger: Logger): Promise<string> {
  try {
    const response = await fetch(`${endpoint}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(3_000),
    });
    const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
    const first = body.data?.[0]?.id;
    if (response.ok && typeof first === 'string' && first.length > 0) return first;
    logger.warn(
      { endpoint, status: response.status },
      'the model server lists no model; set AGENTICAI_OPENAI_MODEL',
    );
  } catch (error) {
    logger.warn(
      { endpoint, err: error },
      'could not list the models of AGENTICAI_OPENAI_BASE_URL; set AGENTICAI_OPENAI_MODEL',
    );
  }
  return 'default';
}
