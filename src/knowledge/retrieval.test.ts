import { describe, expect, it } from 'vitest';
import type { ChunkHit } from './ports.ts';
import {
  ALWAYS_RETRIEVING_CHUNKS,
  COMMON_TERM_SHARE,
  fuseByRank,
  lexicalRescore,
  queryTerms,
  RRF_K,
  retrievingTerms,
} from './retrieval.ts';

const hit = (chunkId: string, tokens: string, score = 1): ChunkHit => ({
  chunkId,
  documentKey: chunkId,
  source: null,
  title: null,
  heading: null,
  text: tokens,
  tokens,
  start: 0,
  end: tokens.length,
  score,
  metadata: {},
  accessGroup: 'everyone',
  sensitivity: 1,
});

describe('fuseByRank', () => {
  it('adds 1 / (k + rank) from each list, so agreement beats one list’s first place', () => {
    const fused = fuseByRank([hit('a', ''), hit('b', '')], [hit('b', ''), hit('c', '')]);
    expect(fused.map((entry) => entry.hit.chunkId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.fused).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 1), 10);
    expect(fused[0]).toMatchObject({ dense: 1, sparse: 1 });
    expect(fused[2]).toMatchObject({ dense: null, sparse: 1 });
  });
});

describe('queryTerms', () => {
  it('drops English and Chinese function words unless nothing else is left', () => {
    expect(queryTerms(['how', 'do', 'we', 'isolate', 'hosts', 'hosts'])).toEqual(['isolate', 'hosts']);
    expect(queryTerms(['如何', '隔离', '主机', '的'])).toEqual(['隔离', '主机']);
    expect(queryTerms(['the', 'of'])).toEqual(['the', 'of']);
  });
});

describe('lexicalRescore', () => {
  it('puts the chunk covering more of the query first, bigrams in order counting extra', () => {
    const tokens = ['isolate', 'infected', 'hosts'];
    const fused = fuseByRank(
      [
        hit('partial', 'isolate the network'),
        hit('full', 'hosts that are infected isolate'),
        hit('ordered', 'isolate infected hosts now'),
      ],
      [],
    );
    const ranked = lexicalRescore(tokens, tokens, fused, (entry) => entry.tokens.split(' '));
    expect(ranked.map((entry) => entry.hit.chunkId)).toEqual(['ordered', 'full', 'partial']);
    expect(ranked[0]?.rerank).toBeGreaterThan(ranked[1]?.rerank ?? 0);
  });
});

describe('retrievingTerms', () => {
  const statistics = (holding: Record<string, number>, chunks = 100_000) => ({
    chunks,
    holding: new Map(Object.entries(holding)),
  });

  it('leaves out the terms in 1 % of the base or more, and keeps the rare ones, rarest first', () => {
    const chosen = retrievingTerms(
      ['security', 'incident', 'madrid', 'checkout', 'walrus'],
      statistics({ security: 30_000, incident: 1_000, madrid: 400, checkout: 100, walrus: 999 }),
    );
    expect(chosen).toEqual(['checkout', 'madrid', 'walrus']);
    expect(1_000 / 100_000).toBe(COMMON_TERM_SHARE);
  });

  it('judges a term by the base it searches: common in a small base is rare in a large one', () => {
    expect(retrievingTerms(['vpn'], statistics({ vpn: 60 }, 2_000))).toEqual([]);
    expect(retrievingTerms(['vpn'], statistics({ vpn: 60 }, 100_000))).toEqual(['vpn']);
  });

  it('lets a term in only a few chunks retrieve even where that is most of a tiny base', () => {
    expect(retrievingTerms(['credential'], statistics({ credential: 1 }, 1))).toEqual(['credential']);
    expect(
      retrievingTerms(['vpn'], statistics({ vpn: ALWAYS_RETRIEVING_CHUNKS }, ALWAYS_RETRIEVING_CHUNKS)),
    ).toEqual(['vpn']);
  });

  it('puts a term the base does not hold first: it costs nothing to look up', () => {
    expect(retrievingTerms(['checkout', 'inc_2024_0317'], statistics({ checkout: 10 }))).toEqual([
      'inc_2024_0317',
      'checkout',
    ]);
  });

  it('retrieves with every term when there are no statistics or no chunks, and with none when all are common', () => {
    expect(retrievingTerms(['a', 'b'], null)).toEqual(['a', 'b']);
    expect(retrievingTerms(['a', 'b'], statistics({}, 0))).toEqual(['a', 'b']);
    expect(retrievingTerms(['a', 'b'], statistics({ a: 50_000, b: 1_000 }))).toEqual([]);
  });
});
