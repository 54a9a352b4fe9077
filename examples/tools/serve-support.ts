/** Command-line bits the example tool servers share. */

export function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export function portArgument(fallback: number): number {
  const value = Number(argument('port') ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`--port must be a port number`);
  return value;
}

/** The line a launcher waits for: the server is up at this MCP endpoint. */
export function readyLine(name: string, url: string): void {
  process.stdout.write(`${name} tool server listening at ${url}\n`);
}

/**
 * With `--exit-with-parent`: stop when the process that started this one goes away (its end of
 * stdin closes), even if it was killed without a chance to stop its children.
 */
export function exitWithParent(): void {
  if (!process.argv.includes('--exit-with-parent')) return;
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
