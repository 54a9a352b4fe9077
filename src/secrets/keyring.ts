import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/index.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a key-file keyring keeps its keys, in the data directory. */
export const KEY_FILE = 'secret.key';
const NEXT_FILE = `${KEY_FILE}.next`;
const PREVIOUS_FILE = `${KEY_FILE}.previous`;

interface Key {
  id: string;
  bytes: Buffer;
}

/** Fingerprint of a key: names it in the database without revealing anything of it. */
function keyId(bytes: Buffer): string {
  return createHash('sha256').update('agenticai-secret-key\n').update(bytes).digest('hex').slice(0, 16);
}

/** A 32-byte key written as base64 (44 characters) or hex (64); throws a clear error otherwise. */
export function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (bytes.length !== KEY_BYTES)
    throw new AppError(
      'INVALID_REQUEST',
      `${where} must be a 32-byte key, base64 or hex (generate one with: openssl rand -base64 32)`,
    );
  return bytes;
}

/**
 * The platform's secret keys: one current key that seals every new value, and older keys kept
 * only to open what they sealed until a rotation re-seals it. Values are sealed with AES-256-GCM;
 * the additional data binds a value to its tenant and name, so a ciphertext copied to another row
 * does not open.
 */
export class SecretKeyring {
  readonly #current: Key;
  readonly #keys: Map<string, Key>;
  /** The directory of a key-file keyring; null when the keys come from the environment. */
  readonly #directory: string | null;

  private constructor(current: Key, others: Key[], directory: string | null) {
    this.#current = current;
    this.#keys = new Map([current, ...others].map((key) => [key.id, key]));
    this.#directory = directory;
  }

  /** Keys set by the operator: the current one and any previous ones still to be re-sealed. */
  static fromKeys(current: string, previous: readonly string[] = []): SecretKeyring {
    const bytes = parseKey(current, 'AGENTICAI_SECRET_KEY');
    return new SecretKeyring(
      { id: keyId(bytes), bytes },
      previous.map((text) => {
        const old = parseKey(text, 'AGENTICAI_SECRET_KEY_PREVIOUS');
        return { id: keyId(old), bytes: old };
      }),
      null,
    );
  }

  /**
   * The key file in `directory` (mode 0600), created with a random key on first use. Keys left by
   * an interrupted rotation (`.next`, `.previous`) still open what they sealed.
   */
  static fromDirectory(directory: string): SecretKeyring {
    const path = join(directory, KEY_FILE);
    if (!existsSync(path)) writeKeyFile(path, randomBytes(KEY_BYTES));
    const current = readKeyFile(path);
    const others = [NEXT_FILE, PREVIOUS_FILE]
      .map((name) => join(directory, name))
      .filter((file) => existsSync(file))
      .map(readKeyFile);
    return new SecretKeyring(current, others, directory);
  }

  get currentKeyId(): string {
    return this.#current.id;
  }

  /** True when the keyring can make its own new key (a key file), false when the operator sets it. */
  get generatesKeys(): boolean {
    return this.#directory !== null;
  }

  seal(plaintext: string, binding: string): { sealed: string; keyId: string } {
    return { sealed: sealWith(this.#current, plaintext, binding), keyId: this.#current.id };
  }

  /** Throws SECRET_UNREADABLE if no key of this keyring sealed it, or it was changed or moved. */
  open(sealed: string, sealedBy: string, binding: string): string {
    const key = this.#keys.get(sealedBy);
    if (!key)
      throw new AppError(
        'SECRET_UNREADABLE',
        `a secret was sealed with key ${sealedBy}, which this process does not have (current key ` +
          `${this.#current.id}); every replica needs the same AGENTICAI_SECRET_KEY`,
      );
    const raw = Buffer.from(sealed, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(binding));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new AppError(
        'SECRET_UNREADABLE',
        'a stored secret failed its integrity check (changed or moved)',
      );
    }
  }

  /**
   * A key-file keyring's next key: written beside the current one as `secret.key.next`, so a crash
   * before `promote` loses nothing (both keys open what they sealed). Returns a keyring that seals
   * with the new key and still opens with every old one.
   */
  prepareRotation(): SecretKeyring {
    if (!this.#directory) throw new AppError('CONFLICT', 'the secret key is set by the operator');
    const bytes = randomBytes(KEY_BYTES);
    writeKeyFile(join(this.#directory, NEXT_FILE), bytes);
    const next = { id: keyId(bytes), bytes };
    return new SecretKeyring(next, [...this.#keys.values()], this.#directory);
  }

  /** A rotation that failed: the next key was never used, so its file goes. */
  abandon(): void {
    if (this.#directory) rmSync(join(this.#directory, NEXT_FILE), { force: true });
  }

  /** After every secret is re-sealed with it: the next key becomes the key file; the old ones go. */
  promote(): void {
    if (!this.#directory) return;
    const directory = this.#directory;
    const current = join(directory, KEY_FILE);
    renameSync(current, join(directory, PREVIOUS_FILE));
    renameSync(join(directory, NEXT_FILE), current);
    rmSync(join(directory, PREVIOUS_FILE), { force: true });
  }
}

function sealWith(key: Key, plaintext: string, binding: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(Buffer.from(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

function writeKeyFile(path: string, bytes: Buffer): void {
  writeFileSync(path, `${bytes.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readKeyFile(path: string): Key {
  const bytes = parseKey(readFileSync(path, 'utf8'), path);
  return { id: keyId(bytes), bytes };
}
