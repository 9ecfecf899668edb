import type { Args, DomainEvent, Schemas } from '@switchboard/client';
import { type FormEvent, useEffect, useState } from 'react';
import { useLive } from '../connection.tsx';
import { callsCsv } from '../csv.ts';
import { clockText, STATUS_TEXT, timeText } from '../format.ts';
import type { Call } from '../live-store.ts';

type Query = NonNullable<Args<'listCalls'>['query']>;
type Recording = Schemas['Recording'];

/** The call records: search and filter, then one call's timeline, IVR trace, transfers and recordings. */
export function CallLog() {
  const { api, state, report } = useLive();
  const [filters, setFilters] = useState<{ number: string; status: string; since: string; until: string }>({
    number: '',
    status: '',
    since: '',
    until: '',
  });
  const [calls, setCalls] = useState<Call[]>([]);
  const [selected, setSelected] = useState<string>();
  const [searchCount, setSearchCount] = useState(0);

  // Live: a call that ends is a new record, so the list is read again then (no polling).
  const ended = Object.values(state.calls).filter(
    (c) => c.status === 'ended' || c.status === 'failed',
  ).length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again on a search or a call ending, not on each keystroke
  useEffect(() => {
    const query: Query = { limit: 200 };
    if (filters.number) query.number = filters.number;
    if (filters.status) query.status = filters.status as Query['status'];
    if (filters.since) query.since = new Date(filters.since).toISOString();
    if (filters.until) query.until = new Date(filters.until).toISOString();
    api
      .listCalls({ query })
      .then((page) => setCalls(page.items))
      .catch(report);
  }, [searchCount, ended]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setSearchCount((n) => n + 1);
  };
  const csvHref = `data:text/csv;charset=utf-8,${encodeURIComponent(callsCsv(calls))}`;
  const field = (name: keyof typeof filters) => ({
    value: filters[name],
    onChange: (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [name]: e.target.value })),
  });
  return (
    <section className="call-log" aria-labelledby="log-title">
      <h2 id="log-title">Call log</h2>
      <form className="card filters" onSubmit={search} aria-label="Search calls">
        <label>
          Number
          <input {...field('number')} placeholder="+1312…" />
        </label>
        <label>
          Status
          <select {...field('status')}>
            <option value="">any</option>
            {Object.entries(STATUS_TEXT).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          Until
          <input type="datetime-local" {...field('until')} />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
        <a className="button" href={csvHref} download="calls.csv">
          Export CSV
        </a>
      </form>
      <div className="log-grid">
        <table className="card" aria-label="Calls">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Talk</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {calls.map((call) => (
              <tr key={call.id} aria-selected={call.id === selected} data-testid="log-row">
                <td>{timeText(call.startedAt)}</td>
                <td>{call.from}</td>
                <td>{call.to}</td>
                <td>
                  {STATUS_TEXT[call.status]}
                  {call.endReason ? ` (${call.endReason})` : ''}
                </td>
                <td>{call.duration === undefined ? '' : clockText(call.duration)}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => setSelected(call.id)}
                    aria-label={`Open call ${call.from} to ${call.to}`}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {selected && <CallDetail key={selected} callId={selected} />}
      </div>
    </section>
  );
}

/** How many pages of the event log a timeline reads at most (1,000 events each). */
const TIMELINE_PAGES = 20;

function CallDetail({ callId }: { callId: string }) {
  const { api, state, report } = useLive();
  const [call, setCall] = useState<Call>();
  const [timeline, setTimeline] = useState<DomainEvent[]>([]);
  const [recordings, setRecordings] = useState<Recording[]>([]);
  const live = state.calls[callId];
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again when the call changes
  useEffect(() => {
    // The route answers an outbound call log too when given its id; a call id gives the call.
    api
      .getCall({ path: { callId } })
      .then((found) => setCall('id' in found ? found : undefined))
      .catch(report);
    api.listRecordings({ query: { callId } }).then(setRecordings).catch(report);
    (async () => {
      const found: DomainEvent[] = [];
      let after = 0;
      for (let page = 0; page < TIMELINE_PAGES; page++) {
        const events = await api.listEvents({ query: { after, limit: 1000 } });
        found.push(...events.filter((e) => e.callId === callId));
        if (events.length < 1000) break;
        after = events.at(-1)!.seq;
      }
      setTimeline(found);
    })().catch(report);
  }, [callId, live?.status]);
  if (!call) return <p>Loading…</p>;
  const ivr = (call.context as { ivr?: unknown }).ivr;
  return (
    <section className="card call-detail" aria-label="Call detail" data-testid="call-detail">
      <h3>
        {call.from} → {call.to}
      </h3>
      <p>
        {STATUS_TEXT[call.status]} {call.endReason && `(${call.endReason})`}
        {call.duration !== undefined && <> · talk {clockText(call.duration)}</>}
      </p>
      <h4>Timeline</h4>
      <ol className="timeline" data-testid="timeline">
        {timeline.map((event) => (
          <li key={event.seq}>
            <time>{timeText(event.timestamp)}</time> {event.type}
            {'agentId' in event.data && typeof event.data.agentId === 'string' && ` · ${event.data.agentId}`}
          </li>
        ))}
      </ol>
      <h4>Transfers</h4>
      {call.transfers?.length ? (
        <ol data-testid="transfers">
          {call.transfers.map((transfer) => (
            <li key={transfer.id}>
              {transfer.kind} to {transfer.to}
              {transfer.from && ` from ${transfer.from}`}: {transfer.status}
            </li>
          ))}
        </ol>
      ) : (
        <p>None.</p>
      )}
      <h4>IVR trace</h4>
      {ivr ? <pre className="ivr-trace">{JSON.stringify(ivr, null, 2)}</pre> : <p>None.</p>}
      <h4>Recordings</h4>
      {recordings.length ? (
        recordings.map((recording) => <RecordingPlayer key={recording.id} recording={recording} />)
      ) : (
        <p>None.</p>
      )}
    </section>
  );
}

/** Fetches the file through the SDK (so an API key goes in a header) and plays it from memory. */
function RecordingPlayer({ recording }: { recording: Recording }) {
  const { api, report } = useLive();
  const [url, setUrl] = useState<string>();
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  const load = () =>
    void api
      .downloadRecording({ path: { recordingId: recording.id } })
      .then((bytes) => setUrl(URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }))))
      .catch(report);
  return (
    <div className="recording">
      <span>
        {recording.reason} · {recording.state}
        {recording.durationMs !== undefined && ` · ${clockText(recording.durationMs / 1000)}`}
      </span>{' '}
      {url ? (
        // biome-ignore lint/a11y/useMediaCaption: call recordings have no captions
        <audio controls autoPlay src={url} data-testid="recording-audio" />
      ) : (
        <button type="button" onClick={load} disabled={recording.state !== 'stopped'}>
          Play recording
        </button>
      )}
    </div>
  );
}
