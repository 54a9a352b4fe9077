import type { AgentSpec, ApplyAction, Labels } from '../contracts/index.ts';
import { type Clock, canonicalJson, contentHash, type IdGenerator } from '../core/index.ts';
import { assertTransition } from './agent-versions.ts';
import type { AgentRecord, AgentStore, AgentVersionRecord, AgentView } from './ports.ts';

export interface DesiredAgent {
  name: string;
  labels: Labels;
  annotations: Record<string, string>;
  spec: AgentSpec;
}

/** draft: a changed spec becomes (or updates) a draft. publish: what is desired goes live. */
export type ReconcileMode = 'draft' | 'publish';

export interface ReconcileResult {
  action: ApplyAction;
  view: AgentView;
}

interface Context {
  agents: AgentStore;
  clock: Clock;
  ids: IdGenerator;
}

const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Creates the agent with version 1, a draft or published by mode. */
export async function createAgent(
  ctx: Context,
  desired: DesiredAgent,
  mode: ReconcileMode,
): Promise<AgentView> {
  const now = ctx.clock.now();
  const published = mode === 'publish';
  const agent = await ctx.agents.insert({
    id: ctx.ids.next(),
    name: desired.name,
    labels: desired.labels,
    annotations: desired.annotations,
    activeVersion: published ? 1 : null,
    latestVersion: 1,
    createdAt: now,
  });
  const shown = await ctx.agents.insertVersion({
    agentId: agent.id,
    version: 1,
    status: published ? 'published' : 'draft',
    spec: desired.spec,
    specHash: contentHash(desired.spec),
    createdAt: now,
    publishedAt: published ? now : null,
    deprecatedAt: null,
  });
  return { agent, shown };
}

/**
 * Brings an existing agent, read with a row lock in this transaction, to the desired labels and spec. Idempotent: reconciling
 * twice with the same input changes nothing the second time.
 *
 * - draft mode: a spec unlike the latest version's updates the latest draft in place, or adds a
 *   new draft after a published one.
 * - publish mode: a spec equal to the active version's changes nothing; equal to the latest
 *   draft's publishes that draft; otherwise the latest draft is overwritten and published, or a new
 *   published version is added. The published version becomes active.
 */
export async function reconcileAgent(
  ctx: Context,
  existing: AgentView,
  desired: DesiredAgent,
  mode: ReconcileMode,
): Promise<ReconcileResult> {
  const { agent } = existing;
  const specHash = contentHash(desired.spec);
  const latest =
    existing.shown.version === agent.latestVersion
      ? existing.shown
      : ((await ctx.agents.getVersion(agent.id, agent.latestVersion)) ?? existing.shown);
  const active = agent.activeVersion === existing.shown.version ? existing.shown : null;

  let target: AgentVersionRecord | null = null;
  let activeVersion = agent.activeVersion;
  let latestVersion = agent.latestVersion;
  const now = ctx.clock.now();

  if (mode === 'draft') {
    if (latest.specHash !== specHash) {
      target =
        latest.status === 'draft'
          ? await ctx.agents.updateVersion(agent.id, latest.version, { spec: desired.spec, specHash })
          : await newVersion(ctx, agent, desired.spec, specHash, 'draft', now);
      latestVersion = target.version;
    }
  } else if (!(active && active.specHash === specHash)) {
    if (latest.status === 'draft') {
      assertTransition('draft', 'published', latest.version);
      target = await ctx.agents.updateVersion(agent.id, latest.version, {
        spec: desired.spec,
        specHash,
        status: 'published',
        publishedAt: now,
      });
    } else {
      target = await newVersion(ctx, agent, desired.spec, specHash, 'published', now);
      latestVersion = target.version;
    }
    activeVersion = target.version;
  }

  const labelsChanged =
    !sameJson(agent.labels, desired.labels) || !sameJson(agent.annotations, desired.annotations);
  if (!target && !labelsChanged) return { action: 'unchanged', view: existing };
  const updated = await ctx.agents.update(agent.id, {
    labels: desired.labels,
    annotations: desired.annotations,
    activeVersion,
    latestVersion,
  });
  const shownVersion = activeVersion ?? latestVersion;
  const shown =
    target?.version === shownVersion
      ? target
      : shownVersion === existing.shown.version
        ? existing.shown
        : ((await ctx.agents.getVersion(agent.id, shownVersion)) ?? existing.shown);
  return { action: 'configured', view: { agent: updated, shown } };
}

async function newVersion(
  ctx: Context,
  agent: AgentRecord,
  spec: AgentSpec,
  specHash: string,
  status: 'draft' | 'published',
  now: Date,
): Promise<AgentVersionRecord> {
  return ctx.agents.insertVersion({
    agentId: agent.id,
    version: agent.latestVersion + 1,
    status,
    spec,
    specHash,
    createdAt: now,
    publishedAt: status === 'published' ? now : null,
    deprecatedAt: null,
  });
}
