// Adapter for js-csp. Idiomatic js-csp code runs processes as generator go
// blocks (yield csp.put / yield csp.take), so the async workloads are written
// here that way; each run resolves a promise when its go blocks finish. The
// nowait workload uses csp.offer / csp.poll; the select row uses csp.alts
// (random choice among ready channels, like Go and chanasync's select).
import csp from 'js-csp';
import { EMPTY } from './common.mjs';

const makeChan = (capacity) => (capacity > 0 ? csp.chan(csp.buffers.fixed(capacity)) : csp.chan());

function consume(ch, n, done) {
  csp.go(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield csp.take(ch);
    done(sum);
  });
}

const oneToOne = ({ capacity, n }) =>
  new Promise((resolve) => {
    const ch = makeChan(capacity);
    consume(ch, n, (sum) => resolve({ sum, count: n }));
    csp.go(function* () {
      for (let i = 0; i < n; i++) yield csp.put(ch, i);
    });
  });

const fanIn = ({ capacity, n, producers }) =>
  new Promise((resolve) => {
    const ch = makeChan(capacity);
    consume(ch, n, (sum) => resolve({ sum, count: n }));
    for (let p = 0; p < producers; p++) {
      csp.go(function* () {
        for (let v = p; v < n; v += producers) yield csp.put(ch, v);
      });
    }
  });

const fanOut = ({ capacity, n, consumers }) =>
  new Promise((resolve) => {
    const ch = makeChan(capacity);
    let sum = 0;
    let count = 0;
    let running = consumers;
    for (let c = 0; c < consumers; c++) {
      csp.go(function* () {
        for (;;) {
          const v = yield csp.take(ch);
          if (v < 0) break;
          sum += v;
          count++;
        }
        if (--running === 0) resolve({ sum, count });
      });
    }
    csp.go(function* () {
      for (let i = 0; i < n; i++) yield csp.put(ch, i);
      for (let c = 0; c < consumers; c++) yield csp.put(ch, -1);
    });
  });

// One go block per producer (strided slice of 0..n-1), one consumer doing
// `yield csp.alts(channels)` n times over the same array.
const selectFanIn = ({ capacity, n, channels }) =>
  new Promise((resolve) => {
    const chs = [];
    for (let c = 0; c < channels; c++) chs.push(makeChan(capacity));
    csp.go(function* () {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (yield csp.alts(chs)).value;
      resolve({ sum, count: n });
    });
    for (let p = 0; p < channels; p++) {
      csp.go(function* () {
        for (let v = p; v < n; v += channels) yield csp.put(chs[p], v);
      });
    }
  });

export default {
  name: 'js-csp',
  note: 'async workloads are go blocks (yield put/take); nowait uses offer/poll; select row: `yield csp.alts(channels)`',
  make: makeChan,
  tryPush: (ch, v) => csp.offer(ch, v),
  tryPull(ch) {
    const v = csp.poll(ch);
    return v === csp.NO_VALUE ? EMPTY : v;
  },
  custom: {
    '1:1-unbuffered': oneToOne,
    '1:1-cap128': oneToOne,
    'fan-in': fanIn,
    'fan-out': fanOut,
    'select-4to1': selectFanIn,
  },
  na: {
    abort: 'no AbortSignal on pull',
    'mem-parked': 'at most 1024 pending takes per channel (MAX_QUEUE_SIZE)',
  },
};
