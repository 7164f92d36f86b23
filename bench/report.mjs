// Turns the raw results of run.mjs into the Markdown report: machine header,
// main table (ratios to the floor, bytes, ns/abort), n/a footnotes, a table
// of absolute throughput with spread, chanasync's PASS/FAIL target lines, and
// the select-cost, interop and debug-mode sections.
import os from 'node:os';

// kind: 'ratio' = throughput (higher is better), 'bytes' / 'ns' (lower is
// better), 'scale' = abort scaling factor (lower is better).
const ROWS = [
  { id: '1:1-unbuffered', label: 'W1 1:1 unbuffered (cap 0)', kind: 'ratio' },
  { id: '1:1-cap128', label: 'W2 1:1 cap 128', kind: 'ratio' },
  { id: 'fan-in', label: 'W3 fan-in 64→1 (cap 128)', kind: 'ratio' },
  { id: 'fan-out', label: 'W4 fan-out 1→64 (cap 128)', kind: 'ratio' },
  { id: 'select-4to1', label: 'W5 select 4→1 (cap 0) vs floor plain 1:1 (cap 0)', kind: 'ratio' },
  { id: 'nowait', label: 'W6 nowait fill/drain, tryPush/tryPull (cap 1024)', kind: 'ratio' },
  { id: 'nowait-throwing', label: 'W6 nowait fill/drain, catching Full/Empty errors (cap 1024)', kind: 'ratio' },
  {
    id: 'batch-fan-in',
    label: 'W7 batch: fan-in 64→1, pullMany(64) (cap 64) vs floor per-value fan-in',
    kind: 'ratio',
  },
  { id: 'mem-idle-0', label: 'idle channel, cap 0 (bytes)', kind: 'bytes' },
  { id: 'mem-idle-128', label: 'idle channel, cap 128 (bytes)', kind: 'bytes' },
  { id: 'mem-parked', label: 'parked pull (bytes)', kind: 'bytes' },
  { id: 'abort-small', label: 'abort, {small} parked (ns/abort)', kind: 'ns' },
  { id: 'abort-large', label: 'abort, {large} parked (ns/abort)', kind: 'ns' },
  { id: 'abort-scaling', label: 'abort scaling {large}/{small}', kind: 'scale' },
];

// Issue 14 (each runtime): W1-W4 ≥ 0.9× and ahead of every peer, W5 ≥ 0.6×, W6 with
// tryPush / tryPull ≥ 0.8×, W7 ≥ 2× (and ahead of Effect's takeBetween).
const TARGETS = [
  { id: '1:1-unbuffered', min: 0.9 },
  { id: '1:1-cap128', min: 0.9 },
  { id: 'fan-in', min: 0.9 },
  { id: 'fan-out', min: 0.9 },
  { id: 'select-4to1', min: 0.6, ahead: ['ts-chan', 'js-csp'] },
  { id: 'nowait', min: 0.8 },
  { id: 'batch-fan-in', min: 2, ahead: ['effect'] },
  { id: 'mem-idle-0', max: 200 },
  { id: 'mem-idle-128', max: 200 },
  { id: 'mem-parked', max: 300 },
  { id: 'abort-scaling', max: 2 },
];

/** select-1case: select/pull time per op, per capacity. */
const SELECT_COST_MAX = 1.5;

/** debug-* rows: throughput ratios (min) and snapshot time (max, ms). */
const DEBUG_TARGETS = { enabled: 0.9, inspected: 0.7, hook: 0.98, snapshotMs: 16 };

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const sup = (n) => [...String(n)].map((d) => SUPERSCRIPT[d]).join('');

const rate = (opsPerSec) =>
  opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(2)}M/s` : `${(opsPerSec / 1e3).toFixed(0)}k/s`;

function rowValue(results, row, lib) {
  const cell = results[row.id]?.[lib];
  if (cell?.value === undefined) return undefined;
  if (row.kind !== 'ratio') return cell.value;
  const floor = results[row.id].floor?.value;
  return floor ? cell.value / floor : undefined;
}

function formatValue(row, value) {
  if (row.kind === 'ratio') return `${value.toFixed(2)}×`;
  if (row.kind === 'bytes') return `${Math.round(value)}`;
  if (row.kind === 'ns') return value >= 1e4 ? `${(value / 1e3).toFixed(1)}k` : `${Math.round(value)}`;
  return `${value.toFixed(2)}×`;
}

function mainTable(libs, results, rows) {
  // One footnote per distinct reason, listing the libraries it applies to.
  const notes = [];
  const noteFor = (lib, text) => {
    let note = notes.find((n) => n.text === text);
    if (!note) {
      note = { text, libs: [] };
      notes.push(note);
    }
    if (!note.libs.includes(lib)) note.libs.push(lib);
    return sup(notes.indexOf(note) + 1);
  };
  const lines = [`| workload | ${libs.join(' | ')} |`, `|---|${libs.map(() => '---:').join('|')}|`];
  for (const row of rows) {
    const cells = libs.map((lib) => {
      const cell = results[row.id][lib];
      if (cell.na) return `n/a${noteFor(lib, cell.na)}`;
      if (cell.error) return `error${noteFor(lib, cell.error)}`;
      const value = rowValue(results, row, lib);
      if (value === undefined) return '–';
      const text = formatValue(row, value);
      return row.kind === 'ratio' && lib === 'floor' ? `${text} (${rate(cell.value)})` : text;
    });
    lines.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  const footnotes = notes.map((note, i) => `${sup(i + 1)} ${note.libs.join(', ')}: ${note.text}  `);
  return [...lines, '', ...footnotes].join('\n');
}

function absoluteTable(libs, results, rows) {
  const lines = [`| workload | ${libs.join(' | ')} |`, `|---|${libs.map(() => '---:').join('|')}|`];
  for (const row of rows) {
    const cells = libs.map((lib) => {
      const cell = results[row.id][lib];
      if (cell.value === undefined) return '–';
      const s = cell.samples;
      const spread = (Math.max(...s) - Math.min(...s)) / cell.value;
      return `${rate(cell.value)} ±${Math.round(spread * 50)}%`;
    });
    lines.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function targetLines(libs, results, rows) {
  const cell = (id) => results[id]?.chanasync;
  if (!libs.includes('chanasync')) return ['chanasync not selected: targets not evaluated'];
  const anyRow = rows.find((row) => cell(row.id));
  const other = results.selectCost ?? results.debug;
  if (!anyRow && !other) return ['no target rows in this run'];
  if (anyRow ? cell(anyRow.id).na : !other)
    return [`chanasync unavailable (${cell(anyRow?.id)?.na}): targets not evaluated`];
  const lines = [];
  const label = (id) => rows.find((r) => r.id === id).label;
  for (const t of TARGETS) {
    const row = rows.find((r) => r.id === t.id);
    if (!row) continue;
    const v = rowValue(results, row, 'chanasync');
    const goal =
      t.min !== undefined
        ? `≥ ${formatValue(row, t.min)}${row.kind === 'ratio' ? ' floor' : ''}`
        : `≤ ${formatValue(row, t.max)}`;
    if (v === undefined) {
      lines.push(`FAIL ${label(t.id)} ${goal}: no result (${cell(t.id)?.error ?? cell(t.id)?.na ?? 'missing'})`);
      continue;
    }
    const ok = t.min !== undefined ? v >= t.min : v <= t.max;
    lines.push(`${ok ? 'PASS' : 'FAIL'} ${label(t.id)} ${goal}: ${formatValue(row, v)}`);
    const peers = (t.ahead ?? []).filter((peer) => libs.includes(peer));
    if (peers.length) {
      const theirs = peers.map((peer) => [peer, rowValue(results, row, peer)]);
      const ahead = theirs.every(([, x]) => x === undefined || x < v);
      const shown = theirs.map(([peer, x]) => `${peer} ${x === undefined ? 'no result' : formatValue(row, x)}`);
      lines.push(
        `${ahead ? 'PASS' : 'FAIL'} ${label(t.id)} ahead of ${peers.join(', ')}: ${formatValue(row, v)} vs ${shown.join(', ')}`,
      );
    }
  }
  for (const r of results.selectCost ?? []) {
    const goal = `select 1-case / pull time per op, cap ${r.capacity} ≤ ${SELECT_COST_MAX.toFixed(2)}×`;
    if (r.value === undefined) lines.push(`FAIL ${goal}: no result (${r.error ?? 'missing'})`);
    else lines.push(`${r.value <= SELECT_COST_MAX ? 'PASS' : 'FAIL'} ${goal}: ${r.value.toFixed(2)}×`);
  }
  if (results.debug) lines.push(...debugTargetLines(results.debug));
  // Ahead of every peer on every comparable row (abort scaling excluded: it
  // is a shape check, covered above).
  if (!rows.some((r) => r.kind !== 'scale')) return lines;
  const losses = [];
  for (const row of rows.filter((r) => r.kind !== 'scale')) {
    const mine = rowValue(results, row, 'chanasync');
    if (mine === undefined) continue;
    for (const peer of libs.filter((l) => l !== 'chanasync' && l !== 'floor')) {
      const theirs = rowValue(results, row, peer);
      if (theirs === undefined) continue;
      const beaten = row.kind === 'ratio' ? theirs >= mine : theirs <= mine;
      if (beaten) losses.push(`${row.label}: ${peer} ${formatValue(row, theirs)} vs ${formatValue(row, mine)}`);
    }
  }
  lines.push(
    losses.length === 0
      ? 'PASS ahead of every peer in every workload'
      : `FAIL ahead of every peer in every workload:\n${losses.map((l) => `  - ${l}`).join('\n')}`,
  );
  return lines;
}

function selectCostSection(rows) {
  const ns = (x) => `${Math.round(x)}`;
  const lines = [
    '## chanasync: one-case select vs pull',
    '',
    'The 1:1 workload with the consumer doing `(await select(cases)).value` on one reused `[pull(ch)]` array vs `await ch.pull()`; the two run in adjacent pairs (order alternating), cost = median of the per-pair ratios of time per op.',
    '',
    '| capacity | pull ns/op | select ns/op | select / pull |',
    '|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.value === undefined) {
      lines.push(`| ${r.capacity} | – | – | error: ${r.error ?? 'missing'} |`);
      continue;
    }
    const spread = (Math.max(...r.ratio) - Math.min(...r.ratio)) / r.value;
    lines.push(
      `| ${r.capacity} | ${ns(r.pullNs)} | ${ns(r.selectNs)} | ${r.value.toFixed(2)}× ±${Math.round(spread * 50)}% |`,
    );
  }
  return lines;
}

/** Labels of the interop rows (run.mjs INTEROP), with what the floor cell runs. */
const INTEROP_LABELS = {
  'interop-roundtrip': 'round trip channel → stream → channel (cap 128)',
  'merge-64': 'merge 64→1 (cap 4 per input)',
  tee: 'tee 1→2 (cap 128)',
};

function interopSection(rows) {
  const notes = [];
  const cell = (c, base) => {
    if (c.na || c.error) {
      const text = c.na ?? `error: ${c.error}`;
      if (!notes.includes(text)) notes.push(text);
      return `${c.na ? 'n/a' : 'error'}${sup(notes.indexOf(text) + 1)}`;
    }
    if (c.value === undefined) return '–';
    const spread = (Math.max(...c.samples) - Math.min(...c.samples)) / c.value;
    const ratio = base ? ` · ${(c.value / base).toFixed(2)}×` : '';
    return `${rate(c.value)} ±${Math.round(spread * 50)}%${ratio}`;
  };
  const lines = [
    '## Interop: chanasync vs web streams',
    '',
    'Cells: median values/s ± half the min–max spread · ratio to the floor cell of the same row. The four cells of a row run in the same interleaved rounds (values per run calibrated so each run takes at most ~100 ms).',
    '',
    '| workload | floor 1:1 (base) | chanasync, no interop | chanasync interop | web streams |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const base = row.cells.floor.value;
    const cells = ['floor', 'plain', 'interop', 'web'].map((key) => cell(row.cells[key], base));
    lines.push(`| ${INTEROP_LABELS[row.id] ?? row.id} | ${cells.join(' | ')} |`);
  }
  lines.push('', ...notes.map((text, i) => `${sup(i + 1)} ${text}  `));
  lines.push(
    '',
    '- **floor 1:1 (base)**: the floor channel’s plain 1:1 workload (one producer awaiting every push, one consumer awaiting every pull) at the row’s capacity (128, 4, 128): a yardstick for the machine, not the same job.',
    '- **chanasync, no interop**: chanasync doing the job with channels alone. Round trip: plain 1:1 at capacity 128 (what the round trip adds the stream hop to). Merge: the same 64 producers pushing into **one shared** channel of capacity 256 (64 × 4), one consumer pulling n times — what `merge` costs over sharing a channel. Tee: n/a.',
    '- **chanasync interop**: round trip: the producer awaits `push` of 0..n-1 into a `Channel(128)` and closes it; the consumer runs `for await` over `from(toReadableStream(ch), { capacity: 128 })` (stream highWaterMark 0, the default) until it closes. Merge: 64 `Channel(4)`s, each with its own producer awaiting pushes of a strided n/64 slice and closing it; one consumer runs `for await` over `merge(...channels)` until it closes. Tee: the producer awaits `push` of 0..n-1 into a `Channel(128)` and closes it; `broadcast(source)` with two `subscribe({ capacity: 128 })` channels, each read to its end by its own `for await` consumer; values/s counts the n values produced (each is received twice), as for web streams.',
    '- **web streams**: round trip: the producer awaits `writer.write` of 0..n-1 into an identity `TransformStream` (readable highWaterMark 128) and closes it; its readable is `pipeThrough` a second identical `TransformStream` (a `pipeTo` into its writable); the consumer `read()`s the second readable until done. Merge (no native merge): 64 identity `TransformStream`s (readable highWaterMark 4), each with its own producer as above; 64 forwarding loops each `read()` one source and await `write` on one shared writer of an output `TransformStream` (readable highWaterMark 0), closed when all 64 are done; the consumer reads the output until done. Tee: one such `TransformStream` (readable highWaterMark 128) fed by one producer, its readable `tee()`d, both branches read to the end concurrently; values/s counts the n values produced (each is received twice), so this row is context for web streams alone.',
    '- Every run checks the sum and count received (2n for tee); an end of stream / close must arrive, or the run times out.',
  );
  return lines;
}

/** The batch / broadcast section (suite.mjs BATCH): named cells, ratios to the row's floor cell. */
function batchSection(rows, title) {
  const notes = [];
  const lines = [
    title ?? (rows.every((row) => row.optIn) ? '## Probe: promise costs' : '## Batches and broadcast (chanasync)'),
    '',
    'Cells: median values/s ± half the min–max spread · ratio to the base cell of the same row (the floor, or debug mode off); the cells of a row run in the same interleaved rounds. Broadcast: values/s per subscriber (each of the 8 receives every value).',
    '',
  ];
  for (const row of rows) {
    const baseKey = row.base ?? 'floor';
    const base = row.cells[baseKey]?.value;
    lines.push(`**${row.id}**`, '', `| cell | values/s | / ${baseKey} |`, '|---|---:|---:|');
    for (const [key, , , label] of row.layout) {
      const c = row.cells[key] ?? {};
      if (c.na || c.error) {
        const text = c.na ?? `error: ${c.error}`;
        if (!notes.includes(text)) notes.push(text);
        lines.push(`| ${label} | ${c.na ? 'n/a' : 'error'}${sup(notes.indexOf(text) + 1)} | |`);
        continue;
      }
      if (c.value === undefined) {
        lines.push(`| ${label} | – | |`);
        continue;
      }
      const spread = (Math.max(...c.samples) - Math.min(...c.samples)) / c.value;
      const ratio = base ? `${(c.value / base).toFixed(2)}×` : '–';
      lines.push(`| ${label} | ${rate(c.value)} ±${Math.round(spread * 50)}% | ${ratio} |`);
    }
    lines.push('');
  }
  lines.push(...notes.map((text, i) => `${sup(i + 1)} ${text}  `));
  const explain = {
    'pushall-batch':
      '- **pushall-batch** (capacity 64): one producer awaits `pushAll` of 0..n-1 in fresh 64-value arrays; one consumer awaits `pullMany(64)` until it has n. Base: the floor’s 1:1 at capacity 64, one awaited push and pull per value. **bare loop**: the same arrays built and summed with no channel and no await — the cost a batch API can approach.',
    'broadcast-8':
      '- **broadcast-8** (capacity 128 everywhere): one producer awaits every push into a source channel; `broadcast(source)` with 8 `subscribe({ capacity: 128 })` channels, each read by its own consumer (n pulls); the source is closed at the end. Against: 8 separate channels fed by one loop that awaits each push (value by value, channel by channel), each read by its own consumer — chanasync’s and, as the base, the floor’s.',
    'debug-overhead':
      '- **debug-overhead** (Chromium): W2 (1:1, capacity 128) on dist/ with debug mode (a) off — disabled again after the other cells —, (b) `enableDebug` with a no-op target, no inspector, `stacks: false`, and (c) enabled with an inspector connected (`hello` on the `listen` EventTarget), `intervalMs: 250`; the host switches the mode before each run, every other row runs with it off. Runs are ~25 ms evaluations, so the inspector’s 250 ms timer fires between and during them.',
    'probe-promises':
      '- **probe-promises** (opt-in, `--only=probe`): W1 per value for the floor and chanasync next to promise operations alone, in the same rounds — how much of a W1 value is the runtime’s promise machinery (bench/workloads.mjs `micro*`).',
  };
  lines.push('', ...rows.map((row) => explain[row.id]).filter(Boolean));
  const ratioOf = (row, a, b) => {
    const x = row.cells[a]?.value;
    const y = row.cells[b]?.value;
    return x && y ? `${(x / y).toFixed(2)}×` : 'no result';
  };
  const info = [];
  for (const row of rows) {
    if (row.id === 'pushall-batch') {
      info.push(
        `pushAll(64) → pullMany(64): ${ratioOf(row, 'pushAll', 'floor')} the floor’s per-value 1:1, ${ratioOf(row, 'pushAll', 'bare')} the bare loop`,
      );
    }
    if (row.id === 'broadcast-8') {
      info.push(
        `broadcast to 8: ${ratioOf(row, 'broadcast', 'separate')} chanasync’s 8 separate channels, ${ratioOf(row, 'broadcast', 'floor')} the floor’s (values/s per subscriber)`,
      );
    }
  }
  if (info.length) lines.push('', '```', ...info.map((l) => `INFO ${l}`), '```');
  return lines;
}

/** PASS/FAIL lines of the debug-* rows that ran. */
function debugTargetLines({ hookCost, overhead, snapshot }) {
  const lines = [];
  const x = (v) => `${v.toFixed(2)}×`;
  const check = (goal, value, ok, format, why) =>
    lines.push(
      value === undefined
        ? `FAIL ${goal}: no result (${why ?? 'missing'})`
        : `${ok ? 'PASS' : 'FAIL'} ${goal}: ${format(value)}`,
    );
  if (overhead) {
    const why = overhead.error ?? overhead.na;
    const { enabled, inspected } = DEBUG_TARGETS;
    const e = overhead.ratioEnabledValue;
    const i = overhead.ratioInspectedValue;
    check(`debug mode enabled, no inspector / off, 1:1 cap 128 ≥ ${x(enabled)}`, e, e >= enabled, x, why);
    check(`debug mode enabled + inspector connected / off, 1:1 cap 128 ≥ ${x(inspected)}`, i, i >= inspected, x, why);
  }
  if (hookCost) {
    const goal = (capacity) =>
      `debug hook never enabled: hook / no-hook build, 1:1 cap ${capacity} ≥ ${x(DEBUG_TARGETS.hook)}`;
    if (!hookCost.rows) check(goal('128 and 0'), undefined, false, x, hookCost.error ?? hookCost.na);
    for (const r of hookCost.rows ?? []) check(goal(r.capacity), r.value, r.value >= DEBUG_TARGETS.hook, x);
  }
  if (snapshot) {
    const max = DEBUG_TARGETS.snapshotMs;
    const r = Array.isArray(snapshot) ? snapshot.find((row) => !row.stacks) : snapshot;
    const goal = `debug snapshot() of ${kilo(r.channels ?? 10_000)} channels with one parked pull each ≤ ${max} ms`;
    check(goal, r.value, r.value <= max, (v) => `${v.toFixed(1)} ms`, r.error ?? r.na);
  }
  return lines;
}

/** The "Debug mode" section: overhead, hook cost, snapshot. */
function debugSection({ hookCost, overhead, snapshot }) {
  const spread = (xs, mid) => `±${Math.round(((Math.max(...xs) - Math.min(...xs)) / mid) * 50)}%`;
  const lines = ['## Debug mode (chanasync)', ''];
  if (overhead) {
    lines.push(
      '**debug-overhead**: the `1:1-cap128` workload on dist/, in rounds of three blocks (a block repeats the run, yielding to the event loop between runs, for at least the block time; ops/s over its wall time): first (a) debug mode off — never enabled before the warm-up round, so in every measured round it is *disabled* (enabled and disabled again: the hook is `undefined` again); then, in alternating order, (b) `enableDebug` with a no-op target, no inspector, `stacks: false`, and (c) enabled and an inspector connected (`hello` on the `listen` EventTarget), `intervalMs: 250`, `stacks: false`. Each run creates its channel after `enableDebug`; `disableDebug` after each of (b) and (c). Ratios: median of the per-round ratios to that round’s (a).',
      '',
    );
    if (overhead.error || overhead.na) lines.push(`${overhead.na ? 'n/a' : 'error'}: ${overhead.na ?? overhead.error}`);
    else {
      lines.push('| mode | ops/s | / (a) |', '|---|---:|---:|');
      const modes = [
        ['(a) debug off (disabled)', 'off', undefined],
        ['(b) enabled, no inspector', 'enabled', 'ratioEnabled'],
        ['(c) enabled, inspector connected', 'inspected', 'ratioInspected'],
      ];
      for (const [label, key, ratio] of modes) {
        const ops = overhead[`${key}Value`];
        const r = ratio
          ? `${overhead[`${ratio}Value`].toFixed(2)}× ${spread(overhead[ratio], overhead[`${ratio}Value`])}`
          : '1.00×';
        lines.push(`| ${label} | ${rate(ops)} ${spread(overhead[key], ops)} | ${r} |`);
      }
      const p = overhead.posted;
      lines.push(
        '',
        `Snapshots posted in the measured rounds: (c) ${p.inspected} in ${(p.inspectedMs / 1000).toFixed(1)} s (one at each \`hello\`, then at most one per 250 ms tick); (b) ${p.enabled}.`,
      );
    }
    lines.push('');
  }
  if (hookCost) {
    lines.push(
      '**debug-hook-cost**: debug mode never enabled; the 1:1 workload on two builds bundled alike by the bench (esbuild with the options of esbuild.config.mjs for dist/ — every entry, split into shared chunks — into a temp dir): src/ as is (**hook**, the same as the shipped dist/) and with every line calling `tracker` removed from the files with hook calls (**no hook**); **hook, single file** is src/index.ts bundled alone without splitting, as a consumer’s bundler may, a control for the noise. Each build has its own copy of the adapter and of workloads.mjs; rounds of one block per build (start rotated), ratios = medians of the per-round ratios to no hook.',
      '',
    );
    if (!hookCost.rows) lines.push(`${hookCost.na ? 'n/a' : 'error'}: ${hookCost.na ?? hookCost.error}`);
    else {
      lines.push(
        '| workload | hook ops/s | no hook ops/s | hook / no hook | hook, single file / no hook |',
        '|---|---:|---:|---:|---:|',
      );
      for (const r of hookCost.rows) {
        lines.push(
          `| 1:1 cap ${r.capacity} | ${rate(r.hookValue)} ${spread(r.hook, r.hookValue)} | ${rate(r.nohookValue)} ${spread(r.nohook, r.nohookValue)} | ${r.value.toFixed(3)}× ${spread(r.ratio, r.value)} | ${r.singleRatioValue.toFixed(3)}× ${spread(r.singleRatio, r.singleRatioValue)} |`,
        );
      }
      const removed = Object.entries(hookCost.removed).map(([file, k]) => `${file} ${k}`);
      lines.push(
        '',
        `Lines removed for the no-hook build: ${removed.join(', ')}. Hook build’s JavaScript identical to dist/ (chunk file hashes aside): ${hookCost.sameAsDist ? 'yes' : 'no (dist/ is stale, or esbuild.config.mjs changed: update BUILD_OPTIONS in bench/debug.mjs)'}.`,
      );
    }
    lines.push('');
  }
  if (snapshot) {
    lines.push(
      '**debug-snapshot**: debug mode enabled (no inspector), then 10k channels of capacity 0 created, each with one parked pull (10k waiters), all kept alive; time of one `snapshot()` call, median after 3 warm-up calls; JSON size = UTF-8 bytes of `JSON.stringify` of the snapshot (capped at 1000 channels × 100 waiters per queue; `truncated` counts what was left out). Then every channel is closed (each parked pull must reject) and debug mode disabled. `stacks: true` for context, no target.',
      '',
    );
    if (!Array.isArray(snapshot)) lines.push(`n/a: ${snapshot.na}`);
    else {
      lines.push(
        '| stacks | channels / parked pulls | snapshot() | JSON.stringify | JSON bytes | listed channels / waiters | truncated |',
        '|---|---:|---:|---:|---:|---:|---|',
      );
      for (const r of snapshot) {
        if (r.value === undefined) {
          lines.push(`| ${r.stacks} | ${kilo(r.channels)} | error: ${r.error} | | | | |`);
          continue;
        }
        const truncated = r.truncated ? `${r.truncated.channels} channels, ${r.truncated.waiters} waiters` : '–';
        lines.push(
          `| ${r.stacks} | ${kilo(r.channels)} / ${kilo(r.channels)} | ${r.value.toFixed(1)} ms ${spread(r.ms, r.value)} (${r.ms.length} calls) | ${r.stringify.toFixed(1)} ms | ${r.bytes.toLocaleString('en-US')} | ${r.listed} / ${r.waitersListed} | ${truncated} |`,
        );
      }
    }
  }
  return lines;
}

const kilo = (n) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

/**
 * The Markdown report. `runtime`: what ran the workloads (default: this Node); `command`: how
 * the run was started (default: `bench/run.mjs`).
 */
export function formatReport({ libs, notes, results, config, argv, seconds, runtime, command }) {
  const [small, large] = (config.abortSizes ?? [10_000, 100_000]).map(kilo);
  const rows = ROWS.filter((row) => results[row.id]).map((row) => ({
    ...row,
    label: row.label.replace('{small}', small).replace('{large}', large),
  }));
  const cpus = os.cpus();
  const throughputRows = rows.filter((r) => r.kind === 'ratio');
  const out = [
    '# chanasync benchmark',
    '',
    `- machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores; ${runtime ?? `Node ${process.version} (${process.platform}/${process.arch})`}`,
    `- run: ${command ?? 'bench/run.mjs'} ${argv.length ? argv.join(' ') : '(full)'}; ${config.rounds} interleaved rounds per throughput workload after a warm-up (calibration, then each cell's runs for at least ${config.warmupMs ?? 0} ms), medians${config.memoryRounds ? `; ${config.memoryRounds} memory rounds of up to ${kilo(config.memoryCount)} objects; ${config.abortRounds} abort rounds` : ''}; took ${seconds.toFixed(0)} s`,
    '- throughput cells: ratio of median ops/s to the floor (higher is better); memory in bytes, abort in ns per abort (lower is better)',
    '',
    rows.length ? mainTable(libs, results, rows) : '(no table rows in this run)',
  ];
  if (results.abortBaseline) {
    const [b10, b100] = results.abortBaseline.map((ns) => formatValue({ kind: 'ns' }, ns));
    out.push(
      '',
      `Abort baseline (Node itself, no channel: AbortController.abort() + one listener rejecting a promise): ${b10} ns/abort at ${small}, ${b100} ns/abort at ${large}.`,
    );
  }
  if (throughputRows.length) {
    out.push(
      '',
      '## Absolute throughput (median ops/s, ± half the min–max spread)',
      '',
      absoluteTable(libs, results, throughputRows),
    );
  }
  if (results['batch-fan-in']) {
    out.push(
      '',
      'W7 batch: the fan-in of W3 (64 producers, each awaiting every push of its strided slice) into one channel of capacity 64, one consumer taking up to 64 values per call (chanasync `pullMany(64)`, Effect `Queue.takeBetween(queue, 1, 64)`). The floor has no batch take, so its cell is its **per-value fan-in** with the same producers and capacity: the row is a ratio to the floor’s per-value throughput (target ≥ 2×).',
    );
  }
  if (results['select-4to1']) {
    out.push(
      '',
      'select 4→1: four cap-0 channels, each fed by its own producer awaiting every push of n/4 values, one consumer selecting over pulls on all four n times. The floor has no select, so its cell in this row is its **plain 1:1 cap-0 workload** (one channel, one producer, one consumer), measured in the same interleaved rounds: the row is a ratio to the floor’s plain 1:1 throughput.',
    );
  }
  if (results.selectCost) out.push('', ...selectCostSection(results.selectCost));
  out.push('', '## How each library is driven', '', ...libs.map((lib) => `- ${lib}: ${notes[lib]}`));
  out.push('', '## chanasync targets', '', '```', ...targetLines(libs, results, rows), '```');
  if (results.batch) out.push('', ...batchSection(results.batch));
  if (results.debugRows) {
    out.push('', ...batchSection(results.debugRows, '## Debug mode in this runtime (chanasync)'));
    const row = results.debugRows[0];
    const ratio = (key) => row?.cells[key]?.value / row?.cells.off?.value;
    const check = (key, min, what) => {
      const v = ratio(key);
      return Number.isFinite(v)
        ? `${v >= min ? 'PASS' : 'FAIL'} ${what} / off, 1:1 cap 128 ≥ ${min.toFixed(2)}×: ${v.toFixed(2)}×`
        : `FAIL ${what} / off: no result`;
    };
    out.push(
      '',
      '```',
      check('enabled', DEBUG_TARGETS.enabled, 'debug mode enabled, no inspector'),
      check('inspected', DEBUG_TARGETS.inspected, 'debug mode enabled + inspector connected'),
      `INFO snapshots posted to the simulated inspector during the row: ${results.debugPosted ?? 0}`,
      '```',
    );
  }
  if (results.interop) out.push('', ...interopSection(results.interop));
  if (results.debug) out.push('', ...debugSection(results.debug));
  return out.join('\n');
}
