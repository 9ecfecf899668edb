import { type FormEvent, useState } from 'react';
import { useLive } from '../connection.tsx';
import { clockText, emergencyOf, mapLink, STATUS_TEXT, talkSeconds, useServerNow } from '../format.ts';
import { type Agent, type Call, callsOf, type Offer } from '../live-store.ts';
import { Keypad } from './Keypad.tsx';

const AGENT_STORAGE = 'switchboard.agentId';
const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting'];

/** The agent's desk: log in, state, click-to-dial, offers, and the controls of their calls. */
export function AgentPanel() {
  const { state } = useLive();
  const [agentId, setAgentId] = useState(() => sessionStorage.getItem(AGENT_STORAGE) ?? '');
  const agents = Object.values(state.agents).sort((a, b) => a.name.localeCompare(b.name));
  const agent = state.agents[agentId];
  const choose = (id: string) => {
    sessionStorage.setItem(AGENT_STORAGE, id);
    setAgentId(id);
  };
  return (
    <section className="agent-panel" aria-labelledby="agent-title">
      <h2 id="agent-title">Agent panel</h2>
      <label className="inline">
        Agent
        <select aria-label="Agent" value={agentId} onChange={(e) => choose(e.target.value)}>
          <option value="">Choose…</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
        </select>
      </label>
      {agent && <AgentDesk agent={agent} />}
    </section>
  );
}

function AgentDesk({ agent }: { agent: Agent }) {
  const { state } = useLive();
  const offers = Object.values(state.offers).filter((offer) => offer.agentId === agent.id);
  const calls = callsOf(state, agent.id).filter((call) => !offers.some((offer) => offer.call.id === call.id));
  const [lastCallId, setLastCallId] = useState<string>();
  const lastCall = lastCallId ? state.calls[lastCallId] : undefined;
  const current = calls[0];
  if (current && current.id !== lastCallId) setLastCallId(current.id);
  return (
    <div className="desk">
      <AgentState agent={agent} />
      {offers.map((offer) => (
        <OfferCard key={offer.call.id} offer={offer} agent={agent} />
      ))}
      {calls.map((call) => (
        <CallCard key={call.id} call={call} agent={agent} />
      ))}
      {!current && lastCall && <CallCard call={lastCall} agent={agent} last />}
      <Dialer agent={agent} />
    </div>
  );
}

function AgentState({ agent }: { agent: Agent }) {
  const { api, report } = useLive();
  const [reason, setReason] = useState(PAUSE_REASONS[0]!);
  const path = { agentId: agent.id };
  const { state } = agent.status;
  const act = (run: () => Promise<unknown>) => () => void run().catch(report);
  return (
    <section className="card state" aria-label="Agent state">
      <p>
        <span className={`badge state-${state}`} data-testid="agent-state">
          {state.replace('_', ' ')}
        </span>
        {agent.status.reason && state === 'away' && <span> ({agent.status.reason})</span>}
      </p>
      <div className="actions">
        {state === 'offline' ? (
          <button type="button" onClick={act(() => api.loginAgent({ path }))}>
            Log in
          </button>
        ) : (
          <>
            <button
              type="button"
              onClick={act(() => api.unpauseAgent({ path }))}
              disabled={state === 'available'}
            >
              Available
            </button>
            <select aria-label="Pause reason" value={reason} onChange={(e) => setReason(e.target.value)}>
              {PAUSE_REASONS.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button type="button" onClick={act(() => api.pauseAgent({ path, body: { reason } }))}>
              Pause
            </button>
            <button type="button" onClick={act(() => api.logoutAgent({ path }))}>
              Log out
            </button>
          </>
        )}
      </div>
    </section>
  );
}

function Dialer({ agent }: { agent: Agent }) {
  const { api, report } = useLive();
  const [number, setNumber] = useState('');
  const dial = (event: FormEvent) => {
    event.preventDefault();
    if (!number) return;
    api.originateCall({ body: { from: agent.id, to: number } }).catch(report);
  };
  return (
    <form className="card dialer" onSubmit={dial} aria-label="Click to dial">
      <label>
        Number to dial
        <input
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          inputMode="tel"
          placeholder="+13125550142"
        />
      </label>
      <Keypad label="Dial key" onKey={(key) => setNumber((n) => n + key)} />
      <div className="actions">
        <button type="submit" className="primary">
          Dial
        </button>
        <button type="button" onClick={() => setNumber('')}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** Answers for the agent: with the simulator the console picks up the agent's phone; a real phone is picked up by hand. */
function useAnswer(agent: Agent) {
  const { api, driver } = useLive();
  if (driver !== 'simulator') return undefined;
  return async () => {
    const channels = await api.listSimChannels();
    const phone = channels.find((c) => c.address === agent.endpoint && c.state === 'ringing');
    if (!phone) throw new Error(`${agent.endpoint} is not ringing`);
    await api.simPartyAnswer({ path: { channelId: phone.id } });
  };
}

function OfferCard({ offer, agent }: { offer: Offer; agent: Agent }) {
  const { report } = useLive();
  const answer = useAnswer(agent);
  const { call } = offer;
  const emergency = emergencyOf(call);
  const caller = offer.transfer ? offer.transfer.caller : call.direction === 'inbound' ? call.from : call.to;
  return (
    <div className={`card offer ${emergency ? 'alarm' : ''}`} role="alert" data-testid="offer">
      <h3>
        {emergency
          ? 'EMERGENCY'
          : offer.transfer
            ? `Transfer from ${offer.transfer.from ?? 'a colleague'}`
            : 'Incoming call'}
      </h3>
      <dl>
        <dt>Caller</dt>
        <dd>{caller}</dd>
        {call.queueId && (
          <>
            <dt>Queue</dt>
            <dd>{call.queueId}</dd>
          </>
        )}
        <ContextDetails call={call} />
      </dl>
      {answer ? (
        <button type="button" className="primary" onClick={() => void answer().catch(report)}>
          Answer
        </button>
      ) : (
        <p>Pick up your phone to answer.</p>
      )}
    </div>
  );
}

function ContextDetails({ call }: { call: Call }) {
  const emergency = emergencyOf(call);
  const context = call.context as Record<string, unknown>;
  const driver = emergency ?? (context.driver as typeof emergency);
  return (
    <>
      {driver?.driverName !== undefined && (
        <>
          <dt>Driver</dt>
          <dd>
            {driver.driverName} {driver.driverId !== undefined && `(${driver.driverId})`}
          </dd>
        </>
      )}
      {driver?.vehiclePlate && (
        <>
          <dt>Vehicle</dt>
          <dd>{driver.vehiclePlate}</dd>
        </>
      )}
      {driver?.location && (
        <>
          <dt>Location</dt>
          <dd>
            <a href={mapLink(driver.location)} target="_blank" rel="noreferrer" data-testid="map-link">
              {driver.location.lat.toFixed(5)}, {driver.location.lng.toFixed(5)} (map)
            </a>
          </dd>
        </>
      )}
    </>
  );
}

/** One of the agent's calls with its controls; `last`: the call they were last on, to read only. */
function CallCard({ call, agent, last = false }: { call: Call; agent: Agent; last?: boolean }) {
  const { api, report } = useLive();
  const now = useServerNow();
  const seconds = talkSeconds(call, now);
  const live = !last && call.status !== 'ended' && call.status !== 'failed';
  const other = call.direction === 'outbound' ? call.to : call.from;
  const emergency = emergencyOf(call);
  const openTransfer = call.transfers?.find((t) => t.status === 'ringing' || t.status === 'consulting');
  const path = { callId: call.id };
  const act = (run: () => Promise<unknown>) => () => void run().catch(report);
  const [target, setTarget] = useState('');
  const [digits, setDigits] = useState('');
  const targetedHere = call.legs.some(
    (leg) => leg.role === 'transfer_target' && leg.agentId === agent.id && leg.status !== 'ended',
  );
  return (
    <div
      className={`card call ${emergency && live ? 'alarm' : ''}`}
      data-testid="call"
      data-status={call.status}
    >
      <h3>
        {last ? 'Last call' : emergency && live ? 'EMERGENCY call' : 'Call'} with {other}
      </h3>
      <p className="call-status">
        <span className={`badge status-${call.status}`} data-testid="call-status">
          {STATUS_TEXT[call.status]}
        </span>{' '}
        {seconds !== undefined && (
          <span className="timer" data-testid="call-timer" title="Talk time">
            {clockText(seconds)}
          </span>
        )}
        {call.endReason && <span> ({call.endReason.replace('_', ' ')})</span>}
        {last && call.agentId && call.agentId !== agent.id && <span> · now with {call.agentId}</span>}
      </p>
      {emergency && (
        <dl>
          <ContextDetails call={call} />
        </dl>
      )}
      {openTransfer && (
        <p data-testid="transfer-status">
          {openTransfer.kind} transfer to {openTransfer.to}: {openTransfer.status}
        </p>
      )}
      {live && !targetedHere && (
        <div className="actions">
          <button type="button" onClick={act(() => api.hangupCall({ path }))} className="danger">
            Hang up
          </button>
          {call.status === 'on_hold' ? (
            <button type="button" onClick={act(() => api.unholdCall({ path }))}>
              Unhold
            </button>
          ) : (
            <button
              type="button"
              onClick={act(() => api.holdCall({ path }))}
              disabled={call.status !== 'answered'}
            >
              Hold
            </button>
          )}
          {openTransfer?.kind === 'attended' && (
            <>
              <button
                type="button"
                className="primary"
                onClick={act(() => api.completeCallTransfer({ path }))}
                disabled={openTransfer.status !== 'consulting'}
              >
                Complete transfer
              </button>
              <button type="button" onClick={act(() => api.cancelCallTransfer({ path }))}>
                Cancel transfer
              </button>
            </>
          )}
        </div>
      )}
      {live && !targetedHere && call.status === 'answered' && (
        <div className="call-tools">
          <label>
            Transfer or add
            <input
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              placeholder="agent id or number"
            />
          </label>
          <div className="actions">
            <button
              type="button"
              disabled={!target}
              onClick={act(() => api.transferCall({ path, body: { to: target, mode: 'blind' } }))}
            >
              Blind transfer
            </button>
            <button
              type="button"
              disabled={!target}
              onClick={act(() => api.transferCall({ path, body: { to: target, mode: 'attended' } }))}
            >
              Attended transfer
            </button>
            <button
              type="button"
              disabled={!target}
              onClick={act(() => api.addCallParticipant({ path, body: { to: target } }))}
            >
              Add to conference
            </button>
          </div>
          <label>
            DTMF
            <input value={digits} readOnly aria-live="polite" />
          </label>
          <Keypad
            label="DTMF key"
            onKey={(key) => {
              setDigits((d) => (d + key).slice(-16));
              api.sendCallDtmf({ path, body: { digits: key } }).catch(report);
            }}
          />
        </div>
      )}
    </div>
  );
}
