/**
 * AX-N1. README, "Web-platform interop": "The channel's type follows the target's event map:
 * `fromEvent(input, 'keydown')` is a `Channel<KeyboardEvent>` …; other events are `Event`".
 * A newcomer who moves from `addEventListener` to `fromEvent` expects the same event type that
 * `addEventListener` gives for the same target and type. For events that are in the target's
 * event map but have no `on<type>` handler property in lib.dom (`error` on a window — its
 * `onerror` is `OnErrorEventHandler` —, `focusin`/`focusout`, `compositionend`), `fromEvent`
 * gives `Channel<Event>` and ordinary code does not compile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, consumerProject } from './consumer.js';

let dir = '';
let cleanup = () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await consumerProject());
}, 180_000);
afterAll(() => cleanup());

/** The same handler body, through `addEventListener` (compiles) and through `fromEvent`. */
const cases = {
  'window error': [`window`, `'error'`, `event.message, event.filename, event.lineno`],
  'focusin on a form': [`document.createElement('form')`, `'focusin'`, `event.relatedTarget`],
  'focusout on an input': [`document.createElement('input')`, `'focusout'`, `event.relatedTarget`],
  'compositionend on an input': [`document.createElement('input')`, `'compositionend'`, `event.data`],
} as const;

describe('fromEvent types its channel by the target’s event map, as addEventListener does', () => {
  it('the same handler bodies compile through addEventListener (control)', async () => {
    const body = Object.values(cases)
      .map(
        ([target, type, read], i) =>
          `const t${i} = ${target};\nt${i}.addEventListener(${type}, (event) => console.log(${read}));`,
      )
      .join('\n');
    const result = await compile(dir, 'listener', { 'main.ts': `${body}\nexport {};\n` });
    expect(result.output).toBe('');
  }, 60_000);

  for (const [label, [target, type, read]] of Object.entries(cases)) {
    it(`fromEvent(${label}) is a channel of the map’s event type: its fields compile`, async () => {
      const code = `import { fromEvent } from 'chanasync';
export async function loop(): Promise<void> {
  for await (const event of fromEvent(${target}, ${type})) console.log(${read});
}
`;
      const result = await compile(dir, `from-event-${label.replace(/\W+/g, '-')}`, { 'main.ts': code });
      expect(result.output).toBe('');
    }, 60_000);
  }
});
