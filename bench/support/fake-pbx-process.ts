/**
 * The test suite's fake Asterisk (ARI REST and events over a WebSocket, test/support/fake-ari*.ts) in
 * a process of its own, with real time and realistic delays, for bench/ari-overhead.ts: every REST
 * answer comes `--rest-ms` after the request, and a dialled PJSIP phone answers `--answer-ms` after
 * the originate (ChannelStateChange Up, Dial ANSWER, StasisStart). Prints its ARI URL on stdout.
 *
 *   node --import tsx bench/support/fake-pbx-process.ts [--rest-ms 1] [--answer-ms 3]
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../../src/core/clock.ts';
import { FakeAriServer, type FakeBackend } from '../../test/support/fake-ari.ts';
import { FakePbx } from '../../test/support/fake-ari-pbx.ts';

const { values } = parseArgs({
  options: {
    'rest-ms': { type: 'string', default: '1' },
    'answer-ms': { type: 'string', default: '3' },
  },
});
const restMs = Number(values['rest-ms']);
const answerMs = Number(values['answer-ms']);

const server = new FakeAriServer();
const pbx = new FakePbx(server, new SystemClock());
pbx.behave('PJSIP/', { kind: 'answer', afterMs: answerMs });
const delayed: FakeBackend = {
  handle: (request) =>
    restMs > 0
      ? new Promise((resolve) => setTimeout(() => resolve(pbx.handle(request)), restMs))
      : pbx.handle(request),
};
server.backend = delayed;
const url = await server.listen();
// The request log is for tests' assertions; a long run would only grow it.
setInterval(() => {
  server.requests.length = 0;
}, 1_000).unref();
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
