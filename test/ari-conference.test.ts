import { describe, expect, it } from 'vitest';
import { expectReplayFinished, type ReplayRun, replayPerTest } from './support/ari-harness.ts';

const CTI = '"CTI" <5000>';

/**
 * The ARI driver's conference and supervisor commands against the recorded transcripts
 * `conference-three-party` (three parties in one bridge, mute and unmute, one removed) and
 * `snoop-whisper-barge` (a supervisor listens, whispers, then barges into the call's bridge).
 */
describe('ARI driver: conferences and supervisors as recorded', () => {
  const replay = replayPerTest();

  /** The caller answered in a bridge with the agent (1001), as both transcripts start. */
  async function callerWithAgent(r: ReplayRun): Promise<string> {
    const caller = (await r.log.next('channel.inbound')).channelId;
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
    return caller;
  }

  it('conference-three-party: a third party joins the bridge, is muted and unmuted (direction in, no event), then leaves', async () => {
    const [caller, agent, party] = ['1796613619.13', '1796613619.14', '1796613620.15'];
    const bridge = '62893af8-a65d-4378-b578-4930b3295d98';
    const r = await replay({
      scenario: 'conference-three-party',
      driverMakes: [
        `POST /channels/${caller}/answer`,
        'POST /bridges?',
        `POST /bridges/${bridge}/addChannel?channel=${caller}`,
        'POST /channels?endpoint=PJSIP%2F1001',
        `POST /bridges/${bridge}/addChannel?channel=${agent}`,
        'POST /channels?endpoint=PJSIP%2F1002',
        `POST /bridges/${bridge}/addChannel?channel=${party}`,
        `POST /channels/${party}/mute`,
        `DELETE /channels/${party}/mute`,
        `POST /bridges/${bridge}/removeChannel?channel=${party}`,
        `DELETE /channels/${party}`,
        `DELETE /channels/${agent}`,
        `DELETE /channels/${caller}`,
        `DELETE /bridges/${bridge}`,
      ],
    });
    const inbound = await callerWithAgent(r);
    await r.driver.originate({
      channelId: 'party-1',
      endpoint: { kind: 'endpoint', value: '1002' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'party-1');
    await r.driver.addToBridge('call-1', 'party-1');
    const before = r.log.events.length;
    await r.driver.mute('party-1');
    await r.driver.unmute('party-1');
    expect(r.log.events.length).toBe(before);
    await r.driver.removeFromBridge('call-1', 'party-1');
    await r.driver.hangup('party-1', 'normal');
    await r.log.next('channel.hangup', 'party-1');
    await r.driver.hangup('agent-1', 'normal');
    await r.log.next('channel.hangup', 'agent-1');
    await r.driver.hangup(inbound, 'normal');
    await r.log.next('channel.hangup', inbound);
    await r.driver.destroyBridge('call-1');
    await expectReplayFinished(r);
    expect(r.log.lines((id) => (id === inbound ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→410',
      'answered in',
      'ringing agent-1',
      'answered agent-1',
      'ringing party-1',
      'answered party-1',
      'hangup party-1 normal',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });

  it('snoop-whisper-barge: listen, whisper (the snoop swapped), then barge: addChannel moves the supervisor into the call, the snoop goes after', async () => {
    const [caller, agent, supervisor] = ['1796613645.20', '1796613645.21', '1796613647.23'];
    const [call, side] = ['4e17c244-e396-4700-8835-55a387beb3ae', '1d387fae-e9e7-4e78-a5b3-545f574d108c'];
    const r = await replay({
      scenario: 'snoop-whisper-barge',
      strictOrder: false,
      driverMakes: [
        `POST /channels/${caller}/answer`,
        'POST /bridges?type=mixing&name=call-bridge',
        `POST /bridges/${call}/addChannel?channel=${caller}`,
        'POST /channels?endpoint=PJSIP%2F1001',
        `POST /bridges/${call}/addChannel?channel=${agent}`,
        `POST /channels/${agent}/snoop?app=cti-app&spy=both&whisper=none`,
        'POST /bridges?type=mixing&name=supervisor-bridge',
        `POST /bridges/${side}/addChannel?channel=cti-listen-1`,
        'POST /channels?endpoint=PJSIP%2F1002',
        `POST /bridges/${side}/addChannel?channel=${supervisor}`,
        `POST /channels/${agent}/snoop?app=cti-app&spy=both&whisper=out&appArgs=whisper&snoopId=cti-whisper-1`,
        `POST /bridges/${side}/addChannel?channel=cti-whisper-1`,
        'DELETE /channels/cti-listen-1',
        `POST /bridges/${call}/addChannel?channel=${supervisor}`,
        'DELETE /channels/cti-whisper-1',
        `DELETE /channels/${supervisor}`,
        `DELETE /channels/${agent}`,
        `DELETE /channels/${caller}`,
        `DELETE /bridges/${call}`,
      ],
      // The recorder swapped snoops without taking the listening one out first; the driver does. It
      // deleted the side bridge only after hanging the supervisor up; the driver does so on barging.
      unscripted: (request) =>
        (request.method === 'POST' && request.path.endsWith('/removeChannel')) ||
        (request.method === 'DELETE' && request.path === '/bridges/sup-1-supervise')
          ? { status: 204 }
          : undefined,
    });
    const inbound = await callerWithAgent(r);
    await r.driver.originate({
      channelId: 'sup-1',
      endpoint: { kind: 'endpoint', value: '1002' },
      callerId: CTI,
    });
    await r.log.next('channel.answered', 'sup-1');
    await r.driver.addToBridge('call-1', 'sup-1', 'listen');
    await r.driver.addToBridge('call-1', 'sup-1', 'whisper');
    await r.driver.addToBridge('call-1', 'sup-1', 'normal');
    await r.driver.idle();
    // Barging: the supervisor is moved into the call first; its whisper snoop and side bridge go after.
    const made = r.server.requests.map((q) => `${q.method} ${q.path} ${q.query.channel ?? ''}`.trim());
    expect(made.slice(made.indexOf('POST /bridges/call-1/addChannel sup-1'))).toEqual([
      'POST /bridges/call-1/addChannel sup-1',
      'DELETE /channels/sup-1-snoop-2',
      'DELETE /bridges/sup-1-supervise',
    ]);
    await r.driver.hangup('sup-1', 'normal');
    await r.log.next('channel.hangup', 'sup-1');
    await r.driver.hangup('agent-1', 'normal');
    await r.log.next('channel.hangup', 'agent-1');
    await r.driver.hangup(inbound, 'normal');
    await r.log.next('channel.hangup', inbound);
    await r.driver.destroyBridge('call-1');
    await expectReplayFinished(r, 'any');
    expect(r.replay.unscriptedRequests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /asterisk/info',
      'POST /bridges/sup-1-supervise/removeChannel',
      'DELETE /bridges/sup-1-supervise',
    ]);
    expect(r.log.lines((id) => (id === inbound ? 'in' : id))).toEqual([
      'connected',
      'inbound in sipp→420',
      'answered in',
      'ringing agent-1',
      'answered agent-1',
      'ringing sup-1',
      'answered sup-1',
      'hangup sup-1 normal',
      'hangup agent-1 normal',
      'hangup in normal',
    ]);
  });
});
