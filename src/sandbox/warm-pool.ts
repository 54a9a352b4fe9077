import type { Logger } from 'pino';
import type { SandboxDriver, SandboxLimits } from './driver.ts';

/**
 * Sandboxes made ahead of demand with the default profile (default limits, no egress), so a
 * create is a `take`. A taken sandbox is gone from the pool for good; the pool makes a new one in
 * the background. Nothing ever goes back in, so no sandbox serves two tenants or runs.
 */
export class WarmPool {
  readonly #driver: SandboxDriver;
  readonly #options: { size: number; limits: SandboxLimits; newId: () => string; logger: Logger };
  readonly #ready: string[] = [];
  #filling = 0;
  #closed = false;
  #failures = 0;

  constructor(
    driver: SandboxDriver,
    options: { size: number; limits: SandboxLimits; newId: () => string; logger: Logger },
  ) {
    this.#driver = driver;
    this.#options = options;
  }

  get available(): number {
    return this.#ready.length;
  }

  /** A ready sandbox's id, or undefined when the pool is empty (the caller makes one cold). */
  take(): string | undefined {
    const id = this.#ready.shift();
    this.fill();
    return id;
  }

  /** Tops the pool up, one sandbox at a time, in the background. */
  fill(): void {
    if (this.#closed || this.#filling > 0) return;
    if (this.#ready.length >= this.#options.size) return;
    this.#filling += 1;
    void this.#refill().finally(() => {
      this.#filling -= 1;
    });
  }

  async #refill(): Promise<void> {
    while (!this.#closed && this.#ready.length < this.#options.size) {
      const id = this.#options.newId();
      try {
        await this.#driver.create({ id, limits: this.#options.limits, egress: [] });
        this.#failures = 0;
      } catch (error) {
        this.#failures += 1;
        this.#options.logger.warn(
          { err: error, driver: this.#driver.name },
          'warm sandbox could not be made',
        );
        // Back off on repeated failures rather than spin on a broken host.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(30_000, 500 * 2 ** this.#failures)).unref(),
        );
        continue;
      }
      if (this.#closed) await this.#driver.destroy(id);
      else this.#ready.push(id);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const ids = this.#ready.splice(0);
    await Promise.all(ids.map((id) => this.#driver.destroy(id).catch(() => undefined)));
  }
}
