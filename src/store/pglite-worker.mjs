// @ts-check
// The embedded PGlite database, run in a worker thread (see pglite-thread.ts). Plain JavaScript on
// purpose: a worker is started from a file path, and this one must load the same way from the
// TypeScript sources (tsx, vitest) and from the esbuild bundle, which copies it beside its chunks.
//
// Protocol (structured-clone messages on parentPort):
//   in:  { kind: 'exec', socket, bytes }   raw PostgreSQL frontend messages (one or more)
//        { kind: 'close' }
//   out: { kind: 'ready' } | { kind: 'failed-start', message }
//        { kind: 'result', socket, bytes }  the backend's raw answer to one exec, in order
//        { kind: 'closed' }
// An exec that throws (PGlite aborted) is fatal: the error escapes and the thread ends, which
// the main thread sees as the worker's 'error' event.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

if (!parentPort) throw new Error('pglite-worker.mjs runs only as a worker thread');
const port = parentPort;

/** @type {PGlite} */
let lite;
try {
  lite = await PGlite.create({
    dataDir: workerData.dataDir,
    extensions: { vector },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${workerData.sharedBuffersMb}MB`],
  });
} catch (error) {
  port.postMessage({ kind: 'failed-start', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

// One exec at a time, answered in the order received: the backend is a single session.
let queue = Promise.resolve();
port.on('message', (message) => {
  queue = queue.then(async () => {
    if (message.kind === 'exec') {
      const answer = await lite.execProtocolRaw(message.bytes);
      port.postMessage({ kind: 'result', socket: message.socket, bytes: answer }, [answer.buffer]);
    } else if (message.kind === 'close') {
      await lite.close();
      port.postMessage({ kind: 'closed' });
    }
  });
});
port.postMessage({ kind: 'ready' });
