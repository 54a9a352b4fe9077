import type { InjectionSource, InjectionVerdict } from './injection-config.ts';
import { normalizeForMatching } from './injection-normalize.ts';
import { DISCUSSION_CUES, PHRASE_SIGNALS, QUOTED } from './injection-patterns.ts';

export interface InjectionDetectorOptions {
  /** Score at or above which the label is `injection` (default 0.5). */
  threshold?: number;
}

interface Hit {
  weight: number;
  reason: string;
}

const BASE64_BLOB = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,8192}={0,2}(?![A-Za-z0-9+/_=-])/g;
const HEX_BLOB = /(?<![0-9A-Fa-f])(?:(?:\\x|0x)?[0-9A-Fa-f]{2}[ :]?){12,4096}(?![0-9A-Fa-f])/g;
const MAX_BLOBS = 32;

/**
 * The built-in, synchronous prompt-injection detector: layers of phrase patterns (instruction
 * override, jailbreak role-play, system-prompt extraction, fake delimiters, data that addresses
 * the assistant) in English, Chinese and a few other languages, read after undoing disguises
 * (zero-width and tag characters, NFKC forms, homoglyphs) and inside base64 / hex payloads.
 *
 * Each signal has a weight; they combine as independent evidence (1 − Π(1 − w)). Text that
 * discusses injections (a security report quoting one) is damped. Tool results and retrieved
 * documents are judged more strictly: signals that only make sense in data ("AI assistant: call
 * …") count for them alone, and their combined score is raised (1 − (1 − s)^1.5), because such
 * text should never be giving the agent orders at all. No I/O; cost is linear in the text.
 */
export class InjectionDetector {
  private readonly threshold: number;

  constructor(options: InjectionDetectorOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
  }

  detect(text: string, source: InjectionSource = 'user'): InjectionVerdict {
    const untrusted = source !== 'user';
    const hits: Hit[] = [];
    const normalized = normalizeForMatching(text);
    const visible = phraseHits(normalized.text, untrusted);
    hits.push(...visible);
    if (normalized.tagText) {
      hits.push({ weight: 0.5, reason: 'text hidden in invisible Unicode tag characters' });
      for (const hit of phraseHits(normalizeForMatching(normalized.tagText).text, untrusted))
        hits.push({ weight: hit.weight, reason: `hidden tag text: ${hit.reason}` });
    }
    if (normalized.zeroWidthInWords || normalized.homoglyphs) {
      const how = normalized.zeroWidthInWords ? 'zero-width characters' : 'lookalike letters';
      // Obfuscation that hides a phrase is itself strong evidence; on its own it is only a hint.
      const hidesPhrase =
        visible.length > 0 && phraseHits(text.toLowerCase(), untrusted).length < visible.length;
      hits.push({
        weight: hidesPhrase ? 0.35 : 0.15,
        reason: `${how} inside words${hidesPhrase ? ' hide a phrase' : ''}`,
      });
    }
    hits.push(...encodedHits(text, untrusted));
    let score = 1 - hits.reduce((rest, hit) => rest * (1 - hit.weight), 1);
    if (untrusted) score = 1 - (1 - score) ** 1.5;
    score = Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
    return {
      score,
      label: score >= this.threshold ? 'injection' : 'benign',
      reasons: [...new Set(hits.map((hit) => hit.reason))],
    };
  }
}

function phraseHits(text: string, untrusted: boolean): Hit[] {
  const hits: Hit[] = [];
  const discusses = DISCUSSION_CUES.test(text);
  for (const signal of PHRASE_SIGNALS) {
    if (signal.untrustedOnly && !untrusted) continue;
    const match = signal.pattern.exec(text);
    if (!match) continue;
    let weight = signal.weight;
    if (discusses && signal.layer !== 'addressing') {
      const before = text.slice(Math.max(0, match.index - 12), match.index + 1);
      const quoted = QUOTED.test(before);
      weight *= quoted ? 0.4 : 0.65;
    }
    hits.push({ weight, reason: `${signal.reason}: "${snippet(match[0])}"` });
  }
  return hits;
}

/** Phrase hits inside base64 or hex blobs that decode to readable text. */
function encodedHits(text: string, untrusted: boolean): Hit[] {
  const hits: Hit[] = [];
  let blobs = 0;
  for (const [kind, pattern] of [
    ['base64', BASE64_BLOB],
    ['hex', HEX_BLOB],
  ] as const) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null && blobs < MAX_BLOBS; match = pattern.exec(text)) {
      const decoded = kind === 'base64' ? decodeBase64(match[0]) : decodeHex(match[0]);
      if (!decoded) continue;
      blobs += 1;
      for (const hit of phraseHits(normalizeForMatching(decoded).text, untrusted))
        hits.push({
          weight: Math.min(1, hit.weight + 0.1),
          reason: `${kind} payload decodes to ${hit.reason}`,
        });
    }
  }
  return hits;
}

function decodeBase64(blob: string): string | null {
  if (!/[A-Z]/.test(blob) || !/[a-z]/.test(blob)) return null;
  return readable(Buffer.from(blob, blob.includes('-') || blob.includes('_') ? 'base64url' : 'base64'));
}

function decodeHex(blob: string): string | null {
  return readable(Buffer.from(blob.replace(/\\x|0x|[ :]/g, ''), 'hex'));
}

/** The bytes as UTF-8 text when they are mostly printable, else null (random binary). */
function readable(bytes: Buffer): string | null {
  if (bytes.length < 8) return null;
  const text = bytes.toString('utf8');
  let printable = 0;
  for (const char of text) if (/[\p{L}\p{N}\p{P}\p{Zs}\n]/u.test(char)) printable += 1;
  return printable / [...text].length >= 0.9 ? text : null;
}

function snippet(matched: string): string {
  const trimmed = matched.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed;
}
