import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { HASHING_EMBEDDER_DIMENSIONS, hashingEmbed } from './hashing-embedder.ts';

const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe('hashingEmbed', () => {
  it('returns a unit vector of the default width', () => {
    const vector = hashingEmbed('The database connection pool was exhausted.');
    expect(vector).toHaveLength(HASHING_EMBEDDER_DIMENSIONS);
    expect(norm(vector)).toBeCloseTo(1, 12);
    expect(vector.filter((value) => value !== 0).length).toBeGreaterThan(10);
  });

  it('honours a custom width', () => {
    const vector = hashingEmbed('containment and recovery', 64);
    expect(vector).toHaveLength(64);
    expect(norm(vector)).toBeCloseTo(1, 12);
  });

  it('gives identical texts cosine 1, and ignores case and NFKC-only differences', () => {
    const text = 'Rotate the API keys after an incident.';
    expect(dot(hashingEmbed(text), hashingEmbed(text))).toBeCloseTo(1, 12);
    expect(hashingEmbed('ROTATE the ＡＰＩ keys after an incident.')).toEqual(hashingEmbed(text));
  });

  it('scores a rewording that shares words above an unrelated text', () => {
    const query = hashingEmbed('The database connection pool was exhausted during the nightly backup job.');
    const reworded = hashingEmbed('During the nightly backup, the database pool ran out of connections.');
    const unrelated = hashingEmbed('Our marketing team launched a spring campaign for new customers.');
    expect(dot(query, reworded)).toBeGreaterThan(0.4);
    expect(dot(query, reworded)).toBeGreaterThan(dot(query, unrelated) + 0.3);
  });

  it('credits shared word stems through character trigrams', () => {
    const query = hashingEmbed('restarting containers');
    expect(dot(query, hashingEmbed('restarted container'))).toBeGreaterThan(
      dot(query, hashingEmbed('quarterly revenue')) + 0.2,
    );
  });

  it('scores Chinese texts sharing words above unrelated Chinese text', () => {
    const query = hashingEmbed('数据库连接失败，请检查连接池配置。');
    const related = hashingEmbed('连接池配置错误导致数据库连接失败');
    const unrelated = hashingEmbed('今天天气很好，我们去公园散步吧。');
    expect(dot(query, related)).toBeGreaterThan(0.4);
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.3);
  });

  it('uses word order through bigrams without letting it dominate', () => {
    const a = hashingEmbed('dog bites man');
    const similarity = dot(a, hashingEmbed('man bites dog'));
    expect(similarity).toBeLessThan(0.999);
    expect(similarity).toBeGreaterThan(0.5);
  });

  it('gives the zero vector for empty and wordless text', () => {
    for (const text of ['', '   \n', '--- !!! 🚀']) {
      const vector = hashingEmbed(text);
      expect(vector).toHaveLength(HASHING_EMBEDDER_DIMENSIONS);
      expect(vector.every((value) => value === 0)).toBe(true);
    }
  });

  it('is deterministic: stored vectors stay comparable across calls, processes and releases', () => {
    const vector = hashingEmbed('hello world');
    expect(hashingEmbed('hello world')).toEqual(vector);
    // Pinned: changing the hashing invalidates every vector already stored with this embedder.
    const strongest = vector
      .map((value, index) => ({ index, value }))
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index)
      .slice(0, 3)
      .map(({ index, value }) => [index, Number(value.toFixed(6))]);
    expect(strongest).toEqual(PINNED_HELLO_WORLD);
  });

  it('gives the same vector for a short text after embedding a huge one (scratch reuse)', () => {
    const before = hashingEmbed('containment first, then eradication');
    const huge = Array.from({ length: 40_000 }, (_, i) => `token${i} w${i % 977}`).join(' ');
    expect(norm(hashingEmbed(huge))).toBeCloseTo(1, 9);
    expect(hashingEmbed('containment first, then eradication')).toEqual(before);
  });

  it('rejects a width that is not a positive integer within the limit', () => {
    for (const dimensions of [0, -1, 1.5, Number.NaN, 1_000_000]) {
      let caught: unknown;
      try {
        hashingEmbed('x', dimensions);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught) && caught.code === 'INVALID_REQUEST').toBe(true);
    }
  });
});

const PINNED_HELLO_WORLD: [number, number][] = [
  [57, 0.518825],
  [110, -0.518825],
  [84, -0.363177],
];
