// @vitest-environment happy-dom
// The inspector panel fed with real snapshots from chanasync/debug (not hand-built ones):
// inspector-extension/README.md "The panel" — states leaked > stuck > waiting for input > idle,
// a select shows once, untrusted names stay text.
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, EMPTY_DATA, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { render } from '../../inspector-extension/src/panel/render.js';
import { quiet } from './helpers.js';

const TOP = { frameId: 0, url: 'https://app.example/', documentId: 'doc-top', origin: 'https://app.example' };

afterEach(() => {
  disableDebug();
  document.body.replaceChildren();
});

function show(later: number) {
  const snap = { ...snapshot(), seq: 1 };
  const data = withSnapshot(EMPTY_DATA, TOP as any, snap as any, snap.time);
  const out = render({ data, view: { ...DEFAULT_VIEW }, now: snap.time + later, connection: 'connected' }, document);
  document.body.replaceChildren(out.notices, out.content);
  return [...document.querySelectorAll('.row')].map(
    (r) => `${r.querySelector('.name-text')?.textContent}:${r.querySelector('.col-state')?.textContent}`,
  );
}

describe('panel rows from real debug snapshots', () => {
  it('a wait nothing explains is stuck after the threshold, an input wait is never stuck, stuck ranks first', () => {
    enableDebug({ target: { postMessage() {} } });
    const keys = new Channel<string>(0, { name: 'keys', input: true });
    const replies = new Channel<string>(0, { name: 'replies' });
    const spare = new Channel<string>(1, { name: 'spare' });
    quiet(keys.pull());
    quiet(replies.push('x'));
    const rows = show(60_000);
    const names = rows.map((r) => r.split(':')[0]);
    expect(names.indexOf('replies')).toBeLessThan(names.indexOf('keys'));
    expect(names.indexOf('keys')).toBeLessThan(names.indexOf('spare'));
    expect(rows.find((r) => r.startsWith('replies:'))).toMatch(/stuck/);
    expect(rows.find((r) => r.startsWith('keys:'))).toMatch(/waiting for input/);
    expect(rows.find((r) => r.startsWith('keys:'))).not.toMatch(/stuck/);
    keys.close();
    replies.close();
    spare.close();
  });

  it('a short wait is not stuck yet', () => {
    enableDebug({ target: { postMessage() {} } });
    const replies = new Channel<string>(0, { name: 'fresh' });
    quiet(replies.pull());
    const row = show(100).find((r) => r.startsWith('fresh:'));
    expect(row).toBeDefined();
    expect(row).not.toMatch(/stuck/);
    replies.close();
  });

  it('a select over two channels shows as one select row', () => {
    enableDebug({ target: { postMessage() {} } });
    const a = new Channel<number>(0, { name: 'left' });
    const b = new Channel<number>(0, { name: 'right' });
    quiet(select([pull(a), pull(b)]));
    const rows = show(60_000);
    const selects = rows.filter((r) => r.startsWith('select'));
    expect(selects.length).toBe(1);
    expect(selects[0]).toMatch(/left/);
    expect(selects[0]).toMatch(/right/);
    expect(selects[0]).toMatch(/stuck/);
    expect(rows.find((r) => r.startsWith('left:'))).not.toMatch(/stuck/);
    a.close();
    b.close();
  });

  it('a hostile channel name renders as text, never as markup', () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(0, { name: '<img src=x onerror=alert(1)>' });
    show(0);
    expect(document.querySelector('img')).toBeNull();
    expect(document.body.textContent).toContain('<img src=x onerror=alert(1)>');
    c.close();
  });

  it('a closed channel is marked closed', () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(0, { name: 'done' });
    c.close();
    const row = show(0).find((r) => r.startsWith('done:'));
    expect(row).toMatch(/closed/);
  });
});

describe('leaked entries in the panel', () => {
  it('a leaked entry is listed first and stays after later snapshots no longer carry it', () => {
    const T = 1_700_000_000_000;
    const leak = {
      id: 1,
      kind: 'push' as const,
      since: T - 4000,
      detectedAt: T - 10,
      channel: { id: 12, name: 'reply', capacity: 0 },
    };
    const base = { source: 'chanasync', version: 1, type: 'snapshot' } as const;
    const idle = {
      id: 3,
      name: 'idle-one',
      capacity: 1,
      size: 0,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [],
    };
    let data = withSnapshot(
      EMPTY_DATA,
      TOP as any,
      { ...base, time: T, seq: 1, channels: [idle], leaked: [leak] } as any,
      T,
    );
    data = withSnapshot(data, TOP as any, { ...base, time: T + 500, seq: 2, channels: [idle] } as any, T + 500);
    const out = render({ data, view: { ...DEFAULT_VIEW }, now: T + 600, connection: 'connected' }, document);
    document.body.replaceChildren(out.notices, out.content);
    const rows = [...document.querySelectorAll('.row')].map((r) => r.querySelector('.col-state')?.textContent ?? '');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows[0]).toMatch(/leaked/);
  });
});

describe('stuck ranking', () => {
  it('among stuck rows, a blocked producer comes before a blocked consumer that waited longer', async () => {
    enableDebug({ target: { postMessage() {} } });
    const consumer = new Channel<number>(0, { name: 'starved' });
    quiet(consumer.pull());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const producer = new Channel<number>(0, { name: 'blocked' });
    quiet(producer.push(1));
    const names = show(60_000)
      .filter((r) => /stuck/.test(r))
      .map((r) => r.split(':')[0]);
    expect(names.indexOf('blocked')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('blocked')).toBeLessThan(names.indexOf('starved'));
    consumer.close();
    producer.close();
  });

  it('a channel whose only waits are cases of a select is marked in a select, not stuck', () => {
    enableDebug({ target: { postMessage() {} } });
    const a = new Channel<number>(0, { name: 'case-a' });
    const b = new Channel<number>(0, { name: 'case-b' });
    quiet(select([pull(a), pull(b)]));
    const row = show(60_000).find((r) => r.startsWith('case-a:'));
    expect(row).toMatch(/in a select/);
    a.close();
    b.close();
  });
});
