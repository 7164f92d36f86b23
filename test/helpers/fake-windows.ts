/**
 * Two fake windows in Node for `chanasync/port`'s Window paths: `window === itself`, and what one
 * is sent arrives a task later on the shared global (as a browser delivers it), from the other,
 * with its origin. `postMessage` reads its target origin as a browser does (the origin of the URL
 * given; a mismatch drops the message).
 */
import type { PortLike } from '../../src/port/index.js';

/** The page's origin in {@link windows}. */
export const PAGE = 'https://page.example';
/** The frame's origin in {@link windows}, unless another is given. */
export const FRAME = 'https://frame.example';

/** A fake window: `window === itself`; what it is sent arrives on the shared global, from `other`. */
export class FakeWindow {
  readonly window = this;
  other!: FakeWindow;
  closed = false;
  /** What reached this window: [data, targetOrigin]. */
  readonly received: [unknown, string][] = [];
  constructor(
    readonly origin: string,
    private readonly global: EventTarget,
  ) {}
  postMessage(message: unknown, targetOrigin: string, transfer?: Transferable[]): void {
    if (typeof targetOrigin !== 'string') throw new TypeError('postMessage on a window takes a target origin');
    if (targetOrigin !== '*' && new URL(targetOrigin).origin !== this.origin) return;
    const data = structuredClone(message, transfer === undefined ? undefined : { transfer });
    this.received.push([data, targetOrigin]);
    const source = this.other;
    setTimeout(
      () => this.global.dispatchEvent(Object.assign(new Event('message'), { data, source, origin: source.origin })),
      0,
    );
  }
}

/** Runs `body` with a global that can be listened to (both fake windows share it), then removes it. */
export async function withGlobal(body: (global: EventTarget) => Promise<void>): Promise<void> {
  const target = new EventTarget();
  const scope = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  scope.addEventListener = target.addEventListener.bind(target);
  scope.removeEventListener = target.removeEventListener.bind(target);
  try {
    await body(target);
  } finally {
    delete scope.addEventListener;
    delete scope.removeEventListener;
  }
}

/** A frame (of `frameOrigin`) and its parent page (of {@link PAGE}), each the other's `other`. */
export function windows(global: EventTarget, frameOrigin = FRAME) {
  const frame = new FakeWindow(frameOrigin, global);
  const parent = new FakeWindow(PAGE, global);
  frame.other = parent;
  parent.other = frame;
  return { frame: frame as FakeWindow & PortLike, parent: parent as FakeWindow & PortLike };
}
