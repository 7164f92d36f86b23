/**
 * Node 20 only: `AbortSignal.any()` keeps its source signals alive as long as the signal it
 * returns is.
 *
 * The DOM standard's timeout keeps an `AbortSignal.timeout()` signal alive until it fires; Node 20
 * holds it from its timer only weakly, and `AbortSignal.any()` holds its sources weakly too, so a
 * collection can take a timeout signal that only a composite refers to, and the composite never
 * aborts (nodejs/node#57736: a pull with `AbortSignal.any([c.signal, AbortSignal.timeout(5)])`
 * hung 30 s in a CI run). Users of Node 20 meet it with `fetch` as with chanasync; chanasync
 * cannot see a composite's sources. The tests use such composites as users of the other runtimes
 * do, so here each composite holds its sources (a `WeakMap` entry: nothing is kept alive longer
 * than the composite itself, so the tests of what chanasync lets the collector take still mean
 * what they say).
 */
const any = AbortSignal.any as ((signals: Iterable<AbortSignal>) => AbortSignal) | undefined;
if (typeof any === 'function' && globalThis.process?.versions?.node?.startsWith('20.')) {
  const sourcesOf = new WeakMap<AbortSignal, AbortSignal[]>();
  AbortSignal.any = (signals: Iterable<AbortSignal>): AbortSignal => {
    const sources = [...signals];
    const composite = any.call(AbortSignal, sources);
    sourcesOf.set(composite, sources);
    return composite;
  };
}
