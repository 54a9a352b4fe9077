/**
 * Settles with `call`'s outcome, or rejects with the abort reason once `signal` aborts or
 * `timeoutMs` passes (a `TimeoutError` DOMException), whichever is first. The combined signal is
 * handed to `call`; an adapter that ignores signals (ioredis) is not waited for, and its late
 * settlement is ignored.
 */
export function withDeadline<T>(
  call: (deadline: AbortSignal) => Promise<T>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<T> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  return new Promise<T>((resolve, reject) => {
    if (deadline.aborted) {
      reject(deadline.reason);
      return;
    }
    const onAbort = () => reject(deadline.reason);
    deadline.addEventListener('abort', onAbort, { once: true });
    const settle = () => deadline.removeEventListener('abort', onAbort);
    call(deadline).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
