import type { Kysely } from 'kysely';
import { LabelsSchema } from '../contracts/index.ts';
import type { SealedSecret, SecretStore } from '../secrets/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { notify } from './run-signals.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

interface Row {
  id: string;
  name: string;
  labels: unknown;
  keys: string[];
  sealed: string;
  key_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toSealed(row: Row): SealedSecret {
  return {
    id: row.id,
    name: row.name,
    labels: readJson(LabelsSchema, row.labels, 'secret labels'),
    keys: row.keys,
    sealed: row.sealed,
    keyId: row.key_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * SecretStore over PGlite or PostgreSQL: tenant-scoped transactions under row-level security;
 * only the key rotation runs as the platform, across tenants.
 */
export class SqlSecretStore implements SecretStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly channel: string,
  ) {}

  list(
    tenantId: string,
    page: { limit: number; after?: string | undefined },
    signal?: AbortSignal,
  ): Promise<SealedSecret[]> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        let query = trx
          .selectFrom('secrets')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('name')
          .limit(page.limit);
        if (page.after !== undefined) query = query.where('name', '>', page.after);
        return (await query.execute()).map(toSealed);
      },
      signal,
    );
  }

  get(tenantId: string, name: string, signal?: AbortSignal): Promise<SealedSecret | null> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .selectFrom('secrets')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('name', '=', name)
          .executeTakeFirst();
        return row ? toSealed(row) : null;
      },
      signal,
    );
  }

  put(
    tenantId: string,
    secret: Pick<SealedSecret, 'id' | 'name' | 'labels' | 'keys' | 'sealed' | 'keyId'>,
    signal?: AbortSignal,
  ): Promise<{ secret: SealedSecret; created: boolean }> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .insertInto('secrets')
          .values({
            id: secret.id,
            tenant_id: tenantId,
            name: secret.name,
            labels: writeJson(secret.labels),
            keys: secret.keys,
            sealed: secret.sealed,
            key_id: secret.keyId,
            created_at: new Date(),
            updated_at: new Date(),
          })
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'name']).doUpdateSet((eb) => ({
              labels: eb.ref('excluded.labels'),
              keys: eb.ref('excluded.keys'),
              sealed: eb.ref('excluded.sealed'),
              key_id: eb.ref('excluded.key_id'),
              version: eb('secrets.version', '+', 1),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .returningAll()
          .executeTakeFirstOrThrow();
        await notify(trx, this.channel, tenantId);
        return { secret: toSealed(row), created: row.id === secret.id };
      },
      signal,
    );
  }

  delete(tenantId: string, name: string, signal?: AbortSignal): Promise<boolean> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const result = await trx
          .deleteFrom('secrets')
          .where('tenant_id', '=', tenantId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await notify(trx, this.channel, tenantId);
        return true;
      },
      signal,
    );
  }

  async resealAll(
    keyId: string,
    reseal: (secret: SealedSecret & { tenantId: string }) => string,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('secrets')
        .selectAll()
        .where('key_id', '<>', keyId)
        .forUpdate()
        .execute();
      const tenants = new Set<string>();
      for (const row of rows) {
        const sealed = reseal({ ...toSealed(row), tenantId: row.tenant_id });
        await trx.updateTable('secrets').set({ sealed, key_id: keyId }).where('id', '=', row.id).execute();
        tenants.add(row.tenant_id);
      }
      for (const tenantId of tenants) await notify(trx, this.channel, tenantId);
      return rows.length;
    });
  }
}
