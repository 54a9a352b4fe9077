import { describe, expect, it } from 'vitest';
import { pdfOf } from '../../test/support/pdf.ts';
import type { DocumentFormat } from '../contracts/index.ts';
import { isAppError } from '../core/index.ts';
import { chunkText } from './chunking.ts';
import { extractText, formatOf } from './extract.ts';

const NEVER = new AbortController().signal;
const utf8 = (text: string) => new TextEncoder().encode(text);

async function failure(bytes: Uint8Array, format: DocumentFormat, signal = NEVER): Promise<unknown> {
  try {
    await extractText(bytes, format, signal);
  } catch (error) {
    return error;
  }
  throw new Error('expected extractText to reject');
}

async function expectInvalid(bytes: Uint8Array, format: DocumentFormat, message: RegExp): Promise<void> {
  const error = await failure(bytes, format);
  expect(isAppError(error) && error.code === 'INVALID_REQUEST').toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe('formatOf', () => {
  it('knows the extensions, in any case and behind a path', () => {
    const cases: [string, DocumentFormat][] = [
      ['notes.md', 'markdown'],
      ['docs/README.MARKDOWN', 'markdown'],
      ['a.txt', 'text'],
      ['a.text', 'text'],
      ['server.log', 'text'],
      ['C:\\site\\index.HTM', 'html'],
      ['page.html', 'html'],
      ['config.json', 'json'],
      ['rows.jsonl', 'jsonl'],
      ['rows.ndjson', 'jsonl'],
      ['Manual.PDF', 'pdf'],
    ];
    for (const [name, format] of cases) expect(formatOf(name), name).toBe(format);
  });

  it('falls back to the content type, ignoring parameters', () => {
    expect(formatOf(undefined, 'text/markdown; charset=utf-8')).toBe('markdown');
    expect(formatOf('upload', 'TEXT/HTML')).toBe('html');
    expect(formatOf(undefined, 'application/x-ndjson')).toBe('jsonl');
    expect(formatOf(undefined, 'application/vnd.api+json')).toBe('json');
    expect(formatOf('blob.bin', 'application/pdf')).toBe('pdf');
  });

  it('lets the extension win over a generic content type', () => {
    expect(formatOf('notes.md', 'text/plain')).toBe('markdown');
    expect(formatOf('report.pdf', 'application/octet-stream')).toBe('pdf');
  });

  it('returns undefined when neither is known', () => {
    expect(formatOf('archive.zip')).toBeUndefined();
    expect(formatOf('.bashrc')).toBeUndefined();
    expect(formatOf(undefined, 'application/octet-stream')).toBeUndefined();
    expect(formatOf(undefined)).toBeUndefined();
  });
});

describe('extractText: text formats', () => {
  it('keeps markdown as is, with the first # heading as title; drops a BOM and CRLFs', async () => {
    const bytes = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...utf8('# Runbook\r\n\r\n## Containment\r\nIsolate.\r\n'),
    ]);
    expect(await extractText(bytes, 'markdown', NEVER)).toEqual({
      text: '# Runbook\n\n## Containment\nIsolate.',
      title: 'Runbook',
    });
  });

  it('returns plain text without a title and decodes UTF-16 with a BOM', async () => {
    expect(await extractText(utf8('  数据库连接失败\n'), 'text', NEVER)).toEqual({ text: '数据库连接失败' });
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('héllo 数据', 'utf16le')]);
    expect((await extractText(utf16, 'text', NEVER)).text).toBe('héllo 数据');
  });

  it('rejects empty and whitespace-only documents', async () => {
    await expectInvalid(new Uint8Array(), 'text', /^empty document/);
    await expectInvalid(utf8(' \n\t\r\n '), 'markdown', /^empty document/);
    await expectInvalid(utf8('<html><script>x()</script></html>'), 'html', /^empty document/);
    await expectInvalid(utf8('{"a": null, "b": []}'), 'json', /^empty document/);
  });

  it('rejects binary content: NUL bytes and invalid UTF-8', async () => {
    await expectInvalid(
      utf8('PK\u0003\u0004\u0000\u0000zip'),
      'markdown',
      /binary content in a text document \(markdown\)/,
    );
    await expectInvalid(new Uint8Array([0x61, 0xff, 0xfe, 0x62]), 'text', /binary content.*not valid utf-8/);
  });
});

describe('extractText: HTML', () => {
  const html = `<!doctype html><html><head><title> Incident
    Runbook </title><style>p { color: red }</style><script>alert("<p>no</p>")</script></head>
    <body><nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
    <h1>Runbook</h1><p>First &amp; foremost,   keep <b>calm</b>.<br>Then act.</p>
    <h2>Contain<em>ment</em></h2><ul><li>Isolate the host</li><li>Revoke <code>keys</code></li></ul>
    <table><tr><th>Step</th><th>Owner</th></tr><tr><td>1</td><td>SRE</td></tr></table>
    <pre>line 1
  indented</pre><div hidden>secret</div><footer>Contact us</footer></body></html>`;

  it('turns headings into markdown lines, lists into items and drops script, style and nav', async () => {
    const { text, title } = await extractText(utf8(html), 'html', NEVER);
    expect(title).toBe('Incident Runbook');
    expect(text).toBe(
      [
        '# Runbook',
        '',
        'First & foremost, keep calm.',
        'Then act.',
        '',
        '## Containment',
        '',
        '- Isolate the host',
        '- Revoke keys',
        '',
        'Step | Owner',
        '1 | SRE',
        '',
        'line 1',
        '  indented',
        '',
        'Contact us',
      ].join('\n'),
    );
  });

  it('gives output that markdown-heading chunking understands', async () => {
    const { text } = await extractText(utf8(html), 'html', NEVER);
    const chunks = chunkText(text, { strategy: 'markdown-headings', size: 500, overlap: 0 });
    expect(chunks.map((chunk) => chunk.heading)).toEqual(['Runbook', 'Runbook > Containment']);
  });
});

describe('extractText: JSON and JSONL', () => {
  it('renders JSON as key: value lines with records apart, and takes a title field', async () => {
    const json = {
      title: 'Database config',
      server: { host: 'db', port: 5432, tls: true, note: null },
      tags: ['a', 'b'],
      items: [{ name: 'x' }, { name: 'y' }],
    };
    expect(await extractText(utf8(JSON.stringify(json)), 'json', NEVER)).toEqual({
      title: 'Database config',
      text: [
        'title: Database config',
        'server.host: db',
        'server.port: 5432',
        'server.tls: true',
        'tags: a',
        'tags: b',
        'items.name: x',
        '',
        'items.name: y',
      ].join('\n'),
    });
  });

  it('survives very deep nesting', async () => {
    const deep = `${'{"a":'.repeat(5000)}"bottom"${'}'.repeat(5000)}`;
    expect((await extractText(utf8(deep), 'json', NEVER)).text).toBe('a.a.a: bottom');
  });

  it('says where JSON is broken', async () => {
    await expectInvalid(utf8('{\n  "a": 1\n  "b": 2\n}'), 'json', /^invalid JSON at line 3: /);
  });

  it('renders JSONL one record per block, skipping blank lines', async () => {
    const jsonl =
      '{"q":"How do I rotate keys?","a":"Run actl rotate."}\n\n{"q":"Who is on call?","a":"SRE"}\n';
    expect((await extractText(utf8(jsonl), 'jsonl', NEVER)).text).toBe(
      'q: How do I rotate keys?\na: Run actl rotate.\n\nq: Who is on call?\na: SRE',
    );
  });

  it('names the broken JSONL line', async () => {
    await expectInvalid(utf8('{"a":1}\n\n{"a":\n{"a":3}'), 'jsonl', /^invalid JSON at line 3: /);
  });
});

describe('extractText: PDF', () => {
  it('extracts every page and the title', async () => {
    const bytes = pdfOf(
      [['Incident runbook', 'Isolate the host (first).'], ['Page two: recovery']],
      'Runbook',
    );
    const copy = bytes.slice();
    expect(await extractText(bytes, 'pdf', NEVER)).toEqual({
      text: 'Incident runbook\nIsolate the host (first).\n\nPage two: recovery',
      title: 'Runbook',
    });
    expect(bytes).toEqual(copy);
  });

  it('rejects truncated and garbage PDFs with a clear error, without hanging', async () => {
    const bytes = pdfOf([['Some text on a page'], ['More text']]);
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9])
      await expectInvalid(bytes.slice(0, Math.floor(bytes.length * fraction)), 'pdf', /^broken PDF: /);
    await expectInvalid(utf8('%PDF-1.7\nthis is not really a pdf'), 'pdf', /^broken PDF: /);
    await expectInvalid(utf8('hello'), 'pdf', /^broken PDF: /);
    await expectInvalid(new Uint8Array(), 'pdf', /^broken PDF: /);
  });

  it('says a PDF without a text layer is empty', async () => {
    await expectInvalid(pdfOf([[], []]), 'pdf', /^empty document: .*OCR/);
  });

  it('rejects with the abort reason, before starting or between pages', async () => {
    const aborted = AbortSignal.abort();
    expect(await failure(pdfOf([['x']]), 'pdf', aborted)).toBe(aborted.reason);
    expect(await failure(utf8('# x'), 'markdown', aborted)).toBe(aborted.reason);

    const many = pdfOf(Array.from({ length: 400 }, (_, i) => [`Page ${i}`]));
    const controller = new AbortController();
    const pending = extractText(many, 'pdf', controller.signal);
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
