import { describe, expect, it } from 'vitest';
import { CHUNK_STRATEGIES } from '../contracts/index.ts';
import { isAppError } from '../core/index.ts';
import { type ChunkOptions, chunkText, type TextChunk } from './chunking.ts';

const PROSE = [
  'Incident response starts with triage. The on-call engineer confirms the alert, opens an incident',
  'channel and pages the owning team. Nobody fixes anything before the scope is known!',
  '',
  'Containment comes next: isolate the affected hosts, revoke leaked credentials and block the',
  'attacker’s addresses at the edge. Keep evidence; do not wipe disks yet. Was anything exfiltrated?',
  '',
  'Recovery restores service from known-good images, rotates every secret the attacker could have read,',
  'and watches for reinfection for at least a week. The postmortem follows within five working days.',
].join('\n');

const RUNBOOK = [
  '# Runbook',
  '',
  'How we handle security incidents.',
  '',
  '## Containment',
  '',
  'Isolate the host. Revoke the keys! Check the logs for lateral movement.',
  '',
  '```sh',
  '# not a heading: a shell comment',
  'iptables -A INPUT -s 203.0.113.7 -j DROP',
  '```',
  '',
  '## Recovery',
  '',
  '### Verify',
  '',
  'Run the smoke tests and compare error rates with last week.',
].join('\n');

const CHINESE =
  '数据库连接在凌晨三点失败。我们重启了连接池！有帮助吗？没有。服务器日志显示内存不足导致进程被系统终止。' +
  '值班工程师随后扩容了实例，并在监控面板上确认错误率恢复正常。事后复盘将在五个工作日内完成。';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The invariants every strategy promises. */
function expectWellFormed(input: string, chunks: TextChunk[], options: ChunkOptions): void {
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.text).toBe(input.slice(chunk.start, chunk.end));
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(chunk.text.length).toBeLessThanOrEqual(options.size);
    expect(chunk.text).not.toMatch(LONE_SURROGATE);
    const previous = chunks[i - 1];
    if (previous) {
      expect(chunk.start).toBeGreaterThan(previous.start);
      expect(chunk.end).toBeGreaterThan(previous.end);
      expect(previous.end - chunk.start).toBeLessThanOrEqual(options.overlap);
    }
  });
}

/** Every non-whitespace character of the input lies in some chunk. */
function expectCovered(input: string, chunks: TextChunk[]): void {
  const covered = new Uint8Array(input.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  const missing = [...input].findIndex((char, i) => covered[i] === 0 && char.trim() !== '');
  expect(missing).toBe(-1);
}

describe('chunkText', () => {
  it.each(CHUNK_STRATEGIES)('keeps the invariants for %s on prose, markdown and Chinese', (strategy) => {
    for (const input of [PROSE, RUNBOOK, CHINESE, `${PROSE}\n\n${CHINESE}`])
      for (const [size, overlap] of [
        [80, 20],
        [200, 50],
        [37, 0],
      ] as const) {
        const options = { strategy, size, overlap };
        const chunks = chunkText(input, options);
        expectWellFormed(input, chunks, options);
        if (strategy !== 'markdown-headings') expectCovered(input, chunks);
        expect(chunkText(input, options)).toEqual(chunks);
      }
  });

  it('returns nothing for empty or blank text', () => {
    for (const strategy of CHUNK_STRATEGIES) {
      expect(chunkText('', { strategy, size: 100, overlap: 10 })).toEqual([]);
      expect(chunkText(' \n\n\t ', { strategy, size: 100, overlap: 10 })).toEqual([]);
    }
  });

  it('returns a short text as one trimmed chunk', () => {
    expect(chunkText('\n  Just one line.  \n', { strategy: 'recursive', size: 100, overlap: 10 })).toEqual([
      { index: 0, text: 'Just one line.', start: 3, end: 17 },
    ]);
  });

  it('recursive: packs whole paragraphs when they fit', () => {
    const chunks = chunkText(PROSE, { strategy: 'recursive', size: 300, overlap: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(PROSE.split('\n\n'));
  });

  it('recursive: overlaps on word boundaries and never cuts a word', () => {
    const chunks = chunkText(PROSE, { strategy: 'recursive', size: 120, overlap: 40 });
    expect(chunks.length).toBeGreaterThan(4);
    let overlapping = 0;
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.start === 0 || /\s/.test(PROSE[chunk.start - 1] ?? '')).toBe(true);
      expect(chunk.end === PROSE.length || /[\s]/.test(PROSE[chunk.end] ?? '')).toBe(true);
      if (i > 0 && (chunks[i - 1]?.end ?? 0) > chunk.start) overlapping++;
    }
    expect(overlapping).toBeGreaterThan(chunks.length / 2);
  });

  it('recursive: prefers to start an overlap at a sentence', () => {
    const text = 'Alpha beta gamma delta. Epsilon zeta eta theta iota. Kappa lambda mu nu xi omicron pi.';
    const [first, second] = chunkText(text, { strategy: 'recursive', size: 70, overlap: 35 });
    expect(first?.text).toBe('Alpha beta gamma delta. Epsilon zeta eta theta iota.');
    expect(second?.text.startsWith('Epsilon')).toBe(true);
  });

  it('recursive: cuts Chinese without spaces by characters and still overlaps', () => {
    const text = '服务器日志显示内存不足导致进程被系统终止'.repeat(20);
    const chunks = chunkText(text, { strategy: 'recursive', size: 50, overlap: 10 });
    expectWellFormed(text, chunks, { strategy: 'recursive', size: 50, overlap: 10 });
    expectCovered(text, chunks);
    expect(chunks.every((chunk, i) => i === 0 || (chunks[i - 1]?.end ?? 0) - chunk.start === 10)).toBe(true);
  });

  it('recursive: splits Chinese at sentence ends before anything finer', () => {
    const chunks = chunkText(CHINESE, { strategy: 'recursive', size: 40, overlap: 0 });
    for (const chunk of chunks) expect(chunk.text).toMatch(/[。！？]$/);
  });

  it('keeps surrogate pairs whole even when a cut leaves room for one character only', () => {
    const text = '🚀'.repeat(30);
    const options = { strategy: 'recursive', size: 2, overlap: 1 } as const;
    const chunks = chunkText(text, options);
    expectWellFormed(text, chunks, options);
    expect(chunks).toHaveLength(30);
  });

  it('hard-cuts one giant token without overlapping inside it or splitting surrogate pairs', () => {
    const text = `start ${'🚀x'.repeat(100)} end`;
    const options = { strategy: 'recursive', size: 25, overlap: 8 } as const;
    const chunks = chunkText(text, options);
    expectWellFormed(text, chunks, options);
    expectCovered(text, chunks);
  });

  it('recursive: labels chunks with the heading they start under, when there are headings', () => {
    const headings: [number, string][] = [
      [0, 'Runbook'],
      [RUNBOOK.indexOf('## Containment'), 'Runbook > Containment'],
      [RUNBOOK.indexOf('## Recovery'), 'Runbook > Recovery'],
      [RUNBOOK.indexOf('### Verify'), 'Runbook > Recovery > Verify'],
    ];
    const chunks = chunkText(RUNBOOK, { strategy: 'recursive', size: 50, overlap: 10 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks)
      expect(chunk.heading).toBe(headings.findLast(([offset]) => offset <= chunk.start)?.[1]);
    const nested = '# A\n\ntext a.\n\n## B\n\n### C\n\ntext c.';
    expect(chunkText(nested, { strategy: 'recursive', size: 15, overlap: 0 })).toMatchObject([
      { text: '# A\n\ntext a.', heading: 'A' },
      { text: '## B\n\n### C', heading: 'A > B' },
      { text: 'text c.', heading: 'A > B > C' },
    ]);
    expect(chunkText(PROSE, { strategy: 'recursive', size: 90, overlap: 0 })[0]).not.toHaveProperty(
      'heading',
    );
  });

  it('markdown-headings: one chunk per section with its heading path', () => {
    const chunks = chunkText(RUNBOOK, { strategy: 'markdown-headings', size: 1000, overlap: 100 });
    expect(chunks.map((chunk) => chunk.heading)).toEqual([
      'Runbook',
      'Runbook > Containment',
      'Runbook > Recovery > Verify',
    ]);
    expect(chunks[1]?.text).toContain('# not a heading: a shell comment');
    expect(chunks[1]?.text.startsWith('## Containment')).toBe(true);
    // "## Recovery" has no text of its own: it lives on in its child's path.
    expect(chunks.some((chunk) => chunk.text === '## Recovery')).toBe(false);
  });

  it('markdown-headings: splits a long section and keeps its heading on every piece', () => {
    const text = `# Guide\n\nIntro.\n\n## Details\n\n${PROSE}\n\n## End\n\nBye.`;
    const options = { strategy: 'markdown-headings', size: 120, overlap: 30 } as const;
    const chunks = chunkText(text, options);
    expectWellFormed(text, chunks, options);
    const details = chunks.filter((chunk) => chunk.heading === 'Guide > Details');
    expect(details.length).toBeGreaterThan(3);
    // The heading line alone would be a useless chunk: the path carries it.
    expect(details.some((chunk) => chunk.text === '## Details')).toBe(false);
    expect(chunks.at(-1)).toMatchObject({ heading: 'Guide > End', text: '## End\n\nBye.' });
    // Overlap stays inside a section.
    expect(chunks.filter((chunk) => chunk.text.includes('Intro.'))).toHaveLength(1);
  });

  it('markdown-headings: text without headings is one section without a heading', () => {
    const chunks = chunkText(PROSE, { strategy: 'markdown-headings', size: 2000, overlap: 0 });
    expect(chunks).toEqual([{ index: 0, text: PROSE, start: 0, end: PROSE.length }]);
  });

  it('sentence: packs whole sentences and overlaps by whole sentences', () => {
    const options = { strategy: 'sentence', size: 200, overlap: 80 } as const;
    const chunks = chunkText(PROSE, options);
    const sentenceStarts = new Set<number>();
    const unwrapped = PROSE.replace(/(?<!\n)\n(?!\n)/g, ' ');
    for (const segment of new Intl.Segmenter('und', { granularity: 'sentence' }).segment(unwrapped))
      sentenceStarts.add(segment.index + (segment.segment.length - segment.segment.trimStart().length));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.text).toMatch(/[.!?]$/);
      expect(sentenceStarts.has(chunk.start)).toBe(true);
    }
    expect(chunks.some((chunk, i) => i > 0 && (chunks[i - 1]?.end ?? 0) > chunk.start)).toBe(true);
  });

  it('sentence: splits Chinese at 。！？', () => {
    const chunks = chunkText(CHINESE, { strategy: 'sentence', size: 30, overlap: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      '数据库连接在凌晨三点失败。我们重启了连接池！有帮助吗？没有。',
      '服务器日志显示内存不足导致进程被系统终止。',
      '值班工程师随后扩容了实例，并在监控面板上确认错误率恢复正常。',
      '事后复盘将在五个工作日内完成。',
    ]);
  });

  it('rejects a size or overlap that cannot work', () => {
    for (const [size, overlap] of [
      [0, 0],
      [-5, 0],
      [10.5, 0],
      [100, 100],
      [100, -1],
      [100, 1.5],
    ]) {
      let caught: unknown;
      try {
        chunkText(PROSE, { strategy: 'recursive', size: size ?? 0, overlap: overlap ?? 0 });
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught) && caught.code === 'INVALID_REQUEST').toBe(true);
    }
  });

  it('chunks a megabyte with every strategy, including one huge line and spaceless Chinese', () => {
    const section = `## Section\n\n${PROSE}\n\n${CHINESE}\n\n`;
    const inputs = [
      section.repeat(Math.ceil(1_000_000 / section.length)),
      'word '.repeat(200_000),
      '数据库连接失败'.repeat(150_000),
    ];
    for (const strategy of ['recursive', 'markdown-headings'] as const)
      for (const input of inputs) {
        const chunks = chunkText(input, { strategy, size: 1000, overlap: 150 });
        expect(chunks.length).toBeGreaterThan(900);
      }
  });

  it('packs two megabytes by sentences', () => {
    const input = `${PROSE}\n\n${CHINESE}\n\n`.repeat(Math.ceil(2_000_000 / (PROSE.length + CHINESE.length)));
    expect(chunkText(input, { strategy: 'sentence', size: 1000, overlap: 150 }).length).toBeGreaterThan(1500);
  });
});
