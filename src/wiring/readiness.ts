import type { Readiness } from '../contracts/index.ts';
import { type Database, pendingMigrations } from '../store/index.ts';

/**
 * `/readyz`: the database answers and every migration is applied. `vectors` says whether dense
 * knowledge search has pgvector's index or scans exactly (ready either way, never silently).
 */
export function readinessCheck(
  database: Database,
  denseIndex?: () => Promise<'hnsw' | 'exact'>,
): () => Promise<Readiness> {
  return async () => {
    const checks: Readiness['checks'] = {};
    try {
      const pending = await pendingMigrations(database.db, database.schema);
      checks.database = { ok: true, detail: database.kind };
      checks.migrations =
        pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` };
      if (denseIndex)
        checks.vectors =
          (await denseIndex()) === 'hnsw'
            ? { ok: true, detail: 'pgvector: HNSW index' }
            : {
                ok: true,
                detail:
                  'warning: pgvector is not installed in this PostgreSQL; dense knowledge search scans every chunk exactly (slower on large bases)',
              };
    } catch (error) {
      checks.database = { ok: false, detail: error instanceof Error ? error.message : 'unreachable' };
    }
    const ready = Object.values(checks).every((check) => check.ok) && checks.migrations !== undefined;
    return { status: ready ? 'ready' : 'not_ready', checks };
  };
}
