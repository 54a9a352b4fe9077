import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.ts';
import { isAppError } from '../core/index.ts';
import {
  type BackendDirectory,
  type GatewayBackend,
  type GatewayInvocation,
  ModelGateway,
} from '../gateway/index.ts';
import { type PiiMasker, PseudonymVault } from '../guard/index.ts';
import type { ModelBackendService } from '../registry/index.ts';
import { AuditBatcher } from './audit-batcher.ts';

const PAGE = 500;

/** The registry's model backends as the gateway's read-only directory. */
function backendDirectory(modelBackends: ModelBackendService): BackendDirectory {
  const toBackend = (resource: Awaited<ReturnType<ModelBackendService['get']>>): GatewayBackend => ({
    name: resource.metadata.name,
    spec: resource.spec,
    createdAt: new Date(resource.metadata.createdAt),
  });
  return {
    find: async (tenantId, name, signal) => {
      try {
        return toBackend(await modelBackends.get(tenantId, name, signal));
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },
    list: async (tenantId, signal) => {
      const backends: GatewayBackend[] = [];
      let cursor: string | undefined;
      do {
        const page = await modelBackends.list(tenantId, { limit: PAGE, cursor }, signal);
        backends.push(...page.items.map(toBackend));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return backends;
    },
  };
}

/**
 * The model gateway over the registry, the guard's pseudonymizer (for `trust: external`
 * backends) and the audit log: one `llm_invoke` record per call, group-committed off the
 * response path; a failed write is logged, never the caller's problem.
 */
export function wireGateway(deps: {
  modelBackends: ModelBackendService;
  masker: PiiMasker;
  audit: AuditLog;
  logger: Logger;
}): ModelGateway {
  const batcher = new AuditBatcher(deps.audit);
  const record = (invocation: GatewayInvocation) => {
    batcher
      .append(invocation.tenantId, [
        {
          actorType: 'principal',
          actor: invocation.principal,
          action: 'llm_invoke',
          tool: invocation.model,
          decision: invocation.error === null ? 'ok' : 'error',
          metadata: {
            operation: invocation.operation,
            stream: invocation.stream,
            status: invocation.status,
            input_tokens: invocation.inputTokens,
            output_tokens: invocation.outputTokens,
            latency_ms: invocation.latencyMs,
            ...(invocation.error === null ? {} : { error: invocation.error }),
          },
        },
      ])
      .catch((error: unknown) =>
        deps.logger.error({ err: error, model: invocation.model }, 'gateway audit record lost'),
      );
  };
  return new ModelGateway({
    directory: backendDirectory(deps.modelBackends),
    pseudonymizer: () => {
      const vault = new PseudonymVault();
      return {
        hide: (text) => deps.masker.pseudonymize(text, vault).text,
        restore: (text) => deps.masker.restore(text, vault),
      };
    },
    audit: record,
  });
}
