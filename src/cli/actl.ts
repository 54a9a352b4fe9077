import { runCli } from './main.ts';

// `actl runs events -f -o json | head -1`: a reader that goes away ends actl quietly, not with EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2));
