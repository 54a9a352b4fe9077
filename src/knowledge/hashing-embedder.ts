import { AppError } from '../core/index.ts';
import { normalizeForWords, scanWords } from './segment.ts';

/** The built-in embedder's default width. */
export const HASHING_EMBEDDER_DIMENSIONS = 256;

/** Largest width accepted: past it the vector is mostly zeros and only costs space. */
export const MAX_HASHING_DIMENSIONS = 8192;

// Feature kinds: each hashes from its own seed, so "ab" the word and "ab" the bigram differ.
const WORD = 0x811c9dc5;
const WORD_PAIR = 0x1b873593;
const TRIGRAM = 0x85ebca6b;
const HAN_CHAR = 0xc2b2ae35;
const HAN_PAIR = 0x27d4eb2f;

// Weights balance the kinds: a word yields about as many trigrams as it has letters.
const WORD_WEIGHT = 1;
const WORD_PAIR_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.35;
const HAN_CHAR_WEIGHT = 0.5;
const HAN_PAIR_WEIGHT = 1;

const FNV_PRIME = 0x01000193;
const WORD_START = 0x02;
const WORD_END = 0x03;

/** murmur3's finaliser: spreads FNV's weak low bits, which pick the dimension. */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashWord(word: string): number {
  let h = WORD;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return mix(h);
}

const hashPair = (seed: number, first: number, second: number) =>
  mix(Math.imul(Math.imul(seed ^ first, FNV_PRIME) ^ second, FNV_PRIME));

const hashTriple = (a: number, b: number, c: number) =>
  mix(Math.imul(Math.imul(Math.imul(TRIGRAM ^ a, FNV_PRIME) ^ b, FNV_PRIME) ^ c, FNV_PRIME));

const INITIAL_CAPACITY = 4096;
const MAX_KEPT_CAPACITY = 1 << 17;

/**
 * Term counts keyed by feature hash: open addressing over typed arrays, so counting a feature
 * allocates nothing. Hash 0 marks an empty slot, so a feature hashing to 0 is stored as 1. `used`
 * lists the filled slots, so reading and clearing cost the number of features, not the capacity.
 */
class FeatureCounts {
  keys = new Uint32Array(INITIAL_CAPACITY);
  counts = new Float64Array(INITIAL_CAPACITY);
  weights = new Float64Array(INITIAL_CAPACITY);
  used = new Int32Array(INITIAL_CAPACITY / 2);
  size = 0;

  add(hash: number, weight: number): void {
    const key = hash === 0 ? 1 : hash;
    const mask = this.keys.length - 1;
    let slot = key & mask;
    for (;;) {
      const found = this.keys[slot];
      if (found === key) {
        this.counts[slot] = (this.counts[slot] ?? 0) + 1;
        return;
      }
      if (found === 0) break;
      slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.counts[slot] = 1;
    this.weights[slot] = weight;
    this.used[this.size++] = slot;
    if (this.size === this.used.length) this.grow();
  }

  /** Empties the table, keeping its capacity for the next text unless a huge text grew it. */
  clear(): void {
    if (this.keys.length > MAX_KEPT_CAPACITY) {
      this.keys = new Uint32Array(INITIAL_CAPACITY);
      this.counts = new Float64Array(INITIAL_CAPACITY);
      this.weights = new Float64Array(INITIAL_CAPACITY);
      this.used = new Int32Array(INITIAL_CAPACITY / 2);
    } else {
      for (let i = 0; i < this.size; i++) this.keys[this.used[i] ?? 0] = 0;
    }
    this.size = 0;
  }

  private grow(): void {
    const { keys, counts, weights, used, size } = this;
    const capacity = keys.length * 2;
    this.keys = new Uint32Array(capacity);
    this.counts = new Float64Array(capacity);
    this.weights = new Float64Array(capacity);
    this.used = new Int32Array(capacity / 2);
    const mask = capacity - 1;
    for (let i = 0; i < size; i++) {
      const from = used[i] ?? 0;
      const key = keys[from] ?? 0;
      let slot = key & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.counts[slot] = counts[from] ?? 0;
      this.weights[slot] = weights[from] ?? 0;
      this.used[i] = slot;
    }
  }
}

function addWordTrigrams(features: FeatureCounts, word: string): void {
  // The word padded with start and end markers, as fastText does, so prefixes and suffixes count.
  let a = WORD_START;
  let b = word.charCodeAt(0);
  for (let i = 1; i <= word.length; i++) {
    const c = i < word.length ? word.charCodeAt(i) : WORD_END;
    features.add(hashTriple(a, b, c), TRIGRAM_WEIGHT);
    a = b;
    b = c;
  }
}

function addDictionaryRun(features: FeatureCounts, text: string, start: number, end: number): void {
  let previous = -1;
  for (let i = start; i < end; ) {
    const code = text.codePointAt(i) ?? 0;
    features.add(mix(Math.imul(HAN_CHAR ^ code, FNV_PRIME)), HAN_CHAR_WEIGHT);
    if (previous >= 0) features.add(hashPair(HAN_PAIR, previous, code), HAN_PAIR_WEIGHT);
    previous = code;
    i += code > 0xffff ? 2 : 1;
  }
}

const SCRATCH = new FeatureCounts();

/**
 * The built-in offline embedder: a *lexical* vector by feature hashing, not a semantic one — texts
 * score as similar when they share words, word pairs and spelling fragments, never because they
 * mean the same thing. Features: word unigrams and adjacent-word bigrams (words as `segmentWords`
 * finds them), character 3-grams within each word (with start/end markers), and for Chinese,
 * Japanese, Thai and similar scripts character unigrams and bigrams instead of dictionary words
 * (ICU segmentation is ≈100× slower and bigrams carry most of the same signal). Each feature adds
 * `weight × (1 + ln tf)` to the dimension picked by its 32-bit hash, with a hash bit choosing the
 * sign; the result is L2-normalised. Deterministic across calls and processes; an empty or
 * wordless text gives the zero vector. Throws `INVALID_REQUEST` for a `dimensions` that is not an
 * integer in 1..MAX_HASHING_DIMENSIONS.
 */
export function hashingEmbed(text: string, dimensions: number = HASHING_EMBEDDER_DIMENSIONS): number[] {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_HASHING_DIMENSIONS)
    throw new AppError(
      'INVALID_REQUEST',
      `hashing embedder dimensions must be 1..${MAX_HASHING_DIMENSIONS}`,
      {
        details: { dimensions },
      },
    );
  // One table reused across calls: allocating and zeroing a fresh one was a fifth of the time.
  // Safe because this function is synchronous and never calls out while the table is in use.
  const features = SCRATCH;
  features.clear();
  let previousWord = -1;
  scanWords(normalizeForWords(text), {
    word(token) {
      const hash = hashWord(token);
      features.add(hash, WORD_WEIGHT);
      if (previousWord >= 0) features.add(hashPair(WORD_PAIR, previousWord, hash), WORD_PAIR_WEIGHT);
      previousWord = hash;
      addWordTrigrams(features, token);
    },
    dictionaryRun(normalized, start, end) {
      previousWord = -1;
      addDictionaryRun(features, normalized, start, end);
    },
  });

  const vector = new Float64Array(dimensions);
  const { keys, counts, weights, used, size } = features;
  for (let i = 0; i < size; i++) {
    const slot = used[i] ?? 0;
    const key = keys[slot] ?? 0;
    const value = (weights[slot] ?? 0) * (1 + Math.log(counts[slot] ?? 1));
    const dimension = (key & 0x7fffffff) % dimensions;
    vector[dimension] = (vector[dimension] ?? 0) + (key & 0x80000000 ? -value : value);
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += (vector[i] ?? 0) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Array.from(vector, (value) => value * scale);
}
