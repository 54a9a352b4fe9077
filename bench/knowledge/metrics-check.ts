/**
 * Self-check of the metric functions (vitest does not collect bench/): exits non-zero on the first
 * wrong answer.
 *
 *   npx tsx bench/knowledge/metrics-check.ts
 */
import assert from 'node:assert/strict';
import type { Hit } from './metrics.ts';
import { judge, locate, mean, offsetsFit, scoreQuery, summarizeLatency } from './metrics.ts';

const content = `# Title\n\n## Retention\n\nVPN authentication logs are retained for 400 days in the archive. Other text follows here.\n`;
const passage = 'VPN authentication logs are retained for 400 days in the archive.';
const [judgment] = locate([{ document: 'doc-1', passage }], (id) => (id === 'doc-1' ? content : undefined));
assert.ok(judgment);
const { start, end } = judgment;
assert.equal(content.slice(start, end), passage, 'locate finds the passage offsets');
assert.throws(() => locate([{ document: 'doc-1', passage: 'not there at all' }], () => content));

const hit = (from: number, to: number, documentId = 'doc-1'): Hit => ({
  documentId,
  start: from,
  end: to,
  text: content.slice(from, to),
});
const half = Math.ceil(passage.length / 2);

// Offsets: the chunk covers the whole passage, exactly half, just under half, or another document.
assert.deepEqual(judge(hit(0, content.length), judgment, content), { relevant: true, rule: 'offsets' });
assert.equal(judge(hit(start, start + half), judgment, content).relevant, true, 'half the passage counts');
assert.equal(judge(hit(end - half, content.length), judgment, content).relevant, true, 'the other half too');
assert.equal(judge(hit(start, start + half - 1), judgment, content).relevant, false, 'under half does not');
assert.equal(judge(hit(0, content.length, 'doc-2'), judgment, content).relevant, false, 'other document');
assert.equal(judge(hit(0, start), judgment, content).relevant, false, 'a chunk before the passage');

// A heading path in front of the chunk text still fits its offsets.
const prefixed = {
  ...hit(start - 14, content.length),
  text: `Title > Retention\n\n${content.slice(start - 14)}`,
};
assert.equal(offsetsFit(prefixed, content), true);

// No offsets, or offsets into another text: the text rule (first 40 characters of the passage).
const noOffsets: Hit = { documentId: 'doc-1', text: `Retention\n${passage.slice(0, 45)}` };
assert.deepEqual(judge(noOffsets, judgment, content), { relevant: true, rule: 'text' });
const tooShort: Hit = { documentId: 'doc-1', text: passage.slice(0, 39) };
assert.equal(judge(tooShort, judgment, content).relevant, false, 'fewer than 40 characters do not count');
const wrongOffsets: Hit = { documentId: 'doc-1', start: 0, end: 10, text: passage };
assert.deepEqual(judge(wrongOffsets, judgment, content), { relevant: true, rule: 'text' });
const shortPassage = { document: 'doc-1', passage: 'Other text', start: 0, end: 10 };
assert.equal(judge({ documentId: 'doc-1', text: 'x Other  text y' }, shortPassage).relevant, true);

// recall@5 and MRR@10 over ranked hits; a passage two chunks hold counts once.
const second = locate([{ document: 'doc-1', passage: 'Other text follows here.' }], () => content)[0];
assert.ok(second);
const miss = hit(0, 5);
const firstHit = hit(start, end);
const secondHit = hit(second.start, second.end);
const ranked = [miss, miss, firstHit, firstHit, miss, miss, secondHit, miss, miss, miss];
const scored = scoreQuery(ranked, [judgment, second], { k: 5, depth: 10, contentOf: () => content });
assert.equal(scored.recall, 0.5, 'one of two passages in the top 5');
assert.equal(scored.reciprocalRank, 1 / 3, 'first relevant hit at rank 3');
assert.equal(scoreQuery(ranked, [judgment, second], { k: 10, depth: 10 }).recall, 1);
assert.equal(scoreQuery([miss, miss], [judgment], { k: 5, depth: 10 }).reciprocalRank, 0);
assert.equal(
  scoreQuery(Array(10).fill(miss).concat(firstHit), [judgment], { k: 5, depth: 10 }).reciprocalRank,
  0,
);
assert.deepEqual(scored.rules, { offsets: 10, text: 0 });

const averaged = mean([scored, { recall: 1, reciprocalRank: 1, rules: { offsets: 0, text: 0 } }]);
assert.deepEqual(averaged, { queries: 2, recall: 0.75, mrr: (1 / 3 + 1) / 2 });
assert.ok(Number.isNaN(mean([]).recall));

// Percentiles: nearest rank over 1..100 ms.
const latency = summarizeLatency(Array.from({ length: 100 }, (_, i) => 100 - i));
assert.deepEqual(latency, { n: 100, p50: 51, p95: 96, p99: 100, mean: 50.5 });

console.log('metrics self-check: all assertions passed');
