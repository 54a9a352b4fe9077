import {
  type AgentSpec,
  type ApplyResult,
  type ApplyResultItem,
  type FieldError,
  MANIFEST_SCHEMAS,
  type Manifest,
  ManifestEnvelopeSchema,
  type ManifestKind,
} from '../contracts/index.ts';
import { AppError, assertNever, type Clock, fieldErrorsOf, type IdGenerator } from '../core/index.ts';
import { createAgent, reconcileAgent } from './agent-reconcile.ts';
import { checkKnowledgeBase, reconcileKnowledgeBase } from './knowledge-base-service.ts';
import { reconcileModelAlias } from './model-alias-service.ts';
import { checkAliasTargets } from './model-alias-targets.ts';
import { reconcileModelBackend } from './model-backend-service.ts';
import { type PolicySpecCheck, reconcilePolicy } from './policy-service.ts';
import type { RegistryStores, RegistryTransactions } from './ports.ts';
import {
  checkToolReferences,
  reconcileTool,
  reconcileToolServer,
  type ToolServerSpecCheck,
  type ToolSpecCheck,
} from './tool-service.ts';
import { checkTriggerAgent, reconcileTrigger, type TriggerRules } from './trigger-service.ts';

export interface ApplyOptions {
  dryRun: boolean;
  /** Keep changed agents as drafts instead of publishing them. */
  draft: boolean;
  /** Whether the caller may write objects of this kind. */
  mayWrite: (kind: ManifestKind) => boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Kinds that name others are written after them, whatever the order of the documents: an alias
 * after the backends it routes to, a tool after the tool server it lives on, so one file can hold both.
 */
const APPLY_PHASE: Record<ManifestKind, 0 | 1> = {
  Agent: 0,
  ModelBackend: 0,
  Policy: 0,
  ToolServer: 0,
  ModelAlias: 1,
  Tool: 1,
  KnowledgeBase: 0,
  // After the agents it starts.
  Trigger: 1,
};

/** Checks of kinds beyond their schema, each returning the problems under a pointer prefix. */
export interface ManifestChecks {
  agent?: AgentSpecCheck;
  policy?: PolicySpecCheck;
  tool?: ToolSpecCheck;
  toolServer?: ToolServerSpecCheck;
  /** Triggers' checks and schedules; applying a Trigger without them is an internal error. */
  trigger?: TriggerRules;
}

class DryRunRollback extends Error {
  constructor(readonly result: ApplyResultItem[]) {
    super('dry run');
  }
}

/** Validates every manifest before writing any; the pointer of a problem is /items/<index>/<field>. */
/**
 * Checks a schema cannot express (workflow expressions, references): returns the problems with
 * pointers under `prefix` (e.g. /items/3 or the empty string for a single object).
 */
export type AgentSpecCheck = (spec: AgentSpec, prefix: string) => FieldError[];

export function validateManifests(documents: readonly unknown[], checks: ManifestChecks = {}): Manifest[] {
  const errors: FieldError[] = [];
  const manifests: Manifest[] = [];
  const seen = new Map<string, number>();
  documents.forEach((document, index) => {
    const prefix = `/items/${index}`;
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      errors.push({
        pointer: prefix,
        detail: 'a manifest must be a mapping with apiVersion, kind, metadata and spec',
      });
      return;
    }
    const envelope = ManifestEnvelopeSchema.safeParse(document);
    if (!envelope.success) {
      errors.push(...fieldErrorsOf(envelope.error, prefix));
      return;
    }
    const parsed = MANIFEST_SCHEMAS[envelope.data.kind].safeParse(document);
    if (!parsed.success) {
      errors.push(...fieldErrorsOf(parsed.error, prefix));
      return;
    }
    const manifest = parsed.data as Manifest;
    const problems =
      manifest.kind === 'Agent' && checks.agent
        ? checks.agent(manifest.spec, prefix)
        : manifest.kind === 'Policy' && checks.policy
          ? checks.policy(manifest.metadata.name, manifest.spec, `${prefix}/spec`)
          : manifest.kind === 'Tool' && checks.tool
            ? checks.tool(manifest.spec, `${prefix}/spec`)
            : manifest.kind === 'ToolServer' && checks.toolServer
              ? checks.toolServer(manifest.spec, `${prefix}/spec`)
              : manifest.kind === 'Trigger' && checks.trigger
                ? checks.trigger.check(manifest.spec, `${prefix}/spec`)
                : [];
    if (problems.length > 0) {
      errors.push(...problems);
      return;
    }
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        pointer: `${prefix}/metadata/name`,
        detail: `${key} appears twice (also item ${first})`,
      });
      return;
    }
    seen.set(key, index);
    manifests.push(manifest);
  });
  if (errors.length > 0) rejectManifests(errors);
  return manifests;
}

function rejectManifests(errors: FieldError[]): never {
  const first = errors[0];
  throw new AppError(
    'INVALID_REQUEST',
    `${errors.length} problem(s) in the manifests; nothing was applied. First: ${first?.pointer}: ${first?.detail}`,
    { fieldErrors: errors },
  );
}

/** Throws INVALID_REQUEST naming every alias target the tenant's backends (as written so far) cannot serve. */
async function checkReferences(
  stores: RegistryStores,
  staged: readonly { manifest: Manifest; index: number }[],
): Promise<void> {
  const errors: FieldError[] = [];
  for (const { manifest, index } of staged) {
    if (manifest.kind === 'ModelAlias')
      errors.push(...(await checkAliasTargets(stores.modelBackends, manifest.spec, `/items/${index}/spec`)));
    if (manifest.kind === 'Tool')
      errors.push(...(await checkToolReferences(stores.toolServers, manifest.spec, `/items/${index}/spec`)));
    if (manifest.kind === 'Trigger')
      errors.push(...(await checkTriggerAgent(stores, manifest.spec, `/items/${index}/spec`)));
  }
  if (errors.length > 0) rejectManifests(errors);
}

/** `actl apply` and `POST /api/v1/apply`: declarative, idempotent, all or nothing. */
export class ApplyService {
  constructor(
    private readonly transactions: RegistryTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly checks: ManifestChecks = {},
  ) {}

  async apply(tenantId: string, documents: readonly unknown[], options: ApplyOptions): Promise<ApplyResult> {
    const manifests = validateManifests(documents, this.checks);
    const forbidden = [...new Set(manifests.map((m) => m.kind))].filter((kind) => !options.mayWrite(kind));
    if (forbidden.length > 0) {
      throw new AppError(
        'PERMISSION_DENIED',
        `you may not write ${forbidden.join(', ')} objects; nothing was applied`,
      );
    }
    try {
      const items = await this.transactions.run(
        tenantId,
        async (stores) => {
          // Results keep the order of the documents; writes follow APPLY_PHASE.
          const results: ApplyResultItem[] = [];
          const indexed = manifests.map((manifest, index) => ({ manifest, index }));
          for (const phase of [0, 1] as const) {
            const staged = indexed.filter(({ manifest }) => APPLY_PHASE[manifest.kind] === phase);
            if (phase === 1) await checkReferences(stores, staged);
            for (const { manifest, index } of staged)
              results[index] = await this.applyOne(stores, manifest, options.draft);
          }
          if (options.dryRun) throw new DryRunRollback(results);
          return results;
        },
        options.signal,
      );
      return { dryRun: false, items };
    } catch (error) {
      if (error instanceof DryRunRollback) return { dryRun: true, items: error.result };
      throw error;
    }
  }

  private async applyOne(
    stores: RegistryStores,
    manifest: Manifest,
    draft: boolean,
  ): Promise<ApplyResultItem> {
    const name = manifest.metadata.name;
    switch (manifest.kind) {
      case 'Agent': {
        const ctx = { agents: stores.agents, clock: this.clock, ids: this.ids };
        const desired = {
          name,
          labels: manifest.metadata.labels ?? {},
          annotations: manifest.metadata.annotations ?? {},
          spec: manifest.spec,
        };
        const mode = draft ? 'draft' : 'publish';
        const existing = await stores.agents.get(name, { lock: true });
        if (!existing) {
          const view = await createAgent(ctx, desired, mode);
          return { kind: 'Agent', name, action: 'created', version: view.shown.version };
        }
        const { action, view } = await reconcileAgent(ctx, existing, desired, mode);
        return {
          kind: 'Agent',
          name,
          action,
          version: draft ? view.agent.latestVersion : view.shown.version,
        };
      }
      case 'ModelBackend': {
        const { action } = await reconcileModelBackend(
          { modelBackends: stores.modelBackends, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'ModelBackend', name, action };
      }
      case 'ModelAlias': {
        const { action } = await reconcileModelAlias(
          { modelAliases: stores.modelAliases, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'ModelAlias', name, action };
      }
      case 'Tool': {
        const { action } = await reconcileTool(
          { tools: stores.tools, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'Tool', name, action };
      }
      case 'ToolServer': {
        const { action } = await reconcileToolServer(
          { toolServers: stores.toolServers, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'ToolServer', name, action };
      }
      case 'KnowledgeBase': {
        await checkKnowledgeBase(stores.knowledgeBases, manifest);
        const { action } = await reconcileKnowledgeBase(
          { knowledgeBases: stores.knowledgeBases, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'KnowledgeBase', name, action };
      }
      case 'Trigger': {
        const rules = this.checks.trigger;
        if (!rules) throw new AppError('INTERNAL', 'triggers are not wired into apply');
        const { action } = await reconcileTrigger(
          stores,
          { clock: this.clock, ids: this.ids, rules },
          manifest,
        );
        return { kind: 'Trigger', name, action };
      }
      case 'Policy': {
        const { action, record } = await reconcilePolicy(
          { policies: stores.policies, clock: this.clock, ids: this.ids },
          manifest,
        );
        return { kind: 'Policy', name, action, version: record.version };
      }
      default:
        return assertNever(manifest);
    }
  }
}
