import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { MIN_SHARED_BUFFERS_MB } from './pglite-cache.ts';

/** PostgreSQL's Terminate message ('X', length 4): the session must outlive node-postgres' clients. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed-start'; message: string }
  | { kind: 'result'; socket: number; bytes: Uint8Array }
  | { kind: 'closed' };

/**
 * The embedded PGlite database in a worker thread, reached by node-postgres through in-process
 * "sockets" that carry the PostgreSQL wire protocol (`pglite-worker.mjs` runs the backend). PGlite
 * executes SQL synchronously in WebAssembly: on the caller's thread every statement stalled every
 * request in the process (an audit batch of 20 records, about 1.5 ms), and all database work
 * shared one core with the HTTP server. Here it runs beside it. The frontend messages of a query
 * (Parse, Bind, Execute, Sync …), written in one tick, cross as one message.
 *
 * PGlite is one session: the pool over it must hold one client at a time. Session state (LISTEN,
 * search_path, prepared statements) lives as long as the thread, across node-postgres clients.
 * If the thread dies, every open socket fails with its error and no new one connects.
 */
export class PgliteThread {
  readonly #worker: Worker;
  readonly #sockets = new Map<number, ThreadSocket>();
  #nextSocket = 1;
  #inFlight = 0;
  #failure: Error | null = null;
  #closed: (() => void) | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: FromWorker) => this.#receive(message));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the PGlite thread exited (code ${code})`)));
    // Kept alive only while a query is in flight: an idle database holds no process open.
    worker.unref();
  }

  /**
   * Opens PGlite on `dataDir` (an initialised cluster) in a new thread, with a buffer cache of
   * `sharedBuffersMb`; rejects if it cannot.
   */
  static async start(dataDir: string, sharedBuffersMb = MIN_SHARED_BUFFERS_MB): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: { dataDir, sharedBuffersMb },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        worker.off('error', reject);
        if (message.kind === 'ready') resolve();
        else
          reject(new Error(`PGlite did not open ${dataDir}: ${(message as { message?: string }).message}`));
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
    return new PgliteThread(worker);
  }

  /** A new connection for node-postgres (`stream` of its client config). */
  socket(): Duplex {
    const id = this.#nextSocket++;
    const socket = new ThreadSocket(
      (bytes) => this.#send(id, bytes),
      () => this.#sockets.delete(id),
      this.#failure,
    );
    this.#sockets.set(id, socket);
    return socket;
  }

  /** Closes PGlite (its files are consistent on disk) and ends the thread. Call after the pool has ended. */
  async close(): Promise<void> {
    if (this.#failure) return;
    this.#worker.ref();
    await new Promise<void>((resolve) => {
      this.#closed = resolve;
      this.#worker.postMessage({ kind: 'close' });
    });
    this.#failure = new Error('the database is closed');
    await this.#worker.terminate();
  }

  #send(socket: number, bytes: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    if (this.#inFlight++ === 0) this.#worker.ref();
    this.#worker.postMessage({ kind: 'exec', socket, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  #receive(message: FromWorker): void {
    if (message.kind === 'closed') {
      this.#closed?.();
      return;
    }
    if (message.kind !== 'result') return;
    if (--this.#inFlight === 0) this.#worker.unref();
    const { bytes } = message;
    if (bytes.byteLength > 0)
      this.#sockets.get(message.socket)?.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const socket of this.#sockets.values()) socket.destroy(error);
    this.#sockets.clear();
  }
}

/**
 * One node-postgres connection over the thread. Writes of one tick are gathered and sent as one
 * message; the backend's answers are pushed as they come.
 */
class ThreadSocket extends Duplex {
  readonly #send: (bytes: Uint8Array) => void;
  readonly #forget: () => void;
  readonly #failure: Error | null;
  #pending: Buffer[] = [];
  #scheduled = false;

  constructor(send: (bytes: Uint8Array) => void, forget: () => void, failure: Error | null) {
    super();
    this.#send = send;
    this.#forget = forget;
    this.#failure = failure;
  }

  // What node-postgres calls on a net.Socket.
  connect(): this {
    process.nextTick(() => (this.#failure ? this.destroy(this.#failure) : this.emit('connect')));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!chunk.equals(TERMINATE)) {
      this.#pending.push(chunk);
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
    this.push(null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#forget();
    callback(error);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.destroyed || this.#pending.length === 0) return;
    const size = this.#pending.reduce((total, chunk) => total + chunk.length, 0);
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of this.#pending) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    this.#pending = [];
    try {
      this.#send(bytes);
    } catch (error) {
      this.destroy(error as Error);
    }
  }
}
