// Helpers for the BS-debug audit (blind acceptance tests of chanasync/debug).
export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

export type Posted = { message: any; args: unknown[] };

/** A fake, non-window target that records every postMessage call. */
export function fakeTarget() {
  const posted: Posted[] = [];
  return {
    posted,
    target: {
      postMessage(message: unknown, ...rest: unknown[]) {
        posted.push({ message: structuredClone(message), args: [message, ...rest] });
      },
    },
    snapshots: () => posted.map((p) => p.message).filter((m) => m?.type === 'snapshot'),
    ofType: (type: string) => posted.map((p) => p.message).filter((m) => m?.type === type),
  };
}

export function say(listen: EventTarget, data: unknown) {
  listen.dispatchEvent(new MessageEvent('message', { data }));
}

export async function until(cond: () => boolean, what = 'condition', ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const tick = () => new Promise<void>((r) => setTimeout(r, 0));
export const settle = async (n = 3) => {
  for (let i = 0; i < n; i++) await tick();
};
