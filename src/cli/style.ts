/** Colours for people at a terminal; every function is the identity when colour is off. */
export interface Style {
  ok(text: string): string;
  error(text: string): string;
  warn(text: string): string;
  info(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Style = {
  ok: ansi(32, 39),
  error: ansi(31, 39),
  warn: ansi(33, 39),
  info: ansi(36, 39),
  dim: ansi(2, 22),
  bold: ansi(1, 22),
};

const identity = (text: string) => text;
const PLAIN: Style = {
  ok: identity,
  error: identity,
  warn: identity,
  info: identity,
  dim: identity,
  bold: identity,
};

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function styleFor(terminal: boolean, env: NodeJS.ProcessEnv): Style {
  return terminal && !env.NO_COLOR ? COLOURED : PLAIN;
}
