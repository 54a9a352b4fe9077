import type { AgentSpec } from '../contracts/index.ts';
import { AppError, notFound } from '../core/index.ts';
import type { AgentStore, AgentView, RegistryTransactions } from './ports.ts';

async function requireAgent(agents: AgentStore, name: string): Promise<AgentView> {
  const view = await agents.get(name);
  if (!view) throw notFound('agent', name);
  return view;
}

/** What runs need from the registry: the version a new run uses, and the spec of a version. */
export class AgentCatalogService {
  constructor(private readonly transactions: RegistryTransactions) {}

  /**
   * The version a new run uses: the one named, else the active one. Throws NOT_FOUND for an
   * unknown agent or version; CONFLICT for a deprecated version, or when nothing is published and
   * no version was named (a draft runs only when asked for by number).
   */
  async runnableVersion(
    tenantId: string,
    name: string,
    version?: number,
  ): Promise<{ version: number; spec: AgentSpec }> {
    return this.transactions.run(tenantId, async ({ agents }) => {
      const view = await requireAgent(agents, name);
      const wanted = version ?? view.agent.activeVersion;
      if (wanted === null) {
        throw new AppError(
          'CONFLICT',
          `agent "${name}" has no published version: publish one, or name a draft with "version"`,
        );
      }
      const record =
        wanted === view.shown.version ? view.shown : await agents.getVersion(view.agent.id, wanted);
      if (!record) throw new AppError('NOT_FOUND', `agent "${name}" has no version ${wanted}`);
      if (record.status === 'deprecated') {
        throw new AppError(
          'CONFLICT',
          `version ${wanted} of agent "${name}" is deprecated and cannot start runs`,
        );
      }
      return { version: wanted, spec: record.spec };
    });
  }

  /** The spec of one version, or null if the agent or the version no longer exists. */
  async specOf(tenantId: string, name: string, version: number): Promise<AgentSpec | null> {
    return this.transactions.run(tenantId, async ({ agents }) => {
      const view = await agents.get(name);
      if (!view) return null;
      return (await agents.getVersion(view.agent.id, version))?.spec ?? null;
    });
  }
}
