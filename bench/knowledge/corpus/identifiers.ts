import type { Random } from './random.ts';
import { list } from './text.ts';

const FIRST_NAMES = list(
  'Alice|Bruno|Chloe|Dmitri|Elena|Farid|Grace|Hugo|Ingrid|Jonas|Keiko|Liam|Maya|Nikhil|Olga|Pedro|Quinn|Rosa|Samir|Tanya|Umar|Vera|Wen|Ximena|Yusuf|Zoe|Amara|Bastian|Carmen|Dario|Esther|Felix',
);
const LAST_NAMES = list(
  'Moreau|Okafor|Lindqvist|Tanaka|Herrera|Novak|Fischer|Rossi|Kowalski|Haddad|Brennan|Varga|Nakamura|Silva|Petrov|Johansson|Mensah|Castillo|Duarte|Weber|Ibrahim|Kaur|Olsen|Marchetti|Yilmaz|Dubois|Andersen|Costa|Reyes|Schmidt',
);
const ZH_SURNAMES = list('王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|林|高|罗');
const ZH_GIVEN = list(
  '伟|芳|敏|静|磊|洋|杰|涛|超|婷|晓东|海燕|建国|思远|雨晴|子涵|明轩|佳怡|志强|文博|欣然|浩然|雅琴|国栋',
);
const PINYIN: Record<string, string> = {
  王: 'wang',
  李: 'li',
  张: 'zhang',
  刘: 'liu',
  陈: 'chen',
  杨: 'yang',
  黄: 'huang',
  赵: 'zhao',
  吴: 'wu',
  周: 'zhou',
  徐: 'xu',
  孙: 'sun',
  马: 'ma',
  朱: 'zhu',
  胡: 'hu',
  郭: 'guo',
  何: 'he',
  林: 'lin',
  高: 'gao',
  罗: 'luo',
};

export const SITES_EN = list('fra|ams|lon|nyc|sgp|tok|sao|dub|mad|chi|sea|syd');
export const SITES_ZH = list('sha|bjs|szx|hgh|ctu|wuh|can|nkg');
export const HOST_ROLES = list('web|db|fs|dc|app|mail|k8s|jump|erp|pos|scada|bkp|sql|api|git|ci');

const DOC_RANGES = ['203.0.113', '198.51.100', '192.0.2'] as const;
const DAY_MS = 86_400_000;

export interface Person {
  name: string;
  account: string;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A UTC date as YYYY-MM-DD, and with a time as YYYY-MM-DD HH:MM. */
export const isoDate = (time: number) => new Date(time).toISOString().slice(0, 10);
export const isoMinute = (time: number) => new Date(time).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Makes the facts documents are told apart by: ticket ids, host names, addresses, people. Every
 * value is handed out once, so a query naming one finds one document (the generator checks it).
 */
export class Identifiers {
  readonly #random: Random;
  readonly #used = new Set<string>();
  readonly #sequence = new Map<string, number>();

  constructor(random: Random) {
    this.#random = random;
  }

  /** Retries `make` until it gives a value not handed out before. */
  unique(make: () => string): string {
    for (let attempt = 0; attempt < 10_000; attempt += 1) {
      const value = make();
      if (!this.#used.has(value)) {
        this.#used.add(value);
        return value;
      }
    }
    throw new Error('ran out of unique values');
  }

  /** The next number of a series, e.g. SOP-PHI-001, SOP-PHI-002. */
  next(prefix: string, width = 3): string {
    const value = (this.#sequence.get(prefix) ?? 0) + 1;
    this.#sequence.set(prefix, value);
    return `${prefix}-${pad(value, width)}`;
  }

  ticket(prefix: 'INC' | 'CHG' | 'PRB' | 'RITM', year: number): string {
    const digits = prefix === 'CHG' ? 5 : 4;
    const max = prefix === 'INC' ? 999 : 10 ** digits - 1;
    return this.unique(() => `${prefix}-${year}-${pad(this.#random.int(11, max), digits)}`);
  }

  host(site: string, role: string): string {
    return this.unique(() => `${site}-${role}-${pad(this.#random.int(1, 48), 2)}`);
  }

  workstation(site: string): string {
    return this.unique(() => `ws-${site}-${pad(this.#random.int(100, 9999), 4)}`);
  }

  internalIp(): string {
    const r = this.#random;
    return this.unique(() => `10.${r.int(1, 254)}.${r.int(0, 255)}.${r.int(2, 254)}`);
  }

  externalIp(): string {
    return this.unique(() => `${this.#random.pick(DOC_RANGES)}.${this.#random.int(2, 254)}`);
  }

  /** A person; names repeat across documents (as colleagues do), account names never. */
  personEn(): Person {
    const first = this.#random.pick(FIRST_NAMES);
    const last = this.#random.pick(LAST_NAMES);
    const base = `${first[0]}.${last}`.toLowerCase();
    return {
      name: `${first} ${last}`,
      account: this.unique(() => (this.#used.has(base) ? `${base}${this.#random.int(2, 99)}` : base)),
    };
  }

  personZh(): Person {
    const surname = this.#random.pick(ZH_SURNAMES);
    const name = `${surname}${this.#random.pick(ZH_GIVEN)}`;
    return { name, account: this.unique(() => `${PINYIN[surname] ?? 'user'}${this.#random.int(10, 9999)}`) };
  }

  /** A moment (ms since epoch) between two years, at a minute of the working week or night. */
  moment(fromYear: number, toYear: number): number {
    const start = Date.UTC(fromYear, 0, 1);
    const days = Math.floor((Date.UTC(toYear + 1, 0, 1) - start) / DAY_MS);
    return start + this.#random.int(0, days - 1) * DAY_MS + this.#random.int(0, 1439) * 60_000;
  }
}
