import type { DocumentInput } from './client.ts';
import { Random } from './corpus/random.ts';
import { identifiersIn } from './corpus/verify.ts';
import type { CorpusDocument } from './dataset.ts';

/**
 * Filler documents for the latency-at-scale base: plausible SOC text recombined from the corpus's
 * own sentences, about 20 sections of ~650 characters each (one 800-character chunk per section
 * with markdown-headings chunking, about as many with the others). Identifiers and numbers are
 * rewritten, so no filler names a ticket, host or address a query asks about; the topics and
 * business units stay, so the filler competes with the corpus for the same words.
 */
export class FillerGenerator {
  readonly #random: Random;
  readonly #sentences: Record<'en' | 'zh', string[]> = { en: [], zh: [] };
  readonly #headings: Record<'en' | 'zh', string[]> = { en: [], zh: [] };

  constructor(corpus: readonly CorpusDocument[], seed = 7) {
    this.#random = new Random(seed);
    for (const document of corpus) {
      for (const line of document.content.split('\n')) {
        const text = line.replace(/^(?:[-*]|\d+\.)\s+/, '').trim();
        if (text.startsWith('## ')) this.#headings[document.language].push(text.slice(3));
        if (text === '' || text.startsWith('#') || text.startsWith('|')) continue;
        const split = document.language === 'zh' ? /(?<=[。！？])/ : /(?<=[.!?])\s+/;
        for (const sentence of text.split(split))
          if (sentence.length >= 20) this.#sentences[document.language].push(sentence);
      }
    }
  }

  /** Replaces identifiers with ones from another namespace and numbers with other numbers. */
  #disguise(sentence: string): string {
    let text = sentence;
    for (const name of identifiersIn(sentence))
      text = text.replace(name, `arc-${this.#random.int(1000, 9999)}-${this.#random.int(10, 99)}`);
    return text
      .replace(/#ir-[a-z0-9-]+/g, () => `#archive-${this.#random.int(100, 999)}`)
      .replace(/\d+/g, (digits) => String(this.#random.int(1, 10 ** Math.min(digits.length, 6) - 1)));
  }

  /** The `index`-th filler document: two in three English, one in three Chinese. */
  document(index: number): DocumentInput {
    const language = index % 3 === 2 ? 'zh' : 'en';
    const pool = this.#sentences[language];
    const join = language === 'zh' ? '' : ' ';
    const sections: string[] = [];
    for (let s = 0; s < 20; s += 1) {
      const sentences: string[] = [];
      while (sentences.join(join).length < 600) sentences.push(this.#disguise(this.#random.pick(pool)));
      sections.push(
        `## ${this.#random.pick(this.#headings[language])}\n\n${sentences.join(join).slice(0, 720)}`,
      );
    }
    const title = language === 'zh' ? `归档记录 ${index}` : `Archived note ${index}`;
    return {
      id: `filler-${String(index).padStart(6, '0')}`,
      source: `archive/filler-${index}.md`,
      format: 'markdown',
      content: `# ${title}\n\n${sections.join('\n\n')}\n`,
      metadata: { type: 'archive', language },
    };
  }
}
