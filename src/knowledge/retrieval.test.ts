import { describe, expect, it } from 'vitest';
import type { ChunkHit } from './ports.ts';
import { fuseByRank, lexicalRescore, queryTerms, RRF_K } from './retrieval.ts';

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
