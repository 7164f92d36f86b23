/**
 * AX-N3. What a newcomer sees when they log a channel or one of its errors — `console.log(channel)`,
 * `console.error(error)` in a `catch`, an uncaught rejection — in Node (and Deno, which print
 * objects the same way): the channel's mangled internal fields (`m`, `o`, `b`, … from esbuild's
 * `mangleProps`) instead of its public state (`name`, `capacity`, `size`, `closed`), and, through
 * every `ChannelError`'s `channel` property, the values buffered in the channel. The SPEC keeps
 * buffered values out of debug snapshots because "they may be private or not cloneable"; a logged
 * `ChannelFullError` puts them in the application's logs.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Channel, ChannelFullError } from '../../dist/index.js';

describe('logging a channel or its error in Node', () => {
  it('console.log(channel) shows the channel’s public state (name, capacity, size), not mangled fields', () => {
    const jobs = new Channel<string>(2, { name: 'jobs' });
    jobs.pushNowait('a');
    const shown = inspect(jobs);
    expect(shown).toMatch(/name: 'jobs'/);
    expect(shown).toMatch(/capacity: 2/);
    expect(shown).toMatch(/size: 1/);
  });

  it('a logged ChannelFullError does not print the values buffered in its channel', () => {
    const tokens = new Channel<string>(2, { name: 'tokens' });
    tokens.pushNowait('secret-token-1');
    tokens.pushNowait('secret-token-2');
    let error: unknown;
    try {
      tokens.pushNowait('secret-token-3');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ChannelFullError);
    const logged = inspect(error); // what console.error(error) prints
    expect(logged).toContain('pushNowait: channel "tokens" is full');
    expect(logged).not.toContain('secret-token-1');
    expect(logged).not.toContain('secret-token-2');
  });
});
