import { readdirSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

/** PostgreSQL's default buffer cache, and the least `auto` chooses. */
export const MIN_SHARED_BUFFERS_MB = 128;
/** The most `auto` chooses: PGlite's heap is 32-bit WebAssembly memory, shared with every query. */
export const MAX_AUTO_SHARED_BUFFERS_MB = 1024;

const MiB = 1024 * 1024;

/**
 * PGlite's buffer cache (`shared_buffers`) for a cluster whose tables and indexes take
 * `relationBytes`: half of them, so that the hot part of a large knowledge base (its HNSW and
 * full-text indexes, the chunks they point to) stays in the cache instead of being read back
 * through the WebAssembly file system on every search; at least PostgreSQL's default 128 MB, at
 * most 1 GB or an eighth of the machine's memory. The cache is allocated (and touched) when the
 * database opens, so a small install does not pay for it.
 */
export function autoSharedBuffersMb(relationBytes: number, memoryBytes: number = totalmem()): number {
  const wanted = Math.ceil(relationBytes / 2 / (16 * MiB)) * 16;
  const ceiling = Math.min(MAX_AUTO_SHARED_BUFFERS_MB, Math.floor(memoryBytes / 8 / MiB));
  return Math.max(MIN_SHARED_BUFFERS_MB, Math.min(wanted, ceiling));
}

/** The bytes of a cluster's relations: the files under `base/` (tables, indexes, TOAST). */
export function relationBytes(clusterDir: string): number {
  let total = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) total += statSync(path).size;
    }
  };
  try {
    walk(join(clusterDir, 'base'));
  } catch {
    return 0;
  }
  return total;
}
