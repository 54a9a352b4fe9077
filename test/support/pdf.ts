/** Builds PDF fixtures for tests (no library: the format is simple enough for a page of text). */

/** A small valid PDF (Helvetica, one text line per entry) with a correct xref table. */
export function pdfOf(pages: string[][], title?: string): Uint8Array {
  const pdfString = (text: string) => text.replace(/[\\()]/g, (char) => `\\${char}`);
  const bodies = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const kids: string[] = [];
  for (const lines of pages) {
    const stream = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((line) => `(${pdfString(line)}) Tj T*`).join(' ')} ET`;
    kids.push(`${bodies.length + 1} 0 R`);
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${bodies.length + 2} 0 R >>`,
    );
    bodies.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  }
  bodies[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages.length} >>`;
  if (title !== undefined) bodies.push(`<< /Title (${pdfString(title)}) >>`);
  let out = '%PDF-1.4\n';
  const offsets = bodies.map((body, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const info = title === undefined ? '' : ` /Info ${bodies.length} 0 R`;
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${entries}`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R${info} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
