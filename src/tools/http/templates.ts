/**
 * `{{args.NAME}}` placeholders (or `{{args.a.b}}` into objects) in an HTTP tool's endpoint,
 * query, headers and body. A placeholder whose argument is absent renders as the empty string,
 * except a body string that is nothing but one placeholder, which becomes the argument's value
 * itself (a number stays a number, an object an object) or is left out.
 */
const PLACEHOLDER = /\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}$/;

function lookup(args: Record<string, unknown>, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const asText = (value: unknown): string =>
  value === undefined || value === null
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** The template with every placeholder filled, each value passed through `encode`. */
export function renderText(
  template: string,
  args: Record<string, unknown>,
  encode: (text: string) => string = (text) => text,
): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => encode(asText(lookup(args, path))));
}

/** The names of the arguments a template uses, top level. */
export function usedArguments(template: unknown, into = new Set<string>()): Set<string> {
  if (typeof template === 'string')
    for (const match of template.matchAll(PLACEHOLDER))
      into.add((match[1] as string).split('.')[0] as string);
  else if (Array.isArray(template)) for (const item of template) usedArguments(item, into);
  else if (template && typeof template === 'object')
    for (const value of Object.values(template)) usedArguments(value, into);
  return into;
}

/** A JSON body template filled in: strings interpolate, a lone placeholder keeps its value's type. */
export function renderBody(template: unknown, args: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    return whole ? lookup(args, whole[1] as string) : renderText(template, args);
  }
  if (Array.isArray(template))
    return template.map((item) => renderBody(item, args)).filter((item) => item !== undefined);
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderBody(value, args);
      if (rendered !== undefined) out[key] = rendered;
    }
    return out;
  }
  return template;
}
