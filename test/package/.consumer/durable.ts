/**
 * A consumer program for the `chanasync/durable` entry: a Worker module that exports the
 * Durable Object class and queues jobs on a durable channel, with every export. It is compiled
 * (the package's types must need no `@cloudflare/workers-types`) but not run: the entry imports
 * `cloudflare:workers`, which only workerd has.
 */
import {
  ChannelObject,
  type ChannelObjectClass,
  type ChannelObjectInstance,
  type DurableChannel,
  type DurableChannelOptions,
  type DurableChannelStats,
  type DurableDelivery,
  type DurableObjectNamespaceLike,
  type DurablePullOptions,
  type DurablePushOptions,
  durableChannel,
} from 'chanasync/durable';

export { ChannelObject };

interface Env {
  CHANNELS: DurableObjectNamespaceLike;
}

const objectClass: ChannelObjectClass = ChannelObject;

/** Runs a channel object's alarm by hand (as a test harness might). */
export function alarm(object: ChannelObject): Promise<void> {
  const instance: ChannelObjectInstance = object;
  return instance.alarm();
}

async function fetch(request: Request, env: Env): Promise<Response> {
  const options: DurableChannelOptions = { capacity: 16 };
  const jobs: DurableChannel<string> = durableChannel<string>(env.CHANNELS, 'jobs', options);
  if (request.method === 'POST') {
    const pushOptions: DurablePushOptions = {
      signal: request.signal,
      id: request.headers.get('idempotency-key') ?? undefined,
    };
    await jobs.push(await request.text(), pushOptions);
    return new Response('queued', { status: 202 });
  }
  if (request.method === 'PATCH') {
    const ready: string[] = await jobs.tryPullMany(100);
    return Response.json({ ready });
  }
  const pullOptions: DurablePullOptions = { signal: request.signal };
  const next: DurableDelivery<string> = await jobs.pullWithId(pullOptions);
  const stats: DurableChannelStats = await jobs.stats();
  return Response.json({ id: next.id, value: next.value, attempt: next.attempt, size: stats.size });
}

export default { fetch, objectClass };
