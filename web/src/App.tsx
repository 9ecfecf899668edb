import { type ReactNode, useEffect, useState } from 'react';
import { Connection, useLive } from './connection.tsx';
import { AgentPanel } from './screens/AgentPanel.tsx';
import { CallLog } from './screens/CallLog.tsx';
import { SimulatorPanel } from './screens/SimulatorPanel.tsx';
import { Wallboard } from './screens/Wallboard.tsx';

const SCREENS = {
  agent: { title: 'Agent', render: () => <AgentPanel /> },
  wallboard: { title: 'Wallboard', render: () => <Wallboard /> },
  log: { title: 'Call log', render: () => <CallLog /> },
  simulator: { title: 'Simulator', render: () => <SimulatorPanel /> },
} satisfies Record<string, { title: string; render: () => ReactNode }>;
type ScreenName = keyof typeof SCREENS;

/** The screen named by the address's fragment (`#wallboard`), so a wall TV can open its screen directly. */
function useScreen(): [ScreenName, (name: ScreenName) => void] {
  const [screen, setScreen] = useState(screenInAddress);
  useEffect(() => {
    const onHash = () => setScreen(screenInAddress());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return [screen, (name) => (location.hash = name)];
}

function screenInAddress(): ScreenName {
  const name = location.hash.slice(1);
  return (name in SCREENS ? name : 'agent') as ScreenName;
}

export function App() {
  return <Connection>{(problem) => <Shell problem={problem} />}</Connection>;
}

function Shell({ problem }: { problem: string | undefined }) {
  const { state, driver } = useLive();
  const [screen, setScreen] = useScreen();
  const emergencies = Object.values(state.emergencies).filter((e) => e.status !== 'ended').length;
  return (
    <>
      <header>
        <h1>Switchboard</h1>
        <nav aria-label="Screens">
          {(Object.keys(SCREENS) as ScreenName[])
            .filter((name) => name !== 'simulator' || driver === 'simulator')
            .map((name) => (
              <button
                type="button"
                key={name}
                aria-current={name === screen ? 'page' : undefined}
                onClick={() => setScreen(name)}
              >
                {SCREENS[name].title}
                {name === 'wallboard' && emergencies > 0 && (
                  <span className="badge alarm"> {emergencies}</span>
                )}
              </button>
            ))}
        </nav>
        <span className={`connection ${state.status}`} role="status" data-testid="connection">
          {state.status}
        </span>
      </header>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <main>{SCREENS[screen].render()}</main>
    </>
  );
}
