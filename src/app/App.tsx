import { useEffect } from 'react';
import type { PlaygroundController } from '../state/controller';
import { Controls } from './components/Controls';
import { CurvesPanel } from './components/CurvesPanel';
import { Explanations, PresetCommentary } from './components/Explanations';
import { Header } from './components/Header';
import { LandscapePanel } from './components/LandscapePanel';
import { Notices } from './components/Notices';
import { RunBar } from './components/RunBar';
import { SharedReplay } from './components/SharedReplay';
import { VariancePanel } from './components/VariancePanel';
import { WorkerTimelinePanel } from './components/WorkerTimelinePanel';
import { ControllerContext } from './context';
import { shortcutFor } from './keyboard';
import './app.css';

function useKeyboardShortcuts(controller: PlaygroundController): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const action = shortcutFor(e.key, e.target, { ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey });
      if (!action) return;
      e.preventDefault();
      if (action === 'toggle') controller.toggle();
      else if (action === 'step') controller.step();
      else controller.reset();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller]);
}

export function App({ controller }: { controller: PlaygroundController }) {
  useKeyboardShortcuts(controller);
  return (
    <ControllerContext.Provider value={controller}>
      <div className="app">
        <Header />
        <RunBar />
        <div className="layout">
          <Controls />
          <main className="panels">
            <SharedReplay />
            <Notices />
            <PresetCommentary />
            <LandscapePanel />
            <CurvesPanel />
            <WorkerTimelinePanel />
            <VariancePanel />
            <Explanations />
          </main>
        </div>
        <footer className="app-footer">
          Keys: <kbd>space</kbd> play/pause · <kbd>→</kbd> step · <kbd>r</kbd> reset. Every number on this page is computed by the engine in a Web Worker (tfjs); see the estimators below for the
          update rules.
        </footer>
      </div>
    </ControllerContext.Provider>
  );
}
