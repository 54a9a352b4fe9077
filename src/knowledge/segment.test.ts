import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_LENGTH, segmentWords } from './segment.ts';

/** What the brief asks for, done the slow way: ICU word segments, lower-cased and stripped. */
function icuWords(text: string): string[] {
  const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
  return [...segmenter.segment(text.normalize('NFKC').toLowerCase())]
    .filter((segment) => segment.isWordLike)
    .map((segment) => segment.segment.replace(/[^\p{L}\p{M}\p{N}_]/gu, ''))
    .filter(Boolean);
}

const LEXEME = /^[\p{L}\p{M}\p{N}_]+$/u;

describe('segmentWords', () => {
  it('splits Chinese into dictionary words, not at spaces', () => {
    const tokens = segmentWords('数据库连接失败');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens).toContain('连接');
    expect(tokens).toContain('失败');
    expect(tokens.some((token) => token.length >= 2 && token.startsWith('数据'))).toBe(true);
    expect(tokens.join('')).toBe('数据库连接失败');
  });

  it('drops Chinese punctuation and keeps the words around it', () => {
    const tokens = segmentWords('数据库连接失败，请检查日志。');
    expect(tokens).toContain('检查');
    expect(tokens).toContain('日志');
    expect(tokens.join('')).toBe('数据库连接失败请检查日志');
  });

  it('segments Japanese and Thai, which have no spaces either', () => {
    expect(segmentWords('テキストを分割します')).toContain('テキスト');
    const thai = segmentWords('ภาษาไทยง่ายนิดเดียว');
    expect(thai.length).toBeGreaterThan(2);
    expect(thai.join('')).toBe('ภาษาไทยง่ายนิดเดียว');
  });

  it('lower-cases, NFKC-normalises and strips joiners inside words', () => {
    expect(segmentWords('Hello, WORLD! It’s v1.2 of ＡＢＣ — ﬁle 1,000 e.g.')).toEqual([
      'hello',
      'world',
      'its',
      'v12',
      'of',
      'abc',
      'file',
      '1000',
      'eg',
    ]);
  });

  it('keeps underscores, as ICU does, and drops punctuation runs', () => {
    expect(segmentWords('snake_case __init__ ___ --- x86_64')).toEqual([
      'snake_case',
      '__init__',
      '___',
      'x86_64',
    ]);
  });

  it('returns only tsquery-safe lexemes, even from punctuation soup', () => {
    const tokens = segmentWords(
      "a&b|c!d(e):f*g<h>i'j \"k\" l\\m 'n' o:p & | ! ( ) : * < > 🚀 #x @y $1 50% https://h.example/p?q=1",
    );
    expect(tokens.length).toBeGreaterThan(10);
    for (const token of tokens) expect(token).toMatch(LEXEME);
  });

  it('agrees with ICU word segmentation on alphabetic scripts and mixed punctuation', () => {
    const corpus = [
      "The server's CPU hit 99.5% at 03:14 on 2024-05-01; restart (again?) -- see https://status.example.com/x/42.",
      'Don’t panic: e.g. the U.S. team’s rota says 1,000,000 req/s is fine... or is it?',
      'Привет, мир! Ошибка подключения к базе данных — проверьте журнал.',
      'Καλημέρα κόσμε· η βάση δεδομένων δεν απαντά.',
      '데이터베이스 연결에 실패했습니다. 로그를 확인하세요.',
      'naïve café résumé — ÀÉÎÕÜ façade; मराठी हिन्दी भाषा में लिखा पाठ।',
      'snake_case_name __dunder__ camelCase kebab-case x86_64 v2.3.4-beta+build.5 foo:bar a·b foo_.bar 1_.2',
      'cafe\u0301.bar e\u0301\u0301x 3\u0301.5 ___ _a_ a_ \u0301abc',
      'mixed English 和中文 text, 数据库 connection 失败 again',
    ];
    for (const text of corpus) expect(segmentWords(text), text).toEqual(icuWords(text));
  });

  it('drops tokens longer than MAX_TOKEN_LENGTH', () => {
    const blob = 'A'.repeat(MAX_TOKEN_LENGTH + 1);
    const fits = 'b'.repeat(MAX_TOKEN_LENGTH);
    expect(segmentWords(`start ${blob} ${fits} end`)).toEqual(['start', fits, 'end']);
  });

  it('returns nothing for empty, blank or symbol-only text', () => {
    expect(segmentWords('')).toEqual([]);
    expect(segmentWords(' \n\t ')).toEqual([]);
    expect(segmentWords('--- *** ??? 🚀🚀')).toEqual([]);
  });

  it('loses no character at window edges on a long unpunctuated Chinese run', () => {
    const text = '服务器日志显示内存不足导致进程被系统终止'.repeat(2500); // 50,000 characters
    const tokens = segmentWords(text);
    expect(tokens.join('')).toBe(text);
    expect(tokens).toContain('日志');
  });

  it('segments a long alphabetic text completely', () => {
    const text = 'Incident response requires containment, eradication and recovery. '.repeat(30_000);
    expect(segmentWords(text)).toHaveLength(30_000 * 7);
  });
});
