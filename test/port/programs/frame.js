// The question-and-answer program, the page's part: a frame on another origin gets questions on
// one stream and answers on another; the page closes its questions with a reason, which reaches
// the frame, whose answers end with a reason of its own. `frameOrigin` is the origin the page
// expects the frame to have; a frame of another origin (the test's second case) is heard by
// neither stream.
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { listeners, liveIntervals, nextReport, sleep } from '/programs/track.js';

export async function askFrame({ frameSrc, frameOrigin, questions: count, waitMs, handshake }) {
  const iframe = document.createElement('iframe');
  iframe.src = frameSrc;
  document.body.append(iframe);
  // With `handshake`, one origin-checked window stream hands the frame a MessagePort, and the
  // questions and answers run over the other end of its MessageChannel.
  let port = iframe.contentWindow;
  let handshakeResult;
  if (handshake) {
    const channel = new MessageChannel();
    const handing = new Channel(1);
    const sent = toPort(handing, iframe.contentWindow, {
      name: 'handshake',
      origin: frameOrigin,
      transfer: (v) => [v.port],
    });
    await handing.push({ port: channel.port2 });
    handing.close();
    handshakeResult = await sent;
    port = channel.port1;
  }
  const origin = handshake ? {} : { origin: frameOrigin };
  const questions = new Channel(8);
  const asking = toPort(questions, port, { name: 'questions', ...origin });
  const answers = fromPort(port, { name: 'answers', capacity: 8, ...origin });
  const got = [];
  let ended = null;
  const reading = (async () => {
    try {
      for await (const answer of answers) got.push(answer);
    } catch (error) {
      ended = { name: error?.name, message: error?.message };
    }
  })();
  if (waitMs !== undefined) {
    // The frame is not the one expected: nothing may get through. Give it time, then give up.
    const pushing = questions.push(1).then(
      () => 'pushed',
      (error) => error?.name,
    );
    await sleep(waitMs);
    answers.close();
    questions.close();
    iframe.remove();
    const result = await asking;
    await reading;
    return {
      got,
      ended,
      pushing: await pushing,
      leftInQueue: questions.size,
      sent: result.sent,
      undelivered: result.undelivered.length,
      windowListeners: listeners(window),
      intervals: liveIntervals(),
    };
  }
  const report = nextReport(window);
  for (let q = 1; q <= count; q++) await questions.push(q);
  questions.close(new Error('no more questions'));
  const result = await asking;
  await reading;
  const frame = await report;
  iframe.remove();
  return {
    ...(handshake
      ? {
          handshake: { sent: handshakeResult.sent, undelivered: handshakeResult.undelivered.length },
          portListeners: listeners(port),
        }
      : {}),
    got,
    ended,
    sent: result.sent,
    undelivered: result.undelivered.length,
    frame,
    windowListeners: listeners(window),
    intervals: liveIntervals(),
  };
}
