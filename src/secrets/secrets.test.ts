import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, uuidv7Ids } from '../core/index.ts';
import { channelsFor, type Database, migrateToLatest, openDatabase, SqlSecretStore } from '../store/index.ts';
import { KEY_FILE, SecretKeyring } from './keyring.ts';
import { SecretService } from './secret-service.ts';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('hex');

describe('SecretKeyring', () => {
  it('opens what it sealed, only under the same binding', () => {
    const keyring = SecretKeyring.fromKeys(KEY_A);
    const { sealed, keyId } = keyring.seal('hunter2', 'tenant-1\ndb');
    expect(sealed).not.toContain('hunter2');
    expect(keyring.open(sealed, keyId, 'tenant-1\ndb')).toBe('hunter2');
    expect(() => keyring.open(sealed, keyId, 'tenant-2\ndb')).toThrow(/integrity/);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => keyring.open(tampered, keyId, 'tenant-1\ndb')).toThrow(AppError);
  });

  it('seals the same value differently every time (a fresh IV)', () => {
    const keyring = SecretKeyring.fromKeys(KEY_A);
    expect(keyring.seal('same', 'b').sealed).not.toBe(keyring.seal('same', 'b').sealed);
  });

  it('names a key it does not have instead of failing obscurely', () => {
    const sealedByA = SecretKeyring.fromKeys(KEY_A).seal('v', 'b');
    expect(() => SecretKeyring.fromKeys(KEY_B).open(sealedByA.sealed, sealedByA.keyId, 'b')).toThrow(
      new RegExp(`sealed with key ${sealedByA.keyId}.*AGENTICAI_SECRET_KEY`),
    );
    // With the old key as a previous one, it opens.
    expect(SecretKeyring.fromKeys(KEY_B, [KEY_A]).open(sealedByA.sealed, sealedByA.keyId, 'b')).toBe('v');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => SecretKeyring.fromKeys('c2hvcnQ=')).toThrow(/32-byte key/);
  });

  it('generates a key file readable by its owner only, and keeps it across opens', () => {
    const directory = mkdtempSync(join(tmpdir(), 'agenticai-keyring-'));
    try {
      const first = SecretKeyring.fromDirectory(directory);
      const file = join(directory, KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(SecretKeyring.fromDirectory(directory).currentKeyId).toBe(first.currentKeyId);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('loses nothing if a rotation stops between writing the new key and promoting it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'agenticai-keyring-'));
    try {
      const old = SecretKeyring.fromDirectory(directory);
      const byOld = old.seal('old value', 'b');
      const next = old.prepareRotation();
      const byNext = next.seal('new value', 'b');
      // A crash here: the process starts again from the files.
      const reopened = SecretKeyring.fromDirectory(directory);
      expect(reopened.open(byOld.sealed, byOld.keyId, 'b')).toBe('old value');
      expect(reopened.open(byNext.sealed, byNext.keyId, 'b')).toBe('new value');
      next.promote();
      const after = SecretKeyring.fromDirectory(directory);
      expect(after.currentKeyId).toBe(next.currentKeyId);
      expect(existsSync(join(directory, `${KEY_FILE}.next`))).toBe(false);
      expect(existsSync(join(directory, `${KEY_FILE}.previous`))).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('rejects a key file that was truncated', () => {
    const directory = mkdtempSync(join(tmpdir(), 'agenticai-keyring-'));
    try {
      writeFileSync(join(directory, KEY_FILE), 'AAAA\n');
      expect(() => SecretKeyring.fromDirectory(directory)).toThrow(/32-byte key/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('SecretService over PGlite', () => {
  let database: Database;
  let directory: string;
  const tenant = 'tenant-secrets';
  const other = 'tenant-other';

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'agenticai-secrets-'));
    database = await openDatabase({});
    await migrateToLatest(database.db, database.schema);
    for (const id of [tenant, other])
      await database.db.insertInto('tenants').values({ id, name: id, display_name: id }).execute();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const service = (keyring = SecretKeyring.fromDirectory(directory)) =>
    new SecretService(
      new SqlSecretStore(database.db, channelsFor(database.schema).secrets),
      keyring,
      uuidv7Ids,
    );

  it('stores only ciphertext and key names, and resolves a reference to its value', async () => {
    const secrets = service();
    const stored = await secrets.put(tenant, 'intel', { data: { token: 'tok-123-secret', user: 'soc' } });
    expect(stored).toMatchObject({ name: 'intel', keys: ['token', 'user'], version: 1 });
    expect(JSON.stringify(stored)).not.toContain('tok-123-secret');
    const rows = await sql<{ text: string }>`select row_to_json(s)::text as text from secrets s`.execute(
      database.db,
    );
    expect(rows.rows.map((r) => r.text).join('\n')).not.toContain('tok-123-secret');

    expect(await secrets.resolve(tenant, { name: 'intel', key: 'token' })).toBe('tok-123-secret');
    await expect(secrets.resolve(tenant, { name: 'intel' })).rejects.toThrow(/has 2 keys \(token, user\)/);
    await expect(secrets.resolve(tenant, { name: 'intel', key: 'nope' })).rejects.toThrow(/no key "nope"/);
    await expect(secrets.resolve(other, { name: 'intel' })).rejects.toThrow(/not found/);
  });

  it('takes the only key when the reference names none, and sees a replacement at once', async () => {
    const secrets = service();
    await secrets.put(tenant, 'single', { data: { value: 'one' } });
    expect(await secrets.resolve(tenant, { name: 'single' })).toBe('one');
    const replaced = await secrets.put(tenant, 'single', { data: { value: 'two' } });
    expect(replaced.version).toBe(2);
    expect(await secrets.resolve(tenant, { name: 'single' })).toBe('two');
    await secrets.delete(tenant, 'single');
    await expect(secrets.resolve(tenant, { name: 'single' })).rejects.toThrow(/not found/);
  });

  it('refuses a ciphertext moved to another row', async () => {
    const secrets = service();
    await secrets.put(tenant, 'moved-from', { data: { v: 'a' } });
    await secrets.put(tenant, 'moved-to', { data: { v: 'b' } });
    await sql`update secrets set sealed = (select sealed from secrets where name = 'moved-from')
      where name = 'moved-to'`.execute(database.db);
    await expect(service().resolve(tenant, { name: 'moved-to' })).rejects.toThrow(/integrity/);
  });

  it('re-encrypts every tenant under a new key file, and every secret still opens', async () => {
    const secrets = service();
    await secrets.put(tenant, 'rot-a', { data: { v: 'value-a' } });
    await secrets.put(other, 'rot-b', { data: { v: 'value-b' } });
    const before = readFileSync(join(directory, KEY_FILE), 'utf8');
    // The secret broken by the test above stops the rotation, all or nothing, and is named.
    await expect(secrets.rotate()).rejects.toThrow(
      /secret "moved-to" of tenant tenant-secrets cannot be opened/,
    );
    expect(readFileSync(join(directory, KEY_FILE), 'utf8')).toBe(before);
    expect(existsSync(join(directory, `${KEY_FILE}.next`))).toBe(false);
    expect(await service().resolve(tenant, { name: 'rot-a' })).toBe('value-a');
    await secrets.delete(tenant, 'moved-to');

    const rotation = await secrets.rotate();
    expect(rotation.generated).toBe(true);
    expect(rotation.reencrypted).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(directory, KEY_FILE), 'utf8')).not.toBe(before);
    const keyIds = await sql<{ key_id: string }>`select distinct key_id from secrets`.execute(database.db);
    expect(keyIds.rows).toEqual([{ key_id: rotation.keyId }]);
    // A fresh process reads the new key file and opens everything.
    const fresh = service();
    expect(await fresh.resolve(tenant, { name: 'rot-a' })).toBe('value-a');
    expect(await fresh.resolve(other, { name: 'rot-b' })).toBe('value-b');
    expect((await fresh.rotate()).reencrypted).toBeGreaterThan(0);
  });
});
