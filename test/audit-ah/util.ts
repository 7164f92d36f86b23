/** Helpers for audit AH (web-platform-tests translated to chanasync). */

/** Lets pending microtasks and one macrotask run (WPT's flushAsyncEvents). */
export async function flushAsyncEvents(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** Settled state of a promise after the queue is flushed. */
export async function state<T>(promise: Promise<T>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'fulfilled';
    },
    () => {
      result = 'rejected';
    },
  );
  await flushAsyncEvents();
  return result;
}

export { until } from '../helpers/poll.js';

/** Reads a whole channel or stream with for await. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
}

/** A stream that enqueues 1 on every pull, and the reasons it is cancelled with. */
export function endlessOnes(): { stream: ReadableStream<number>; reasons: unknown[] } {
  const reasons: unknown[] = [];
  const stream = new ReadableStream<number>({
    pull(c) {
      c.enqueue(1);
    },
    cancel(reason) {
      reasons.push(reason);
    },
  });
  return { stream, reasons };
}

/** A recording WritableStream (WPT's recordingWritableStream). */
export function recordingWritableStream<T>(extra: UnderlyingSink<T> = {}, strategy?: QueuingStrategy<T>) {
  const events: unknown[] = [];
  const stream = new WritableStream<T>(
    {
      start: (controller) => extra.start?.(controller),
      write(chunk, controller) {
        events.push('write', chunk);
        return extra.write?.(chunk, controller);
      },
      close() {
        events.push('close');
        return extra.close?.();
      },
      abort(reason) {
        events.push('abort', reason);
        return extra.abort?.(reason);
      },
    },
    strategy,
  );
  return { stream, events };
}
