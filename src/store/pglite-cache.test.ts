import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoSharedBuffersMb, relationBytes } from './pglite-cache.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('autoSharedBuffersMb', () => {
  it('keeps PostgreSQL’s 128 MB for a small cluster', () => {
    expect(autoSharedBuffersMb(0, 16 * GiB)).toBe(128);
    expect(autoSharedBuffersMb(200 * MiB, 16 * GiB)).toBe(128);
  });

  it('grows to half the relations, in 16 MB steps', () => {
    expect(autoSharedBuffersMb(832 * MiB, 16 * GiB)).toBe(416);
    expect(autoSharedBuffersMb(833 * MiB, 16 * GiB)).toBe(432);
  });

  it('stops at 1 GB, and at an eighth of the machine’s memory', () => {
    expect(autoSharedBuffersMb(10 * GiB, 64 * GiB)).toBe(1024);
    expect(autoSharedBuffersMb(10 * GiB, 2 * GiB)).toBe(256);
    // Never below the default, even on a tiny machine.
    expect(autoSharedBuffersMb(10 * GiB, 512 * MiB)).toBe(128);
  });
});

describe('relationBytes', () => {
  it('adds up the files under base/, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agenticai-cluster-'));
    try {
      mkdirSync(join(dir, 'base', '5'), { recursive: true });
      mkdirSync(join(dir, 'pg_wal'));
      writeFileSync(join(dir, 'base', '5', '1259'), Buffer.alloc(8192));
      writeFileSync(join(dir, 'base', '5', '2619'), Buffer.alloc(16384));
      writeFileSync(join(dir, 'pg_wal', '000000010000000000000001'), Buffer.alloc(65536));
      expect(relationBytes(dir)).toBe(24576);
      expect(relationBytes(join(dir, 'missing'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
