/** Auditor BB — a namespace whose every RPC method flags the test reset as production flags it (audit AZ's `flaggedAll`). */
import { observed, RESET_MESSAGE } from '../helpers.js';

export function flaggedAll(hook: (method: string, real: () => Promise<unknown>) => Promise<unknown>) {
  const flag = (method: string) => async (real: () => Promise<unknown>) => {
    try {
      return await hook(method, real);
    } catch (error) {
      if (String(error).includes(RESET_MESSAGE)) Object.assign(error as Error, { durableObjectReset: true });
      throw error;
    }
  };
  const methods = ['push', 'pull', 'ack', 'cancel', 'stats', 'close', 'inOrder', 'restore'] as const;
  return observed(Object.fromEntries(methods.map((m) => [m, flag(m)])));
}
