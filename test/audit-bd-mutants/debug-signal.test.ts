/**
 * Audit BD (mutation testing of `enableDebug`'s refusal of an `AbortSignal` as its options,
 * `src/debug/index.ts`): read as options, a signal would turn debug mode on with every default
 * and never stop on the abort. A mutant without the check survived the suite.
 */
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => {
  disableDebug();
});

describe('enableDebug given an AbortSignal in place of its options', () => {
  it('is a TypeError that says debug mode takes no signal', () => {
    const { signal } = new AbortController();
    expect(() => enableDebug(signal as never)).toThrow(TypeError);
    expect(() => enableDebug(signal as never)).toThrow(/options is an AbortSignal: debug mode takes no signal/);
  });
});
