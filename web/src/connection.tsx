import {
  createClient,
  type DomainEvent,
  isApiError,
  type Operations,
  type SwitchboardClient,
} from '@switchboard/client';
import {
  createContext,
  type FormEvent,
  type ReactNode,
  useContext,
  useEffect,
  useReducer,
  useState,
} from 'react';
import { applyEvent, byId, EMPTY, type LiveState } from './live-store.ts';

/** What every screen reads: the API, the live state, and what the server runs on. */
export interface Live {
  readonly api: Operations;
  readonly client: SwitchboardClient;
  readonly state: LiveState;
  /** `simulator` or `ari`: the simulator panel and "answer" buttons exist with the simulator only. */
  readonly driver: string;
  readonly virtualClock: boolean;
  /** Reports an action's failure where the user sees it. */
  readonly report: (error: unknown) => void;
  /** Tells the console the server's time (the simulator panel, after moving the virtual clock). */
  readonly noteServerTime: (iso: string) => void;
}

const LiveContext = createContext<Live | undefined>(undefined);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <Connection>');
  return live;
}

// The key lives for this tab only, never in the address bar (where history and logs would keep it).
const KEY_STORAGE = 'switchboard.apiKey';

type Action =
  | { kind: 'reset'; state: Partial<LiveState> }
  | { kind: 'event'; event: Parameters<typeof applyEvent>[1] }
  | { kind: 'time'; at: number };

function reducer(state: LiveState, action: Action): LiveState {
  if (action.kind === 'event') return applyEvent(state, action.event);
  if (action.kind === 'time') return { ...state, lastEventAt: Math.max(state.lastEventAt, action.at) };
  return { ...state, ...action.state };
}

/**
 * Connects to the server that served the page: asks for an API key when the server wants one, opens
 * the event stream (which resumes by itself after a reconnect), loads the current state, and keeps it
 * current from the events.
 */
export function Connection({ children }: { children: (problem: string | undefined) => ReactNode }) {
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORAGE) ?? undefined);
  const [needsKey, setNeedsKey] = useState(false);
  const [client, setClient] = useState<SwitchboardClient>();
  const [server, setServer] = useState({ driver: 'simulator', virtualClock: false });
  const [problem, setProblem] = useState<string>();
  const [state, dispatch] = useReducer(reducer, EMPTY);

  useEffect(() => {
    const candidate = createClient(apiKey ? { apiKey } : {});
    let stop: (() => void) | undefined;
    let cancelled = false;
    (async () => {
      try {
        // A route behind the key tells whether one is needed (GET /health is open to all).
        await candidate.api.listAgents();
        const health = (await candidate.api.health()) as { driver?: string; clock?: string };
        if (cancelled) return;
        setNeedsKey(false);
        setServer({ driver: health.driver ?? 'simulator', virtualClock: health.clock === 'virtual' });
        const stream = candidate.events();
        // Queue figures change with callers and agents; they are read again after such events, at
        // most every 200 ms, rather than polled.
        let statsTimer: ReturnType<typeof setTimeout> | undefined;
        const refreshStats = () => {
          statsTimer ??= setTimeout(async () => {
            statsTimer = undefined;
            const queues = await candidate.api.listQueues();
            const stats = await Promise.all(
              queues.map((q) => candidate.api.getQueueStats({ path: { queueId: q.id } })),
            );
            dispatch({
              kind: 'reset',
              state: { queues: byId(queues), stats: byId(stats.map((s) => ({ ...s, id: s.queueId }))) },
            });
          }, 200);
        };
        // Events that come while the state is read wait, and those the reads may have missed follow them.
        let pending: DomainEvent[] | undefined = [];
        const apply = (event: DomainEvent) => {
          dispatch({ kind: 'event', event });
          if (event.type.startsWith('queue.') || event.type === 'agent.state') refreshStats();
        };
        const offEvent = stream.onAny((event) => (pending ? pending.push(event) : apply(event)));
        const offStatus = stream.onStatus((status) => dispatch({ kind: 'reset', state: { status } }));
        stop = () => {
          clearTimeout(statsTimer);
          offEvent();
          offStatus();
          stream.close();
        };
        // Read once the stream is live: an event committed after the reads began reaches it, none falls between.
        await stream.ready().catch(() => undefined);
        const readFrom = stream.lastSeq;
        const [agentsNow, queues, calls, emergencies] = await Promise.all([
          candidate.api.listAgents(),
          candidate.api.listQueues(),
          candidate.api.listCalls({ query: { limit: 100 } }),
          candidate.api.listEmergencies(),
        ]);
        const stats = await Promise.all(
          queues.map((q) => candidate.api.getQueueStats({ path: { queueId: q.id } })),
        );
        if (cancelled) return;
        dispatch({
          kind: 'reset',
          state: {
            agents: byId(agentsNow),
            queues: byId(queues),
            calls: byId(calls.items),
            emergencies: byId(emergencies),
            stats: Object.fromEntries(stats.map((s) => [s.queueId, s])),
          },
        });
        // What came before the reads began is in what they read; later events may be newer.
        for (const event of pending ?? []) if (event.seq > readFrom) apply(event);
        pending = undefined;
        setClient(candidate);
      } catch (error) {
        if (cancelled) return;
        if (isApiError(error, 'UNAUTHORIZED')) {
          sessionStorage.removeItem(KEY_STORAGE);
          setNeedsKey(true);
        } else setProblem(error instanceof Error ? error.message : String(error));
      }
    })();
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [apiKey]);

  if (needsKey) {
    return (
      <KeyPrompt
        rejected={apiKey !== undefined}
        onKey={(key) => {
          sessionStorage.setItem(KEY_STORAGE, key);
          setApiKey(key);
        }}
      />
    );
  }
  if (!client) return <p className="loading">{problem ?? 'Connecting to Switchboard…'}</p>;
  const live: Live = {
    api: client.api,
    client,
    state,
    driver: server.driver,
    virtualClock: server.virtualClock,
    report: (error) => setProblem(error instanceof Error ? error.message : String(error)),
    noteServerTime: (iso) => dispatch({ kind: 'time', at: Date.parse(iso) }),
  };
  return <LiveContext.Provider value={live}>{children(problem)}</LiveContext.Provider>;
}

function KeyPrompt({ rejected, onKey }: { rejected: boolean; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return (
    <form className="key-prompt" onSubmit={submit}>
      <h1>Switchboard</h1>
      <p>This server needs an API key (one of SWITCHBOARD_API_KEYS). It is kept for this tab only.</p>
      {rejected && <p role="alert">That key was refused.</p>}
      <label>
        API key
        <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <button type="submit">Connect</button>
    </form>
  );
}
