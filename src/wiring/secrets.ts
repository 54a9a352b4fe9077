import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { IdGenerator } from '../core/index.ts';
import { KEY_FILE, SecretKeyring, SecretService } from '../secrets/index.ts';
import { channelsFor, type Database, SqlSecretStore } from '../store/index.ts';

/**
 * Secrets sealed with the operator's key (AGENTICAI_SECRET_KEY) or, unset, with a key generated
 * into the data directory (mode 0600). What this process opened is dropped when any replica
 * changes a tenant's secrets.
 */
export async function wireSecrets(
  database: Database,
  config: Config,
  dataDir: string,
  ids: IdGenerator,
  logger: Logger,
): Promise<SecretService> {
  let keyring: SecretKeyring;
  if (config.secretKey) keyring = SecretKeyring.fromKeys(config.secretKey, config.secretKeyPrevious);
  else {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    keyring = SecretKeyring.fromDirectory(dataDir);
    if (database.kind === 'postgres')
      logger.warn(
        { keyFile: `${dataDir}/${KEY_FILE}` },
        'secrets are sealed with a key file of this replica: set AGENTICAI_SECRET_KEY on every replica',
      );
  }
  const channel = channelsFor(database.schema).secrets;
  const secrets = new SecretService(new SqlSecretStore(database.db, channel), keyring, ids);
  await database.listen(channel, (tenantId) => secrets.invalidate(tenantId));
  return secrets;
}
