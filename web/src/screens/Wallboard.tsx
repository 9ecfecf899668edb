import { useState } from 'react';
import { useLive } from '../connection.tsx';
import { clockText, mapLink, STATUS_TEXT, talkSeconds, timeText, useServerNow } from '../format.ts';
import { type Agent, type Emergency, isLive } from '../live-store.ts';

const STATES: readonly Agent['status']['state'][] = [
  'available',
  'reserved',
  'on_call',
  'wrap_up',
  'away',
  'offline',
];

/** The supervisor's wall: emergencies, queues, agents by state, live calls with monitoring. */
export function Wallboard() {
  const { state } = useLive();
  const emergencies = Object.values(state.emergencies).filter((e) => e.status !== 'ended');
  return (
    <section className="wallboard" aria-labelledby="wallboard-title">
      <h2 id="wallboard-title">Supervisor wallboard</h2>
      {emergencies.map((emergency) => (
        <EmergencyBanner key={emergency.id} emergency={emergency} />
      ))}
      <div className="wall-grid">
        <Queues />
        <AgentsByState />
      </div>
      <LiveCalls />
    </section>
  );
}

function EmergencyBanner({ emergency }: { emergency: Emergency }) {
  const { state } = useLive();
  const dispatcher = emergency.dispatcherId ? state.agents[emergency.dispatcherId] : undefined;
  return (
    <div className="banner alarm" role="alert" data-testid="emergency-banner">
      <strong>EMERGENCY</strong> driver {emergency.driverName ?? ''} ({String(emergency.driverId)})
      {emergency.vehiclePlate && <> · vehicle {emergency.vehiclePlate}</>} · {emergency.driverPhone}
      {emergency.location && (
        <>
          {' '}
          ·{' '}
          <a
            href={mapLink(emergency.location)}
            target="_blank"
            rel="noreferrer"
            data-testid="emergency-location"
          >
            {emergency.location.lat.toFixed(5)}, {emergency.location.lng.toFixed(5)}
          </a>
        </>
      )}{' '}
      · {emergency.status}
      {dispatcher && <> with {dispatcher.name}</>} · raised {timeText(emergency.raisedAt)}
    </div>
  );
}

function Queues() {
  const { state } = useLive();
  const queues = Object.values(state.queues);
  return (
    <table className="card" aria-label="Queues">
      <caption>Queues</caption>
      <thead>
        <tr>
          <th scope="col">Queue</th>
          <th scope="col">Waiting</th>
          <th scope="col">Longest wait</th>
          <th scope="col">Service level</th>
          <th scope="col">Agents available</th>
        </tr>
      </thead>
      <tbody>
        {queues.map((queue) => {
          const stats = state.stats[queue.id];
          return (
            <tr key={queue.id} data-testid={`queue-${queue.id}`}>
              <th scope="row">{queue.name}</th>
              <td>{stats?.waiting ?? 0}</td>
              <td>{clockText((stats?.longestWaitMs ?? 0) / 1000)}</td>
              <td>{stats?.serviceLevel == null ? '—' : `${Math.round(stats.serviceLevel * 100)} %`}</td>
              <td>
                {stats?.agentsAvailable ?? 0} / {stats?.agentsLoggedIn ?? 0}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function AgentsByState() {
  const { state } = useLive();
  const agents = Object.values(state.agents);
  return (
    <section className="card" aria-label="Agents by state">
      <h3>Agents</h3>
      <ul className="state-counts">
        {STATES.map((s) => (
          <li key={s}>
            <span className={`badge state-${s}`}>{s.replace('_', ' ')}</span>{' '}
            {agents.filter((a) => a.status.state === s).length}
          </li>
        ))}
      </ul>
      <ul className="agent-list">
        {agents.map((agent) => (
          <li key={agent.id}>
            {agent.name}{' '}
            <span className={`badge state-${agent.status.state}`}>
              {agent.status.state.replace('_', ' ')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function LiveCalls() {
  const { api, state, report } = useLive();
  const now = useServerNow();
  const supervisors = Object.values(state.agents).filter((a) => a.roles.includes('supervisor'));
  const [supervisorId, setSupervisorId] = useState('');
  const calls = Object.values(state.calls).filter(isLive);
  const monitor = (callId: string, mode: 'listen' | 'whisper' | 'barge') =>
    void api.monitorCall({ path: { callId }, body: { supervisorId, mode } }).catch(report);
  return (
    <div className="card">
      <h3>Live calls</h3>
      <label className="inline">
        Monitor as
        <select value={supervisorId} onChange={(e) => setSupervisorId(e.target.value)}>
          <option value="">(choose a supervisor)</option>
          {supervisors.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <table aria-label="Live calls">
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Status</th>
            <th scope="col">Agent</th>
            <th scope="col">Talk</th>
            <th scope="col">Monitor</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => {
            const seconds = talkSeconds(call, now);
            const monitored = (call.monitors ?? []).some((m) => m.status !== 'ended');
            return (
              <tr key={call.id} className={call.flags?.emergency ? 'alarm-row' : ''}>
                <td>{call.from}</td>
                <td>{call.to}</td>
                <td>{STATUS_TEXT[call.status]}</td>
                <td>{call.agentId ? (state.agents[call.agentId]?.name ?? call.agentId) : ''}</td>
                <td>{seconds === undefined ? '' : clockText(seconds)}</td>
                <td className="actions">
                  {(['listen', 'whisper', 'barge'] as const).map((mode) => (
                    <button
                      key={mode}
                      type="button"
                      disabled={!supervisorId || call.status !== 'answered'}
                      onClick={() => monitor(call.id, mode)}
                    >
                      {mode}
                    </button>
                  ))}
                  {monitored && (
                    <button
                      type="button"
                      onClick={() => void api.endCallMonitor({ path: { callId: call.id } }).catch(report)}
                    >
                      stop
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
