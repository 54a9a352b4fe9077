import ora, { type Ora } from 'ora';
import type { Printer } from './output.ts';
import type { LiveSink } from './run-render.ts';

/** Quiet time before the spinner shows, so a quick run of events does not make it flicker. */
const SPINNER_DELAY_MS = 150;

/**
 * Live output on stdout: lines, inline text, and (only when stdout is a terminal) a spinner
 * while waiting for the next event. The spinner is cleared before anything is printed and never
 * shows in the middle of a line; `close` removes it and ends an open line, so Ctrl-C leaves none.
 */
export class LiveTerminal implements LiveSink {
  readonly #printer: Printer;
  readonly #spinner: Ora | undefined;
  #midLine = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(printer: Printer, colour: boolean) {
    this.#printer = printer;
    const terminal = printer.terminal();
    // A pseudo-terminal without a size (columns 0) would make the spinner's redraw misbehave.
    this.#spinner =
      terminal && (terminal.columns ?? 0) > 0
        ? ora({
            stream: terminal,
            isEnabled: true,
            color: colour ? 'cyan' : false,
            // Hiding the cursor installs signal-exit, which re-raises SIGINT and kills actl before it
            // can say that the run goes on; discarding stdin would put the terminal in raw mode.
            hideCursor: false,
            discardStdin: false,
          })
        : undefined;
  }

  line(text: string): void {
    this.#quiet();
    if (this.#midLine) this.#printer.write('\n');
    this.#midLine = false;
    this.#printer.out(text);
  }

  inline(text: string): void {
    if (text === '') return;
    this.#quiet();
    this.#printer.write(text);
    this.#midLine = !text.endsWith('\n');
  }

  /** A message on stderr (reconnecting, stopped): the spinner is cleared first. */
  note(text: string): void {
    this.#quiet();
    if (this.#midLine) this.#printer.write('\n');
    this.#midLine = false;
    this.#printer.err(text);
  }

  /** Shows the spinner with this text after a moment of quiet (terminal only, never mid-line). */
  waiting(text: string): void {
    const spinner = this.#spinner;
    if (!spinner || this.#midLine) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => spinner.start(text), SPINNER_DELAY_MS);
    this.#timer.unref();
  }

  close(): void {
    this.#quiet();
    if (this.#midLine) this.#printer.write('\n');
    this.#midLine = false;
  }

  #quiet(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spinner?.isSpinning) this.#spinner.stop();
  }
}
