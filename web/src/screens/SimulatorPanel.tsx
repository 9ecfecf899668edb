import type { Schemas } from '@switchboard/client';
import { type FormEvent, useEffect, useState } from 'react';
import { useLive } from '../connection.tsx';

type Channel = Schemas['SimChannel'];
const STEPS_MS = [1_000, 5_000, 30_000, 300_000];
const SPEEDS = [1, 5, 10, 60];

/** Plays the phone system: call in, act as any remote party, move or run the virtual clock. */
export function SimulatorPanel() {
  const { driver } = useLive();
  if (driver !== 'simulator') {
    return <p>The simulator panel works with the simulator driver only (this server runs {driver}).</p>;
  }
  return (
    <section className="simulator" aria-labelledby="sim-title">
      <h2 id="sim-title">Simulator</h2>
      <div className="wall-grid">
        <Inbound />
        <Clock />
      </div>
      <Channels />
    </section>
  );
}

function Inbound() {
  const { api, report } = useLive();
  const [from, setFrom] = useState('+13125550142');
  const [to, setTo] = useState('');
  const place = (event: FormEvent) => {
    event.preventDefault();
    api.placeSimInbound({ body: { from, to } }).catch(report);
  };
  return (
    <form className="card" onSubmit={place} aria-label="Place an inbound call">
      <h3>Call in</h3>
      <label>
        From
        <input value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        To
        <input value={to} onChange={(e) => setTo(e.target.value)} placeholder="a line: +13125550199" />
      </label>
      <button type="submit" className="primary">
        Place inbound call
      </button>
    </form>
  );
}

function Clock() {
  const { api, state, virtualClock, report, noteServerTime } = useLive();
  const [now, setNow] = useState<string>();
  const showTime = (clock: { now: string }) => {
    setNow(clock.now);
    noteServerTime(clock.now);
  };
  const [speed, setSpeed] = useState(0);
  const advance = (ms: number) => api.advanceSimClock({ body: { ms } }).then(showTime).catch(report);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the clock is read again whenever something happened
  useEffect(() => {
    api.getSimClock().then(showTime).catch(report);
  }, [state.lastSeq]);
  // Running faster: the page moves virtual time in steps while it is open.
  // biome-ignore lint/correctness/useExhaustiveDependencies: advance is the same function in effect
  useEffect(() => {
    if (speed === 0) return;
    const timer = setInterval(() => void advance(250 * speed), 250);
    return () => clearInterval(timer);
  }, [speed]);
  if (!virtualClock) return <p className="card">The server runs on the real clock.</p>;
  return (
    <section className="card" aria-label="Virtual clock">
      <h3>Clock</h3>
      <p data-testid="sim-clock">{now ? new Date(now).toLocaleTimeString() : '…'}</p>
      <div className="actions">
        {STEPS_MS.map((ms) => (
          <button type="button" key={ms} onClick={() => void advance(ms)}>
            +{ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`}
          </button>
        ))}
      </div>
      <label className="inline">
        Run
        <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          <option value={0}>paused</option>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              ×{s}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function Channels() {
  const { api, state, report } = useLive();
  const [channels, setChannels] = useState<Channel[]>([]);
  const [version, setVersion] = useState(0);
  // Read again after every event (something may have rung or ended) and after every action.
  // biome-ignore lint/correctness/useExhaustiveDependencies: triggers, not inputs
  useEffect(() => {
    api.listSimChannels().then(setChannels).catch(report);
  }, [state.lastSeq, version]);
  const act = (run: () => Promise<unknown>) => () =>
    void run()
      .then(() => setVersion((v) => v + 1))
      .catch(report);
  return (
    <table className="card" aria-label="Simulator channels">
      <caption>Remote parties</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">Direction</th>
          <th scope="col">Party</th>
          <th scope="col">State</th>
          <th scope="col">Act as the party</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => (
          <ChannelRow key={channel.id} channel={channel} act={act} />
        ))}
      </tbody>
    </table>
  );
}

function ChannelRow({
  channel,
  act,
}: {
  channel: Channel;
  act: (run: () => Promise<unknown>) => () => void;
}) {
  const { api } = useLive();
  const [digits, setDigits] = useState('');
  const path = { channelId: channel.id };
  const ringing = channel.state === 'ringing';
  return (
    <tr data-testid={`channel-${channel.address}`}>
      <td>{channel.id}</td>
      <td>{channel.direction}</td>
      <td>{channel.address}</td>
      <td>
        {channel.state}
        {channel.held === true && ' (held)'}
      </td>
      <td className="actions">
        <button
          type="button"
          disabled={!ringing || channel.direction !== 'outbound'}
          onClick={act(() => api.simPartyAnswer({ path }))}
        >
          Answer
        </button>
        <button
          type="button"
          disabled={!ringing}
          onClick={act(() => api.simPartyReject({ path, body: { cause: 'busy' } }))}
        >
          Busy
        </button>
        <button type="button" onClick={act(() => api.simPartyHold({ path }))} disabled={ringing}>
          Hold
        </button>
        <button type="button" onClick={act(() => api.simPartyUnhold({ path }))} disabled={ringing}>
          Unhold
        </button>
        <input
          aria-label={`Keys for ${channel.address}`}
          value={digits}
          onChange={(e) => setDigits(e.target.value)}
          size={6}
          placeholder="42#"
        />
        <button
          type="button"
          disabled={!digits}
          onClick={act(() => api.simPartyDtmf({ path, body: { digits } }).then(() => setDigits('')))}
        >
          Press keys
        </button>
        <button type="button" className="danger" onClick={act(() => api.simPartyHangup({ path }))}>
          Hang up
        </button>
      </td>
    </tr>
  );
}
