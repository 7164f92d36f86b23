/**
 * How a refusal names a bad argument: {@link describe} for anything, {@link notAChannel} for
 * what should have been a channel. A module of its own, apart from the helpers' checks
 * (`check.ts`): `select` and `toPort` use it too, and `check.ts`'s `create`, shared by them,
 * would leave the file of `from` and `fromEvent` — whose frames debug mode's stacks must still
 * cut as one run where a dev server splits chanasync into chunks (audit B).
 */
import { UNCLONEABLE } from '../channel.js';

/** A short description of a bad argument for an error message: `null`, `string`, `AbortController`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  // Its class's name, if that is a string: a message never runs more of a bad argument's code
  // (a `constructor` getter or a Proxy that throws, a `name` that is not a string).
  try {
    const name: unknown = (value.constructor as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name) return name;
  } catch {}
  return 'object';
}

/**
 * What a refusal says of `value`, which is not a channel of this copy of chanasync: a channel of
 * another copy (two bundles in one page, two versions installed) is told apart by its
 * `uncloneable` mark, since its class is not this copy's.
 */
export function notAChannel(value: unknown): string {
  try {
    const mark = (value as { uncloneable?: unknown } | null)?.uncloneable;
    if (typeof mark === 'symbol' && mark.description === UNCLONEABLE.description) {
      return 'is a Channel of another copy of chanasync (two copies are loaded: bundle one)';
    }
  } catch {}
  return `is not a chanasync Channel, got ${describe(value)}`;
}
