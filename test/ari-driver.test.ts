import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { SystemClock, VirtualClock } from '../src/core/clock.ts';
import { DriverError } from '../src/telephony/driver.ts';
import {
  APP,
  expectReplayFinished,
  type PbxRun,
  type ReplayRun,
  replayPerTest,
  startPbx,
} from './support/ari-harness.ts';
import { driverConformance } from './support/driver-conformance.ts';
import { FakeAriServer } from './support/fake-ari.ts';
import { FakePbx } from './support/fake-ari-pbx.ts';
import { loadEvents, loadRest, type RecordedEvent } from './support/fake-ari-replay.ts';
import { bytesOf, readWav } from './support/wav.ts';

const CTI = '"CTI" <5000>';

driverConformance('ari (fake Asterisk)', async () => {
  const run = await startPbx();
  // Virtual time moves only once what the last timer caused has reached the driver.
  run.clock.onSettle(run.settle);
  return {
    driver: run.driver,
    quietTarget: { kind: 'endpoint', value: 'PJSIP/quiet-1' },
    advance: async (ms) => {
      await run.clock.advance(ms);
      await run.settle();
    },
    partyAnswer: async (channelId) => {
      run.pbx.partyAnswer(channelId);
      await run.settle();
    },
    partyHangup: async (channelId) => {
      run.pbx.partyHangup(channelId);
      await run.settle();
    },
    placeInbound: async (from, to) => {
      run.pbx.inboundCall({ from, to, app: APP });
      await run.settle();
    },
    dispose: () => run.server.close(),
  };
});

async function rejects(kind: DriverError['kind'], promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a DriverError ${kind}`).toBeInstanceOf(DriverError);
  expect((error as DriverError).kind, (error as Error).message).toBe(kind);
  return error as DriverError;
}

describe('ARI driver against the recorded transcripts', () => {
  const replay = replayPerTest();

  /** Every recorded event was delivered, every expected request made, in the recorded order. */
  const finished = expectReplayFinished;

  it.each([
    ['inbound', '100', '5', 160],
    ['inbound-rfc4733-dtmf', '101', '1', 280],
  ])(
    '%s: announces the caller, rings, answers, reports DTMF and the caller hanging up',
    async (scenario, to, digit, ms) => {
      const r = await replay({
        scenario,
        driverMakes: [
          `POST /channels/${scenario === 'inbound' ? '1795319622.5' : '1795319627.6'}/ring`,
          'POST /channels/1795319',
        ],
      });
      const inbound = await r.log.next('channel.inbound');
      await r.driver.ring(inbound.channelId);
      await r.driver.answer(inbound.channelId);
      await r.log.next('channel.hangup', inbound.channelId);
      await finished(r);
      expect(r.log.lines(() => 'in')).toEqual([
        'connected',
        `inbound in sipp→${to}`,
        'answered in',
        `dtmf in ${digit} ${ms}`,
        'hangup in normal',
      ]);
    },
  );

  it.each(['originate', 'originate-baresip-1003'])(
    "%s: dials with the engine's channel id, reports ringing and the answer, hangs up",
    async (scenario) => {
      const phone = scenario === 'originate' ? 'PJSIP/1001' : 'PJSIP/1003';
      const r = await replay({ scenario, driverMakes: ['POST /channels?', 'DELETE /channels/'] });
      await r.driver.originate({
        channelId: 'out-1',
        endpoint: { kind: 'endpoint', value: phone },
        callerId: CTI,
        timeoutMs: 30_000,
      });
      await r.log.next('channel.answered', 'out-1');
      await r.driver.hangup('out-1', 'normal');
      await r.log.next('channel.hangup', 'out-1');
      await finished(r);
      expect(r.server.requestsMatching('POST', /^\/channels$/)[0]?.query).toMatchObject({
        endpoint: phone,
        app: 'switchboard',
        channelId: 'out-1',
        callerId: CTI,
        timeout: '30',
      });
      expect(r.log.lines()).toEqual(['connected', 'ringing out-1', 'answered out-1', 'hangup out-1 normal']);
    },
  );

  it.each(['originate-busy', 'originate-busy-nosuball'])(
    '%s: a busy phone fails with busy and never rings',
    async (scenario) => {
      const r = await replay({ scenario, driverMakes: ['POST /channels?'] });
      await r.driver.originate({
        channelId: 'out-1',
        endpoint: { kind: 'endpoint', value: 'PJSIP/1005' },
        callerId: CTI,
        timeoutMs: 30_000,
      });
      await r.log.next('channel.hangup', 'out-1');
      await finished(r);
      expect(r.log.lines()).toEqual(['connected', 'hangup out-1 busy']);
    },
  );

  it("originate-noanswer: Asterisk's own timeout (cause 19, no Dial NOANSWER) is no_answer", async () => {
    const r = await replay({ scenario: 'originate-noanswer', driverMakes: ['POST /channels?'] });
    await r.driver.originate({
      channelId: 'out-1',
      endpoint: { kind: 'endpoint', value: 'PJSIP/1006' },
      callerId: CTI,
      timeoutMs: 5_000,
    });
    await r.log.next('channel.hangup', 'out-1');
    await finished(r);
    expect(r.log.lines()).toEqual(['connected', 'ringing out-1', 'hangup out-1 no_answer']);
  });

  it.each(['create-dial-busy', 'create-dial-noanswer'])(
    '%s: a channel another client created in the application (state Down) is not taken for a call',
    async (scenario) => {
      const r = await replay({ scenario, driverMakes: [] });
      await finished(r);
      expect(r.log.lines()).toEqual(['connected']);
    },
  );

  it('media-baresip-1003: plays a prompt, reports its end, sends DTMF (no event), hangs up', async () => {
    const r = await replay({
      scenario: 'media-baresip-1003',
      driverMakes: [
        'POST /channels?',
        'POST /channels/1795319452.0/play',
        'POST /channels/1795319452.0/dtmf',
        'DELETE /channels/',
      ],
    });
    await r.driver.originate({ channelId: 'out-1', endpoint: { kind: 'endpoint', value: 'PJSIP/1003' } });
    await r.log.next('channel.answered', 'out-1');
    await r.driver.play('out-1', 'pb-rig-1', 'sound:hello-world');
    await r.log.next('playback.finished');
    await r.driver.sendDtmf('out-1', '12#');
    await r.driver.hangup('out-1', 'normal');
    await r.log.next('channel.hangup', 'out-1');
    await finished(r);
    expect(r.log.lines()).toEqual([
      'connected',
      'ringing out-1',
      'answered out-1',
      'playback.finished pb-rig-1 out-1',
      'hangup out-1 normal',
    ]);
  });

  it('softphone-1003-to-stasis: an internal call is announced with the dialled extension; CANCEL is canceled', async () => {
    const r = await replay({ scenario: 'softphone-1003-to-stasis', driverMakes: [] });
    const inbound = await r.log.next('channel.inbound');
    await r.log.next('channel.hangup', inbound.channelId);
    await finished(r);
    expect(r.log.lines(() => 'in')).toEqual(['connected', 'inbound in 1003→100', 'hangup in canceled']);
  });

  it('bridge: answers a caller, bridges an agent it dialled, hangs both up, destroys the bridge', async () => {
    const r = await replay({
      scenario: 'bridge',
      driverMakes: [
        'POST /channels/1795319638.8/answer',
        'POST /bridges?',
        'POST /bridges/8448e057-9de3-426e-bfa7-285241479f4a/addChannel?channel=1795319638.8',
        'POST /channels?',
        'POST /bridges/8448e057-9de3-426e-bfa7-285241479f4a/addChannel?channel=1795319638.9',
        'DELETE /channels/1795319638.9',
        'DELETE /channels/1795319638.8',
        'DELETE /bridges/',
      ],
    });
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.answer(caller);
    await r.driver.createBridge('call-1');
    await r.driver.addToBridge('call-1', caller);
    await r.driver.originate({
      channelId: 'agent-1',
      endpoint: { kind: 'endpoint', value: '1001' },
      callerId: 'sipp',
    });
    await r.log.next('channel.answered', 'agent-1');
    await r.driver.addToBridge('call-1', 'agent-1');
    await r.driver.hangup('agent-1', 'normal');
    await r.driver.hangup(caller, 'normal');
    await r.driver.destroyBridge('call-1');
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→200',
      'answered in',
      'ringing agent-1',
      'answered agent-1',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });

  it.each(['caller-hangup-while-ringing', 'caller-hangup-while-ringing-nosuball'])(
    "%s: the caller's CANCEL (cause 127/487) is canceled; the ringing agent leg is the driver's to end",
    async (scenario) => {
      const ids = scenario.endsWith('nosuball')
        ? ['1795320971.171', '1795320971.172']
        : ['1795320890.146', '1795320890.147'];
      const r = await replay({
        scenario,
        driverMakes: [`POST /channels/${ids[0]}/ring`, 'POST /channels?', `DELETE /channels/${ids[1]}`],
      });
      const caller = (await r.log.next('channel.inbound')).channelId;
      await r.driver.ring(caller);
      await r.driver.originate({
        channelId: 'agent-1',
        endpoint: { kind: 'endpoint', value: 'PJSIP/1006' },
        callerId: CTI,
        timeoutMs: 30_000,
      });
      await r.log.next('channel.hangup', caller);
      await r.driver.hangup('agent-1', 'canceled');
      await r.log.next('channel.hangup', 'agent-1');
      await finished(r);
      expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
        'connected',
        'inbound in sipp→370',
        'ringing agent-1',
        'hangup in canceled',
        'hangup agent-1 canceled',
      ]);
    },
  );

  it("caller-hangup-while-ringing-answered: an answered caller's BYE is normal", async () => {
    const r = await replay({
      scenario: 'caller-hangup-while-ringing-answered',
      driverMakes: [
        'POST /channels/1795320897.148/answer',
        'POST /channels?',
        'DELETE /channels/1795320897.149',
      ],
    });
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.answer(caller);
    await r.driver.originate({
      channelId: 'agent-1',
      endpoint: { kind: 'endpoint', value: 'PJSIP/1006' },
      callerId: CTI,
      timeoutMs: 30_000,
    });
    await r.log.next('channel.hangup', caller);
    await r.driver.hangup('agent-1', 'canceled');
    await r.log.next('channel.hangup', 'agent-1');
    await finished(r);
    expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→371',
      'answered in',
      'ringing agent-1',
      'hangup in normal',
      'hangup agent-1 canceled',
    ]);
  });

  /** As the bridge transcripts begin: the first caller answered, agent 1001 dialled, both in one bridge. */
  async function bridgedWithAgent(r: ReplayRun, bridgeId = 'call-1'): Promise<string> {
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.answer(caller);
    await r.driver.createBridge(bridgeId);
    await r.driver.addToBridge(bridgeId, caller);
    await r.driver.originate({
      channelId: 'agent-1',
      endpoint: { kind: 'endpoint', value: 'PJSIP/1001' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'agent-1');
    await r.driver.addToBridge(bridgeId, 'agent-1');
    return caller;
  }

  /** As they end: the agent, the caller, then the bridge, and the whole transcript played. */
  async function hangUpBridged(r: ReplayRun, caller: string): Promise<void> {
    await r.driver.hangup('agent-1', 'normal');
    await r.driver.hangup(caller, 'normal');
    await r.driver.destroyBridge('call-1');
    await r.log.next('channel.hangup', caller);
    await finished(r);
  }

  it.each([
    ['bridge-record', '1795320858.132', '1795320858.133', '16df372b-5b2c-409d-a482-a5e1b99b5b91'],
    ['bridge-record-nosuball', '1795320940.155', '1795320940.156', 'cb80410f-b984-4b53-bad3-7eff186b434e'],
  ])(
    '%s: records a bridge, reports recording.finished once (Asterisk sends it twice with subscribeAll); 409 for a name in use',
    async (scenario, callerId, agentId, bridgeId) => {
      const r = await replay({
        scenario,
        driverMakes: [
          `POST /channels/${callerId}/answer`,
          'POST /bridges?',
          `POST /bridges/${bridgeId}/addChannel?channel=${callerId}`,
          'POST /channels?',
          `POST /bridges/${bridgeId}/addChannel?channel=${agentId}`,
          `POST /bridges/${bridgeId}/record`,
          'POST /recordings/live/rec1/stop',
          `POST /bridges/${bridgeId}/record`,
          `DELETE /channels/${agentId}`,
          `DELETE /channels/${callerId}`,
          `DELETE /bridges/${bridgeId}`,
        ],
      });
      const caller = await bridgedWithAgent(r);
      await r.driver.startRecording({ kind: 'bridge', id: 'call-1' }, 'rec1');
      await rejects('invalid', r.driver.startRecording({ kind: 'bridge', id: 'call-1' }, 'rec1'));
      await r.driver.stopRecording('rec1');
      await r.log.next('recording.finished');
      // Asterisk keeps the stored file: the same name again is refused (409, ifExists defaults to fail).
      await rejects('invalid', r.driver.startRecording({ kind: 'bridge', id: 'call-1' }, 'rec1'));
      await hangUpBridged(r, caller);
      expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
        'connected',
        'inbound in sipp→340',
        'answered in',
        'ringing agent-1',
        'answered agent-1',
        'recording.finished rec1 bridge:call-1 2000',
        'hangup agent-1 normal',
        'hangup in normal',
      ]);
    },
  );

  it('recording-pause-resume: pauses and resumes a bridge recording (DELETE …/pause), reads its stored file, deletes it', async () => {
    const bridgeId = '74824d86-bea2-4933-bc8e-fcd3ba41b793';
    const stored = '/recordings/stored/cti-rec-pause-1';
    const r = await replay({
      scenario: 'recording-pause-resume',
      driverMakes: [
        'POST /channels/1796613629.16/answer',
        'POST /bridges?',
        `POST /bridges/${bridgeId}/addChannel?channel=1796613629.16`,
        'POST /channels?',
        `POST /bridges/${bridgeId}/addChannel?channel=1796613629.17`,
        `POST /bridges/${bridgeId}/record`,
        'POST /recordings/live/cti-rec-pause-1/pause',
        'DELETE /recordings/live/cti-rec-pause-1/pause',
        'POST /recordings/live/cti-rec-pause-1/stop',
        `GET ${stored}/file`,
        `DELETE ${stored}`,
        `GET ${stored}/file`,
        `DELETE ${stored}`,
        'DELETE /channels/1796613629.17',
        'DELETE /channels/1796613629.16',
        `DELETE /bridges/${bridgeId}`,
      ],
    });
    const caller = await bridgedWithAgent(r);
    await r.driver.startRecording({ kind: 'bridge', id: 'call-1' }, 'call-1-recording-1');
    await r.driver.recordings.pause('call-1-recording-1');
    await r.driver.recordings.resume('call-1-recording-1');
    await r.driver.stopRecording('call-1-recording-1');
    await r.log.next('recording.finished');
    const file = await r.driver.recordings.file('call-1-recording-1');
    expect(file).toMatchObject({ contentType: 'audio/wav', size: 80_364 });
    // 5.02 s recorded of 7 s: Asterisk leaves the 2 s paused out of the file.
    expect(readWav(await bytesOf(file.body))).toMatchObject({ sampleRate: 8_000, durationMs: 5_020 });
    await r.driver.recordings.remove('call-1-recording-1');
    await rejects('not_found', r.driver.recordings.file('call-1-recording-1'));
    await rejects('not_found', r.driver.recordings.remove('call-1-recording-1'));
    await hangUpBridged(r, caller);
    expect(r.log.lines((id) => (id === caller ? 'in' : id)).slice(-3)).toEqual([
      'recording.finished call-1-recording-1 bridge:call-1 5000',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });

  it.each([
    [
      'channels-list-resync',
      ['1795320867.140', '1795320867.141', '1795320868.142'],
      'c1dbd654-294f-4baf-9412-5c56a90c223f',
    ],
    [
      'channels-list-resync-nosuball',
      ['1795320963.168', '1795320963.169', '1795320964.170'],
      'fc264647-2d96-4963-9a1e-0f9529798451',
    ],
  ])(
    '%s: resynchronising with two live calls (GET /channels, GET /bridges) changes nothing',
    async (scenario, [a, agent, b], bridgeId) => {
      const r = await replay({
        scenario,
        driverMakes: [
          `POST /channels/${a}/answer`,
          'POST /bridges?',
          `POST /bridges/${bridgeId}/addChannel?channel=${a}`,
          'POST /channels?',
          `POST /bridges/${bridgeId}/addChannel?channel=${agent}`,
          `POST /channels/${b}/answer`,
          'GET /channels',
          'GET /bridges',
          `DELETE /channels/${agent}`,
          `DELETE /channels/${a}`,
          `DELETE /bridges/${bridgeId}`,
          `DELETE /channels/${b}`,
        ],
      });
      const callA = await bridgedWithAgent(r, 'call-a');
      const callB = (await r.log.waitFor((e) => e.type === 'channel.inbound' && e.channelId !== callA)) as {
        channelId: string;
      };
      await r.driver.answer(callB.channelId);
      await r.driver.resynchronise();
      expect(r.driver.status()).toMatchObject({ liveChannels: 3, resyncs: 1 });
      await r.driver.hangup('agent-1', 'normal');
      await r.driver.hangup(callA, 'normal');
      await r.driver.destroyBridge('call-a');
      await r.driver.hangup(callB.channelId, 'normal');
      await r.log.next('channel.hangup', callB.channelId);
      await finished(r);
      const label = (id: string) => (id === callA ? 'A' : id === callB.channelId ? 'B' : id);
      expect(r.log.lines(label)).toEqual([
        'connected',
        'inbound A sipp→350',
        'answered A',
        'ringing agent-1',
        'answered agent-1',
        'inbound B sipp→351',
        'answered B',
        'hangup agent-1 normal',
        'hangup A normal',
        'hangup B normal',
      ]);
    },
  );

  it.each([
    ['dtmf-send', 'PJSIP/1007', '1795320905.150'],
    ['dtmf-send-rfc4733', 'PJSIP/1001', '1795320914.151'],
  ])('%s: sends DTMF (no ARI event follows)', async (scenario, phone, id) => {
    const r = await replay({
      scenario,
      driverMakes: [
        'POST /channels?',
        `POST /channels/${id}/dtmf`,
        `POST /channels/${id}/dtmf`,
        'DELETE /channels/',
      ],
    });
    await r.driver.originate({
      channelId: 'out-1',
      endpoint: { kind: 'endpoint', value: phone },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'out-1');
    await r.driver.sendDtmf('out-1', '123#');
    await r.driver.sendDtmf('out-1', '9');
    await r.driver.hangup('out-1', 'normal');
    await r.log.next('channel.hangup', 'out-1');
    await finished(r);
    expect(r.server.requestsMatching('POST', /\/dtmf$/).map((q) => q.query.dtmf)).toEqual(['123#', '9']);
    expect(r.log.lines()).toEqual(['connected', 'ringing out-1', 'answered out-1', 'hangup out-1 normal']);
  });

  it('hold-moh: hold is music on hold plus a hold indication, unhold the reverse; no event either way', async () => {
    const caller = '1795320819.121';
    const agent = '1795320826.122';
    const bridge = '456e5b34-4c49-48a2-ba7d-f302018f157a';
    const r = await replay({
      scenario: 'hold-moh',
      driverMakes: [
        `POST /channels/${caller}/answer`,
        `POST /channels/${caller}/moh`,
        `POST /channels/${caller}/moh`,
        `POST /channels/${caller}/hold`,
        `DELETE /channels/${caller}/hold`,
        `DELETE /channels/${caller}/moh`,
        'POST /bridges?',
        `POST /bridges/${bridge}/addChannel?channel=${caller}`,
        'POST /channels?',
        `POST /bridges/${bridge}/addChannel?channel=${agent}`,
        `DELETE /channels/${agent}`,
        `DELETE /channels/${caller}`,
        `DELETE /bridges/${bridge}`,
      ].filter((_, i) => i !== 1),
    });
    await r.log.next('channel.inbound');
    await r.driver.answer(caller);
    await r.driver.hold(caller);
    await r.driver.unhold(caller);
    await r.driver.createBridge('call-1');
    await r.driver.addToBridge('call-1', caller);
    await r.driver.originate({
      channelId: 'agent-1',
      endpoint: { kind: 'endpoint', value: '1001' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'agent-1');
    await r.driver.addToBridge('call-1', 'agent-1');
    await r.driver.hangup('agent-1', 'normal');
    await r.driver.hangup(caller, 'normal');
    await r.driver.destroyBridge('call-1');
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→320',
      'answered in',
      'ringing agent-1',
      'answered agent-1',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });

  it("phone-hold-reinvite: the agent's phone holding (re-INVITE sendonly) is channel.held, then unheld", async () => {
    const caller = '1795320837.125';
    const agent = '1795320837.126';
    const bridge = 'a4398d50-1d40-40c2-85e2-99aba2fbbcab';
    const r = await replay({
      scenario: 'phone-hold-reinvite',
      driverMakes: [
        `POST /channels/${caller}/answer`,
        'POST /bridges?',
        `POST /bridges/${bridge}/addChannel?channel=${caller}`,
        'POST /channels?',
        `POST /bridges/${bridge}/addChannel?channel=${agent}`,
        `DELETE /channels/${agent}`,
        `DELETE /channels/${caller}`,
        `DELETE /bridges/${bridge}`,
      ],
    });
    await r.log.next('channel.inbound');
    await r.driver.answer(caller);
    await r.driver.createBridge('call-1');
    await r.driver.addToBridge('call-1', caller);
    await r.driver.originate({
      channelId: 'agent-1',
      endpoint: { kind: 'endpoint', value: '1001' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'agent-1');
    await r.driver.addToBridge('call-1', 'agent-1');
    await r.log.next('channel.unheld', 'agent-1');
    await r.driver.hangup('agent-1', 'normal');
    await r.driver.hangup(caller, 'normal');
    await r.driver.destroyBridge('call-1');
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines((id) => (id === caller ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→380',
      'answered in',
      'ringing agent-1',
      'answered agent-1',
      'held agent-1',
      'unheld agent-1',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });

  it('redirect-blind-transfer: an answered caller is REFERred and leaves with normal', async () => {
    const r = await replay({
      scenario: 'redirect-blind-transfer',
      driverMakes: ['POST /channels/1795320809.119/answer', 'POST /channels/1795320809.119/redirect'],
    });
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.answer(caller);
    await r.driver.redirect(caller, { kind: 'endpoint', value: '1002' });
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines(() => 'in')).toEqual([
      'connected',
      'inbound in sipp→310',
      'answered in',
      'hangup in normal',
    ]);
  });

  it('redirect-ringing-302: a ringing caller is sent a 302 (cause 23) and leaves with normal', async () => {
    const r = await replay({
      scenario: 'redirect-ringing-302',
      driverMakes: ['POST /channels/1795320815.120/ring', 'POST /channels/1795320815.120/redirect'],
    });
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.ring(caller);
    await r.driver.redirect(caller, { kind: 'endpoint', value: 'PJSIP/1002' });
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines(() => 'in')).toEqual(['connected', 'inbound in sipp→311', 'hangup in normal']);
  });

  it('redirect-blind-transfer-baresip: a phone that never lets the redirected leg go is hung up after the grace', async () => {
    const r = await replay({
      scenario: 'redirect-blind-transfer-baresip',
      driverMakes: [
        'POST /channels/1795321010.176/answer',
        'POST /channels/1795321010.176/redirect',
        'DELETE /channels/1795321010.176',
      ],
    });
    const caller = (await r.log.next('channel.inbound')).channelId;
    await r.driver.answer(caller);
    await r.driver.redirect(caller, { kind: 'endpoint', value: 'PJSIP/1002' });
    await r.clock.advance(9_999);
    await r.driver.idle();
    expect(r.server.requestsMatching('DELETE', /^\/channels\//)).toHaveLength(0);
    await r.clock.advance(1);
    await r.log.next('channel.hangup', caller);
    await finished(r);
    expect(r.log.lines(() => 'in')).toEqual([
      'connected',
      'inbound in 1003→390',
      'answered in',
      'hangup in normal',
    ]);
  });

  it.each([
    [
      'snoop',
      ['1795320848.127', '1795320848.128', '1795320850.129', '1795320850.130'],
      '8ccf737b-53cb-4130-8c92-f240d628476f',
      '08ea61da-7ce4-4945-afd7-bbe0a0d12a0a',
    ],
    [
      'snoop-nosuball',
      ['1795320950.163', '1795320950.164', '1795320952.165', '1795320952.166'],
      '2a3fe3e4-f650-49ff-bbbb-eb519bd0492f',
      '533edb8d-fe4c-44ce-b627-45c08a35e348',
    ],
  ])(
    '%s: a supervisor listens through a snoop on the agent, then whispers (the snoop is swapped); snoops stay internal',
    async (scenario, [caller, agent, monitor, supervisor], b1, b2) => {
      const r = await replay({
        scenario,
        strictOrder: false,
        driverMakes: [
          `POST /channels/${caller}/answer`,
          'POST /bridges?',
          `POST /bridges/${b1}/addChannel?channel=${caller}`,
          'POST /channels?',
          `POST /bridges/${b1}/addChannel?channel=${agent}`,
          `POST /channels/${agent}/snoop`,
          'POST /bridges?',
          `POST /bridges/${b2}/addChannel?channel=${monitor}`,
          'POST /channels?',
          `POST /bridges/${b2}/addChannel?channel=${supervisor}`,
          `POST /channels/${agent}/snoop`,
          `POST /bridges/${b2}/removeChannel?channel=${monitor}`,
          `POST /bridges/${b2}/addChannel?channel=cti-whisper-1`,
          `DELETE /channels/${monitor}`,
          `DELETE /channels/${agent}`,
          'DELETE /channels/cti-whisper-1',
          `DELETE /channels/${supervisor}`,
          `DELETE /channels/${caller}`,
          `DELETE /bridges/${b2}`,
          `DELETE /bridges/${b1}`,
        ],
      });
      const inbound = (await r.log.next('channel.inbound')).channelId;
      await r.driver.answer(inbound);
      await r.driver.createBridge('call-1');
      await r.driver.addToBridge('call-1', inbound);
      await r.driver.originate({
        channelId: 'agent-1',
        endpoint: { kind: 'endpoint', value: '1001' },
        callerId: CTI,
      });
      await r.log.next('channel.answered', 'agent-1');
      await r.driver.addToBridge('call-1', 'agent-1');
      await r.driver.originate({
        channelId: 'sup-1',
        endpoint: { kind: 'endpoint', value: '1002' },
        callerId: CTI,
      });
      await r.log.next('channel.answered', 'sup-1');
      await r.driver.addToBridge('call-1', 'sup-1', 'listen');
      await r.driver.addToBridge('call-1', 'sup-1', 'whisper');
      await r.driver.hangup('agent-1', 'normal');
      await r.log.next('channel.hangup', 'agent-1');
      await r.driver.hangup('sup-1', 'normal');
      await r.log.next('channel.hangup', 'sup-1');
      await r.driver.idle();
      await r.driver.hangup(inbound, 'normal');
      await r.driver.destroyBridge('call-1');
      await r.log.next('channel.hangup', inbound);
      const snoops = r.server
        .requestsMatching('POST', /\/snoop$/)
        .map((q) => [q.path, q.query.spy, q.query.whisper]);
      expect(snoops).toEqual([
        ['/channels/agent-1/snoop', 'both', 'none'],
        ['/channels/agent-1/snoop', 'both', 'out'],
      ]);
      // The supervisor is dialled before the listening starts (the recorder snooped first); then the
      // recorded order: snoop, side bridge, snoop in, supervisor in; the swap; the hang-ups.
      await finished(r, [0, 1, 2, 3, 4, 8, 5, 6, 7, 9, 12, 13, 14, 15, 18, 21, 20, 23, 22, 24]);
      expect(r.log.lines((id) => (id === inbound ? 'in' : id))).toEqual([
        'connected',
        'inbound in sipp→330',
        'answered in',
        'ringing agent-1',
        'answered agent-1',
        'ringing sup-1',
        'answered sup-1',
        'hangup agent-1 normal',
        'hangup sup-1 normal',
        'hangup in normal',
      ]);
    },
  );

  it.each(['ws-replaced-and-reconnect', 'ws-replaced-and-reconnect-nosuball'])(
    '%s: ApplicationReplaced: the driver waits while the rival holds the application; start() takes over, resynchronises, the call goes on',
    async (scenario) => {
      const r = await replay({
        scenario,
        connections: [
          { events: '', fromT: 0 },
          { events: 'ws3', fromT: 10_000 },
        ],
        // By index: the recorder also listed channels and played while no WebSocket was active.
        driverMakes: [2, 14, 17, 20],
        // While ws2 is open the application exists (`application-replaced-then-free`: GET → 200).
        unscripted: (request) =>
          request.method === 'GET' && request.path === '/bridges'
            ? { status: 200, body: [] }
            : request.method === 'GET' && request.path === '/applications/switchboard'
              ? { status: 200, body: { name: 'switchboard', channel_ids: [], bridge_ids: [] } }
              : undefined,
      });
      const caller = (await r.log.next('channel.inbound')).channelId;
      await r.driver.answer(caller);
      const lost = await r.log.next('driver.disconnected');
      expect(lost.reason).toMatch(/taken over by another connection \(ApplicationReplaced\)/);
      expect(r.driver.status().state).toBe('replaced');
      await r.clock.advance(120_000);
      expect(r.server.connections.get('switchboard'), 'no reconnection by itself').toBe(1);
      await rejects(
        'unavailable',
        r.driver.originate({ channelId: 'x', endpoint: { kind: 'endpoint', value: '1001' } }),
      );
      await r.driver.start();
      expect(r.driver.status()).toMatchObject({ state: 'connected', liveChannels: 1, resyncs: 1 });
      await r.driver.play(caller, 'pb-after-reconnect', 'sound:beep');
      await r.log.next('playback.finished');
      await r.driver.hangup(caller, 'normal');
      await r.log.next('channel.hangup', caller);
      await finished(r);
      const unscripted = r.replay.unscriptedRequests.map((q) => `${q.method} ${q.path}`);
      const poll = 'GET /applications/switchboard';
      expect(unscripted.filter((q) => q === poll).length, 'asked whether it is free').toBeGreaterThan(3);
      expect(unscripted.filter((q) => q !== poll)).toEqual([
        'GET /asterisk/info',
        'GET /asterisk/info',
        'GET /bridges',
      ]);
      expect(r.log.lines(() => 'in')).toEqual([
        'connected',
        'inbound in sipp→360',
        'answered in',
        'disconnected',
        'connected',
        'playback.finished pb-after-reconnect in',
        'hangup in normal',
      ]);
    },
  );

  it('endpoint-state: with subscribeAll, each registration and removal is one endpoint.state', async () => {
    // Asterisk sends PeerStatusChange, DeviceStateChanged and ContactStatusChange per change, in any order.
    const r = await replay({ scenario: 'endpoint-state', driverMakes: [] });
    await r.log.waitFor((e) => e.type === 'endpoint.state' && !e.registered && r.log.lines().length === 5);
    await finished(r);
    expect(r.log.lines()).toEqual([
      'connected',
      'endpoint PJSIP/1003 registered',
      'endpoint PJSIP/1003 unregistered',
      'endpoint PJSIP/1003 registered',
      'endpoint PJSIP/1003 unregistered',
    ]);
  });

  it('endpoint-state-nosuball: watching subscribes to the endpoint, reads its state, reports each change once', async () => {
    const r = await replay({
      scenario: 'endpoint-state-nosuball',
      driverMakes: ['POST /applications/cti-app/subscription', 'GET /endpoints/PJSIP/1003'],
    });
    expect(await r.driver.watchEndpoint({ kind: 'endpoint', value: '1003' })).toBe('PJSIP/1003');
    await r.log.waitFor((e) => e.type === 'endpoint.state' && !e.registered);
    await finished(r);
    expect(r.log.lines()).toEqual([
      'connected',
      'endpoint PJSIP/1003 registered',
      'endpoint PJSIP/1003 unregistered',
    ]);
  });

  it("originate-unknown-endpoint: Asterisk's error answers become the contract's errors", async () => {
    const ringing = '1795320804.115';
    const up = '1795320804.118';
    const r = await replay({
      scenario: 'originate-unknown-endpoint',
      driverMakes: [
        'POST /channels?endpoint=PJSIP%2F9999',
        'POST /channels?endpoint=FOO%2F1001',
        'DELETE /bridges/nonexistent-bridge-id',
        'POST /bridges?type=mixing&name=err-bridge&bridgeId=cti-err-bridge',
        'POST /recordings/live/nonexistent-rec/stop',
        'DELETE /playbacks/nonexistent-playback',
        'POST /channels?endpoint=PJSIP%2F1006',
        `POST /channels/${ringing}/answer`,
        `POST /bridges/cti-err-bridge/addChannel?channel=${ringing}`,
        `DELETE /channels/${ringing}`,
        'POST /channels?endpoint=PJSIP%2F1001&app=cti-app&appArgs=outbound%2Cup',
        `POST /channels/${up}/redirect?endpoint=SIP`,
        `POST /channels/${up}/play?media=bogus`,
        `POST /channels/${up}/play?media=sound:no-such`,
        `POST /bridges/cti-err-bridge/removeChannel?channel=${up}`,
        `DELETE /channels/${up}?reason=busy`,
        'DELETE /bridges/cti-err-bridge',
        'DELETE /bridges/cti-err-bridge',
      ],
    });
    const unknown = await rejects(
      'invalid',
      r.driver.originate({ channelId: 'x-1', endpoint: { kind: 'endpoint', value: 'PJSIP/9999' } }),
    );
    expect(unknown.message).toMatch(/Allocation failed.*does not exist or is not registered/);
    await rejects(
      'invalid',
      r.driver.originate({ channelId: 'x-2', endpoint: { kind: 'endpoint', value: 'FOO/1001' } }),
    );
    await rejects('not_found', r.driver.destroyBridge('nonexistent-bridge-id'));
    await r.driver.createBridge('cti-err-bridge');
    await rejects('invalid', r.driver.createBridge('cti-err-bridge'));
    await rejects('not_found', r.driver.stopRecording('nonexistent-rec'));
    await rejects('not_found', r.driver.stopPlayback('nonexistent-playback'));
    await r.driver.originate({
      channelId: 'ring-1',
      endpoint: { kind: 'endpoint', value: 'PJSIP/1006' },
      callerId: CTI,
      timeoutMs: 30_000,
    });
    await r.log.next('channel.ringing', 'ring-1');
    // Not in the application before it answers: 409 and 422 "Channel not in Stasis application".
    await rejects('invalid', r.driver.answer('ring-1'));
    await rejects('invalid', r.driver.addToBridge('cti-err-bridge', 'ring-1'));
    await rejects(
      'invalid',
      r.driver.originate({ channelId: 'ring-1', endpoint: { kind: 'endpoint', value: '1001' } }),
    );
    await r.driver.hangup('ring-1', 'canceled');
    await r.log.next('channel.hangup', 'ring-1');
    await r.driver.originate({
      channelId: 'up-1',
      endpoint: { kind: 'endpoint', value: 'PJSIP/1001' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'up-1');
    await rejects('invalid', r.driver.redirect('up-1', { kind: 'endpoint', value: 'SIP/1002' }));
    await rejects('not_supported', r.driver.play('up-1', 'pb-text', 'Hello there'));
    await r.driver.play('up-1', 'pb-bogus', 'bogus:thing');
    await r.driver.play('up-1', 'pb-missing', 'sound:no-such-sound-file');
    await r.log.waitFor((e) => e.type === 'playback.finished' && e.playbackId === 'pb-missing');
    await rejects('invalid', r.driver.removeFromBridge('cti-err-bridge', 'up-1'));
    await r.driver.hangup('up-1', 'busy');
    await r.log.next('channel.hangup', 'up-1');
    await rejects('not_found', r.driver.hangup('up-1', 'normal'));
    await r.driver.destroyBridge('cti-err-bridge');
    await rejects('not_found', r.driver.destroyBridge('cti-err-bridge'));
    await finished(r);
    expect(r.log.lines((id) => (id.startsWith('1795') ? 'other' : id))).toEqual([
      'connected',
      // The recorder's own originate into the application (appArgs "badtimeout") reaches it from
      // outside the driver, so the driver announces it like any channel that arrives.
      'inbound other 1001→s',
      'hangup other normal',
      'ringing ring-1',
      'hangup ring-1 canceled',
      'ringing up-1',
      'answered up-1',
      'playback.finished pb-missing up-1',
      // A playback Asterisk never finishes (unknown media scheme) still finishes before the hang-up.
      'playback.finished pb-bogus up-1',
      'hangup up-1 busy',
    ]);
  });
});

describe('ARI driver resilience (fake Asterisk)', () => {
  let run: PbxRun;
  afterEach(async () => {
    await run?.close();
  });

  /** An answered inbound call and an answered outbound one. */
  async function twoCalls(r: PbxRun): Promise<{ inbound: string; outbound: string }> {
    const inbound = r.pbx.inboundCall({ from: '+15557770001', to: '200', app: APP });
    await r.log.next('channel.inbound', inbound);
    await r.driver.answer(inbound);
    await r.driver.originate({
      channelId: 'out-1',
      endpoint: { kind: 'endpoint', value: '1001' },
      timeoutMs: 30_000,
    });
    r.pbx.partyAnswer('out-1');
    await r.log.next('channel.answered', 'out-1');
    return { inbound, outbound: 'out-1' };
  }

  it('reconnects with growing, jittered back-off after losing the WebSocket; vanished calls end with network_error, the others go on', async () => {
    run = await startPbx();
    await run.driver.start();
    const { inbound, outbound } = await twoCalls(run);
    await run.driver.originate({
      channelId: 'ringing-1',
      endpoint: { kind: 'endpoint', value: '1002' },
      timeoutMs: 30_000,
    });
    await run.log.next('channel.ringing', 'ringing-1');

    run.server.refuseUpgrades(2);
    run.server.dropWebSockets();
    const lost = await run.log.next('driver.disconnected');
    expect(lost.reason).toMatch(/closed \(1006\)/);
    expect(run.driver.status().state).toBe('reconnecting');
    await rejects(
      'unavailable',
      run.driver.originate({ channelId: 'x', endpoint: { kind: 'endpoint', value: '1003' } }),
    );

    // While nobody listens: the inbound caller hangs up unseen; the ringing phone answers, and
    // Asterisk drops it at once because the application has no WebSocket (ws-replaced transcript).
    run.pbx.vanish(inbound);
    run.pbx.partyAnswer('ringing-1');
    expect(run.server.lostEvents).toBeGreaterThan(0);

    // Attempts at 375 ms, then 750 ms later, then 1500 ms later (base 500 ms doubling, jitter fixed at 0.5).
    const attempts = () => run.server.connections.get(APP) ?? 0;
    await run.clock.advance(374);
    expect(attempts()).toBe(1);
    await run.clock.advance(1);
    await run.driver.idle();
    await run.clock.advance(749);
    await run.clock.advance(1);
    await run.driver.idle();
    expect(attempts()).toBe(1);
    await run.clock.advance(1_499);
    expect(attempts()).toBe(1);
    await run.clock.advance(1);
    await run.log.waitFor((e) => e.type === 'driver.connected' && run.log.events.indexOf(e) > 0);
    expect(attempts()).toBe(2);

    expect(run.log.lines((id) => (id === inbound ? 'in' : id)).slice(-4)).toEqual([
      'disconnected',
      'hangup in network_error',
      'hangup ringing-1 network_error',
      'connected',
    ]);
    expect(run.driver.status()).toMatchObject({
      state: 'connected',
      reconnects: 1,
      resyncs: 1,
      liveChannels: 1,
    });

    // The survivor goes on as before.
    run.pbx.partyDtmf(outbound, '7');
    await run.log.next('channel.dtmf', outbound);
    await run.driver.hangup(outbound, 'normal');
    await run.log.next('channel.hangup', outbound);
    expect(run.log.lines().slice(-2)).toEqual(['dtmf out-1 7 160', 'hangup out-1 normal']);
  });

  it('after Asterisk restarts (every channel gone, connection refused meanwhile), every tracked call ends with network_error', async () => {
    run = await startPbx();
    await run.driver.start();
    const { inbound, outbound } = await twoCalls(run);
    await run.server.goDown();
    run.pbx.wipe();
    await run.log.next('driver.disconnected');
    await run.clock.advance(375);
    await run.clock.advance(750);
    expect(run.driver.status().lastError).toMatch(/connection refused/);
    await run.server.listen();
    await run.clock.advance(1_500);
    await run.log.waitFor((e) => e.type === 'driver.connected' && run.log.events.indexOf(e) > 0);
    const ends = run.log.events.filter((e) => e.type === 'channel.hangup');
    expect(ends).toEqual([
      { type: 'channel.hangup', channelId: inbound, cause: 'network_error' },
      { type: 'channel.hangup', channelId: outbound, cause: 'network_error' },
    ]);
  });

  it('a slow request for one channel does not hold up commands on another; it fails with unavailable at its timeout', async () => {
    run = await startPbx({ requestTimeoutMs: 5_000 });
    await run.driver.start();
    const { inbound, outbound } = await twoCalls(run);
    const stall = run.server.stall('POST', new RegExp(`^/channels/${inbound.replace('.', '\\.')}/moh$`));
    const slow = run.driver.hold(inbound).then(
      () => 'resolved',
      (e: DriverError) => e,
    );
    await stall.arrived;
    await run.driver.sendDtmf(outbound, '42');
    await run.driver.hold(outbound);
    await run.driver.unhold(outbound);
    expect(run.pbx.channel(outbound)?.dtmfReceived).toBe('42');
    await run.clock.advance(5_000);
    const error = await slow;
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).kind).toBe('unavailable');
    expect((error as DriverError).message).toMatch(/no answer within 5000 ms/);
    stall.release();
    await run.driver.hold(inbound);
    expect(run.pbx.channel(inbound)).toMatchObject({ moh: true, onHold: true });
  });

  it('5xx answers reject with unavailable and the next request goes through', async () => {
    run = await startPbx();
    await run.driver.start();
    const { outbound } = await twoCalls(run);
    run.server.failNext('POST', /\/dtmf$/, 503, { message: 'Service Unavailable' });
    const error = await rejects('unavailable', run.driver.sendDtmf(outbound, '1'));
    expect(error.message).toMatch(/503 "Service Unavailable"/);
    await run.driver.sendDtmf(outbound, '2');
    expect(run.pbx.channel(outbound)?.dtmfReceived).toBe('2');
    run.server.failNext('POST', /^\/channels$/, 500, { error: 'Allocation failed' });
    await rejects(
      'invalid',
      run.driver.originate({ channelId: 'x-1', endpoint: { kind: 'number', value: '+15551234567' } }),
    );
    expect(run.driver.status().liveChannels).toBe(2);
  });

  it('a 404 for a channel the driver thought live reports its end at once', async () => {
    run = await startPbx();
    await run.driver.start();
    const { outbound } = await twoCalls(run);
    run.pbx.vanish(outbound);
    await rejects('not_found', run.driver.hold(outbound));
    expect(run.log.lines().at(-1)).toBe('hangup out-1 network_error');
  });

  it('wrong credentials stop the start with a clear message that never shows the password', async () => {
    run = await startPbx({ password: 's3cret-wrong' });
    const error = await rejects('unavailable', run.driver.start());
    expect(error.message).toBe(
      `Asterisk ARI at ${run.server.url} refused the credentials of user "cti" (401 Authentication required). Check ARI_USERNAME and ARI_PASSWORD against ari.conf.`,
    );
    expect(JSON.stringify(run.driver.status())).not.toContain('s3cret-wrong');
    expect(run.driver.status().state).toBe('stopped');
    expect(run.log.events).toEqual([]);
  });

  it('an unreachable ARI stops the start with a clear message', async () => {
    run = await startPbx();
    await run.server.goDown();
    const error = await rejects('unavailable', run.driver.start());
    expect(error.message).toMatch(
      /^Cannot reach Asterisk ARI at http:\/\/127\.0\.0\.1:\d+\/ari \(connection refused\)\. Check ARI_URL/,
    );
  });

  it('application-replaced-then-free: waits while the rival holds the application, takes it back once it has gone', async () => {
    run = await startPbx();
    await run.driver.start();
    const { outbound } = await twoCalls(run);
    run.server.replaceApplication(APP);
    await run.log.next('driver.disconnected');
    expect(run.driver.status()).toMatchObject({ state: 'replaced', replacements: 1, reclaims: 0 });
    // Asked with back-off (375, 750, 1500 ms...): the rival still holds it, so no new connection.
    await run.clock.advance(375);
    await run.driver.idle();
    await run.clock.advance(750);
    await run.driver.idle();
    expect(run.server.requestsMatching('GET', /^\/applications\/switchboard$/).map((r) => r.status)).toEqual([
      200, 200,
    ]);
    expect(run.server.connections.get(APP)).toBe(1);

    run.server.releaseApplication(APP);
    const seen = run.log.events.length;
    await run.clock.advance(1_500);
    await run.log.waitFor((e) => e.type === 'driver.connected' && run.log.events.indexOf(e) >= seen);
    expect(run.server.connections.get(APP)).toBe(2);
    expect(run.driver.status()).toMatchObject({
      state: 'connected',
      replacements: 1,
      reclaims: 1,
      liveChannels: 2,
    });
    // Events flow on the new connection.
    run.pbx.partyDtmf(outbound, '3');
    await run.log.next('channel.dtmf', outbound);
  });

  it('the connection check says what ARI answers: version, whether the application is registered, or why not', async () => {
    run = await startPbx();
    await run.driver.start();
    expect(await run.driver.check()).toEqual({
      reachable: true,
      asteriskVersion: '22.10.1',
      application: 'registered',
    });
    run.server.replaceApplication(APP);
    await run.log.next('driver.disconnected');
    run.server.releaseApplication(APP);
    expect(await run.driver.check()).toMatchObject({ reachable: true, application: 'absent' });
    await run.server.goDown();
    expect(await run.driver.check()).toMatchObject({ reachable: false, error: expect.any(String) });
  });

  it('ApplicationReplaced: reports the take-over, does not take it from a rival that holds it; start() takes the application back', async () => {
    run = await startPbx();
    await run.driver.start();
    const { outbound } = await twoCalls(run);
    run.server.replaceApplication(APP);
    const lost = await run.log.next('driver.disconnected');
    expect(lost.reason).toMatch(/ApplicationReplaced/);
    await run.clock.advance(600_000);
    expect(run.server.connections.get(APP)).toBe(1);
    expect(run.driver.status().state).toBe('replaced');
    await run.driver.start();
    expect(run.server.connections.get(APP)).toBe(2);
    expect(run.driver.status()).toMatchObject({ state: 'connected', liveChannels: 2 });
    await run.driver.hangup(outbound, 'normal');
    await run.log.next('channel.hangup', outbound);
  });

  it('listen and whisper put the supervisor with a snoop on the agent in a side bridge, never in the call', async () => {
    run = await startPbx();
    await run.driver.start();
    const { inbound, outbound } = await twoCalls(run);
    await run.driver.createBridge('call-1');
    await run.driver.addToBridge('call-1', inbound);
    await run.driver.addToBridge('call-1', outbound);
    await run.driver.originate({ channelId: 'sup-1', endpoint: { kind: 'endpoint', value: '1009' } });
    run.pbx.partyAnswer('sup-1');
    await run.log.next('channel.answered', 'sup-1');
    await run.driver.addToBridge('call-1', 'sup-1', 'listen');
    const snoops = () => [...run.pbx.channels.values()].filter((c) => c.direction === 'snoop');
    expect(snoops().map((c) => [c.snoopOf, c.spy, c.whisper])).toEqual([[outbound, 'both', 'none']]);
    expect(run.pbx.bridges.get('call-1')?.members.map((c) => c.id)).toEqual([inbound, outbound]);
    expect(run.pbx.channel('sup-1')?.bridge?.id).toBe('sup-1-supervise');
    await run.driver.addToBridge('call-1', 'sup-1', 'whisper');
    await run.settle();
    expect(snoops().map((c) => [c.snoopOf, c.spy, c.whisper])).toEqual([[outbound, 'both', 'out']]);
    await run.driver.removeFromBridge('call-1', 'sup-1');
    await run.settle();
    expect(snoops()).toEqual([]);
    expect(run.pbx.bridges.has('sup-1-supervise')).toBe(false);
    expect(run.log.events.filter((e) => e.type === 'channel.hangup')).toEqual([]);
  });

  it('stops and starts again: the calls it tracked are resynchronised and go on', async () => {
    run = await startPbx();
    await run.driver.start();
    const { inbound, outbound } = await twoCalls(run);
    await run.driver.stop();
    expect(run.log.lines().at(-1)).toBe('disconnected');
    await rejects('unavailable', run.driver.hold(outbound));
    run.pbx.vanish(inbound);
    await run.driver.start();
    expect(run.log.lines((id) => (id === inbound ? 'in' : id)).slice(-2)).toEqual([
      'hangup in network_error',
      'connected',
    ]);
    await run.driver.hold(outbound);
    expect(run.pbx.channel(outbound)).toMatchObject({ onHold: true, moh: true });
  });

  it('shows the connection in its status, without the password', async () => {
    run = await startPbx();
    expect(run.driver.status().state).toBe('stopped');
    await run.driver.start();
    const status = run.driver.status();
    expect(status).toMatchObject({
      state: 'connected',
      url: run.server.url,
      app: APP,
      subscribeAll: false,
      asteriskVersion: '22.10.1',
      reconnects: 0,
    });
    expect(JSON.stringify(status)).not.toContain('"cti"');
  });
});

describe('configuration and composition with the ARI driver', () => {
  const ARI_ENV = { ARI_URL: 'http://pbx.example:8088/ari', ARI_USERNAME: 'cti', ARI_PASSWORD: 'hunter2' };

  it('SWITCHBOARD_DRIVER=ari (or USE_REAL_CTI=true) selects ARI; the password never shows when the config is logged', () => {
    const config = loadConfig({ SWITCHBOARD_DRIVER: 'ari', ...ARI_ENV });
    expect(config.driver).toBe('ari');
    expect(config.ari).toEqual({
      url: 'http://pbx.example:8088/ari',
      username: 'cti',
      app: 'switchboard',
      trunk: 'PJSIP/{number}@trunk',
    });
    expect(config.ari?.password).toBe('hunter2');
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(inspect(config, { depth: 5 })).not.toContain('hunter2');
    expect(
      loadConfig({ USE_REAL_CTI: 'true', ...ARI_ENV, ARI_APP: 'cti', ARI_TRUNK: 'PJSIP/{digits}@carrier' })
        .ari,
    ).toMatchObject({
      app: 'cti',
      trunk: 'PJSIP/{digits}@carrier',
    });
    expect(loadConfig({}).driver).toBe('simulator');
    expect(loadConfig({ USE_REAL_CTI: 'false' }).driver).toBe('simulator');
    expect(loadConfig({ USE_REAL_CTI: 'true', ARI_USERNAME: 'u', ARI_PASSWORD: 'p' }).ari?.url).toBe(
      'http://127.0.0.1:8088/ari',
    );
  });

  it('names what is wrong with an ARI configuration', () => {
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'ari' })).toThrow(
      /ARI_USERNAME and ARI_PASSWORD are required/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'ari', ...ARI_ENV, ARI_URL: 'pbx:8088' })).toThrow(
      /ARI_URL/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'ari', ...ARI_ENV, ARI_TRUNK: 'PJSIP/trunk' })).toThrow(
      /ARI_TRUNK/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'ari', ...ARI_ENV, ARI_APP: 'my app' })).toThrow(/ARI_APP/);
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'simulator', USE_REAL_CTI: 'true' })).toThrow(
      /SWITCHBOARD_DRIVER=simulator contradicts USE_REAL_CTI=true/,
    );
    expect(() => loadConfig({ SWITCHBOARD_DRIVER: 'ari', ...ARI_ENV, SWITCHBOARD_CLOCK: 'virtual' })).toThrow(
      /SWITCHBOARD_CLOCK.*real time/,
    );
  });

  it('runs Switchboard on ARI: health shows the connection, the simulator controls refuse, a call goes through', async () => {
    const server = new FakeAriServer();
    const pbx = new FakePbx(server, new SystemClock());
    server.backend = pbx;
    await server.listen();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ari-'));
    const config = loadConfig(
      {},
      {
        CTI_PORT: '0',
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_DRIVER: 'ari',
        ARI_URL: server.url,
        ARI_USERNAME: 'cti',
        ARI_PASSWORD: 'cti',
      },
    );
    const sb = await createSwitchboard(config, { logger: false });
    try {
      const url = await sb.listen();
      expect(sb.telephony.name).toBe('ari');
      expect(() => sb.driver).toThrow(/ari driver is in use/);
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toMatchObject({
        status: 'ok',
        driver: 'ari',
        ari: { state: 'connected', app: 'switchboard' },
      });
      expect(JSON.stringify(health)).not.toContain('"password"');
      const metrics = await (await fetch(`${url}/api/v1/metrics`)).text();
      expect(metrics).toContain('switchboard_driver_connected{driver="ari"} 1');
      expect(metrics).toContain('switchboard_ari_connection{state="connected"} 1');
      expect(metrics).toMatch(/switchboard_ari_reconnects 0/);
      const sim = await fetch(`${url}/api/v1/sim/channels`);
      expect(sim.status).toBe(409);
      expect((await sim.json()).error.code).toBe('SIMULATOR_ONLY');

      const seen: string[] = [];
      const answered = new Promise<void>((resolve) =>
        sb.engine.events.subscribe((e) => {
          seen.push(e.type);
          if (e.type === 'call.answered') resolve();
        }),
      );
      const created = await fetch(`${url}/api/v1/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '1001', to: '+12125550198' }),
      });
      expect(created.status).toBe(201);
      const agentLeg = await until(() => pbx.channelTo('PJSIP/1001'));
      pbx.partyAnswer(agentLeg.id);
      const customerLeg = await until(() => pbx.channelTo('PJSIP/+12125550198@trunk'));
      pbx.partyAnswer(customerLeg.id);
      await answered;
      const bridge = await until(() =>
        pbx.channel(customerLeg.id)?.bridge ? pbx.channel(customerLeg.id) : undefined,
      );
      expect(bridge?.bridge?.members.map((c) => c.id)).toEqual([agentLeg.id, customerLeg.id]);
      // Each dialled phone's 180 is its own event between the call's announcement and its answer.
      expect(seen.slice(0, 4)).toEqual([
        'call.ringing',
        'call.leg.ringing',
        'call.leg.ringing',
        'call.answered',
      ]);
    } finally {
      await sb.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(pbx.channels.size).toBe(0);
  });
});

/** Resolves with what `probe` finds, looking again each time the event loop has turned. */
async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 10_000; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('gave up waiting');
}

describe('fake Asterisk follows the transcripts', () => {
  /** A channel's events as `Type detail` lines, without Asterisk's RTP statistics and device states. */
  function shape(events: readonly RecordedEvent[], channelId: string): string[] {
    return events
      .filter((e) => {
        const id =
          (e.channel as { id?: string } | undefined)?.id ?? (e.peer as { id?: string } | undefined)?.id;
        if (id !== channelId) return false;
        return !(e.type === 'ChannelVarset' && /^RTPAUDIO|^BRIDGEP/.test(String(e.variable)));
      })
      .map((e) => {
        const channel = e.channel as { state?: string } | undefined;
        if (e.type === 'Dial') return `Dial ${e.dialstatus}`;
        if (e.type === 'ChannelStateChange') return `ChannelStateChange ${channel?.state}`;
        if (e.type === 'ChannelHangupRequest')
          return `ChannelHangupRequest ${e.cause ?? '-'}${e.soft ? ' soft' : ''}`;
        if (e.type === 'ChannelDestroyed') return `ChannelDestroyed ${e.cause}`;
        if (e.type === 'ChannelVarset') return `ChannelVarset ${e.variable}`;
        return String(e.type);
      });
  }

  async function listen(server: FakeAriServer, subscribeAll: boolean): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/events?app=${APP}${subscribeAll ? '&subscribeAll=true' : ''}`,
      {
        headers: { authorization: `Basic ${Buffer.from('cti:cti').toString('base64')}` },
      },
    );
    ws.on('message', (data) => events.push(JSON.parse(data.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    return events;
  }

  async function fake(subscribeAll: boolean) {
    const server = new FakeAriServer();
    const clock = new VirtualClock();
    const pbx = new FakePbx(server, clock);
    pbx.defaultApp = APP;
    server.backend = pbx;
    await server.listen();
    const events = await listen(server, subscribeAll);
    const call = async (method: string, path: string) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from('cti:cti').toString('base64')}` },
      });
      return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
    };
    return { server, clock, pbx, events, call };
  }

  it.each([true, false])(
    'inbound (subscribeAll %s): caller arrives, is answered, presses 5, hangs up',
    async (all) => {
      const f = await fake(all);
      const id = f.pbx.inboundCall({ from: 'sipp', to: '100', app: APP });
      await f.call('POST', `/channels/${id}/ring`);
      await f.call('POST', `/channels/${id}/answer`);
      f.pbx.partyDtmf(id, '5');
      f.pbx.partyHangup(id);
      await f.server.flush();
      if (all) expect(shape(f.events, id)).toEqual(shape(loadEvents('inbound'), '1795319622.5'));
      // Without subscribeAll (ws-replaced-and-reconnect-nosuball, caller-hangup-while-ringing-nosuball):
      // no creation or dialplan events, and nothing after StasisEnd for a channel from the dialplan.
      else {
        expect(shape(f.events, id)).toEqual([
          'StasisStart',
          'ChannelStateChange Up',
          'ChannelDtmfReceived',
          'ChannelHangupRequest -',
          'StasisEnd',
        ]);
      }
      await f.server.close();
    },
  );

  it.each([
    ['originate-busy', true, '1795320788.111'],
    ['originate-busy-nosuball', false, '1795320937.154'],
  ])('%s: a busy phone', async (scenario, all, recordedId) => {
    const f = await fake(all);
    f.pbx.behave('PJSIP/1005', { kind: 'busy' });
    const { body } = await f.call(
      'POST',
      `/channels?endpoint=PJSIP%2F1005&app=${APP}&callerId=%22CTI%22%20%3C5000%3E&timeout=30`,
    );
    await f.clock.advance(300);
    await f.server.flush();
    expect(shape(f.events, body.id)).toEqual(shape(loadEvents(scenario), recordedId));
    expect((await f.call('GET', `/channels/${body.id}`)).body).toEqual({ message: 'Channel not found' });
    await f.server.close();
  });

  it('caller-hangup-while-ringing: the caller CANCELs; the ringing agent leg is DELETEd', async () => {
    const f = await fake(true);
    const caller = f.pbx.inboundCall({ from: 'sipp', to: '370', app: APP });
    await f.call('POST', `/channels/${caller}/ring`);
    const { body } = await f.call(
      'POST',
      `/channels?endpoint=PJSIP%2F1006&app=${APP}&appArgs=agent&timeout=30`,
    );
    f.pbx.partyHangup(caller);
    await f.call('DELETE', `/channels/${body.id}`);
    await f.server.flush();
    const recorded = loadEvents('caller-hangup-while-ringing');
    expect(shape(f.events, caller)).toEqual(shape(recorded, '1795320890.146'));
    // Dial("") and the ringing state come in either order on the rig; the ending is fixed.
    expect(shape(f.events, body.id).slice(-3)).toEqual(shape(recorded, '1795320890.147').slice(-3));
    await f.server.close();
  });

  it('recording-pause-resume: a paused recording says so, records nothing, and its stored file lasts what was recorded', async () => {
    const f = await fake(true);
    const caller = f.pbx.inboundCall({ from: 'sipp', to: '440', app: APP });
    await f.call('POST', `/channels/${caller}/answer`);
    const { body: bridge } = await f.call('POST', '/bridges?type=mixing&name=rec-bridge');
    await f.call('POST', `/bridges/${bridge.id}/addChannel?channel=${caller}`);
    const live = '/recordings/live/cti-rec-pause-1';
    const stored = '/recordings/stored/cti-rec-pause-1';
    const recorded = loadRest('recording-pause-resume');
    const answerOf = (index: number) => ({
      status: recorded[index]!.status,
      body: recorded[index]!.response ?? undefined,
    });
    const uri = (body: unknown) => ({ ...(body as object), target_uri: `bridge:${bridge.id}` });
    expect(await f.call('POST', `/bridges/${bridge.id}/record?name=cti-rec-pause-1&format=wav`)).toEqual({
      status: 201,
      body: uri(recorded[5]!.response),
    });
    await f.clock.advance(3_000);
    expect(await f.call('POST', `${live}/pause`)).toEqual(answerOf(6));
    expect(await f.call('GET', live)).toEqual({ status: 200, body: uri(recorded[7]!.response) });
    await f.clock.advance(2_000);
    expect(await f.call('POST', `${live}/unpause`)).toEqual(answerOf(8));
    expect(await f.call('DELETE', `${live}/pause`)).toEqual(answerOf(9));
    expect(await f.call('GET', live)).toEqual({ status: 200, body: uri(recorded[10]!.response) });
    await f.clock.advance(2_000);
    expect(await f.call('POST', `${live}/stop`)).toEqual(answerOf(11));
    await f.server.flush();
    const finishedOf = (events: readonly RecordedEvent[], bridgeId: string) =>
      events
        .filter((e) => e.type === 'RecordingFinished')
        .map((e) => ({ ...(e.recording as object), target_uri: `bridge:${bridgeId}` }));
    expect(finishedOf(f.events, bridge.id)).toEqual(
      finishedOf(loadEvents('recording-pause-resume'), bridge.id),
    );
    expect(await f.call('GET', stored)).toEqual(answerOf(12));
    const file = await fetch(`${f.server.url}${stored}/file`, {
      headers: { authorization: `Basic ${Buffer.from('cti:cti').toString('base64')}` },
    });
    expect(file.headers.get('content-type')).toBe('audio/wav');
    expect(readWav(new Uint8Array(await file.arrayBuffer())).durationMs).toBe(5_000);
    expect(await f.call('DELETE', stored)).toEqual(answerOf(14));
    for (const index of [15, 16, 17, 18, 19]) {
      const { method, path } = recorded[index]!;
      expect(await f.call(method, path), `${method} ${path}`).toEqual(answerOf(index));
    }
    await f.server.close();
  });

  it('answers the recorded error bodies', async () => {
    const f = await fake(false);
    f.pbx.behave('PJSIP/9999', { kind: 'unknown' });
    expect(await f.call('POST', `/channels?endpoint=PJSIP%2F9999&app=${APP}`)).toEqual({
      status: 500,
      body: { error: 'Allocation failed' },
    });
    expect(await f.call('POST', '/channels/nope/answer')).toEqual({
      status: 404,
      body: { message: 'Channel not found' },
    });
    expect(await f.call('POST', '/channels/nope/snoop?app=x&spy=both')).toEqual({
      status: 404,
      body: { message: 'Provided channel was not found' },
    });
    expect(await f.call('DELETE', '/bridges/nope')).toEqual({
      status: 404,
      body: { message: 'Bridge not found' },
    });
    expect(await f.call('POST', '/recordings/live/nope/stop')).toEqual({
      status: 404,
      body: { message: 'Recording not found' },
    });
    expect(await f.call('DELETE', '/playbacks/nope')).toEqual({
      status: 404,
      body: { message: 'Playback not found' },
    });
    const unauthorised = await fetch(`${f.server.url}/channels`);
    expect([unauthorised.status, await unauthorised.json()]).toEqual([
      401,
      { message: 'Authentication required' },
    ]);
    await f.server.close();
  });
});
