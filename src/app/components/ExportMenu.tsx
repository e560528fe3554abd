import { useCallback, useRef, useState } from 'react';
import type { PlaygroundConfig } from '../../core/playground-config';
import { describeConfig, type PinnedPoint } from '../../permalink/index';
import type { PlaygroundController } from '../../state/controller';
import { useController, useSim } from '../context';
import { downloadPlotPng, downloadText } from '../export/files';
import { experimentJson, fileStem, plotExports } from '../export/tables';
import { useDismiss } from '../useDismiss';

/**
 * The experiment as the running session has it (fields waiting for a reset are not part
 * of its curves), pinned at the iteration on screen when the run can be replayed there.
 */
function exportedExperiment(controller: PlaygroundController): { config: PlaygroundConfig; pin: PinnedPoint | undefined } {
  const pinned = controller.pinOfRun();
  if (pinned.ok) return { config: pinned.config, pin: pinned.pin };
  const { config, applied } = controller.configStore.getState();
  return { config: { ...applied, sigma: config.sigma, lr: config.lr, stop: config.stop, view: config.view }, pin: undefined };
}

/** Export: the experiment and its curves as JSON, each plot's data as CSV and each plot as PNG. */
export function ExportMenu() {
  const controller = useController();
  const [open, setOpen] = useState(false);
  const closeMenu = useCallback(() => setOpen(false), []);
  const [failure, setFailure] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // While open, the list follows the data (re-renders with every frame only then).
  const live = useSim((s) => (open ? s : null));

  useDismiss(open, closeMenu, box);

  const sim = live ?? controller.simStore.getState();
  const { config, pin } = exportedExperiment(controller);
  const stem = fileStem(config, sim.iteration);
  const plots = open ? plotExports(config, sim) : [];

  const saveJson = (): void => {
    const { config: c, pin } = exportedExperiment(controller);
    const s = controller.simStore.getState();
    downloadText(`${fileStem(c, s.iteration)}.json`, experimentJson(c, pin, s), 'application/json');
  };

  const savePng = async (testId: string, name: string, title: string): Promise<void> => {
    setFailure(null);
    const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
    if (!el?.querySelector('.main-svg')) {
      setFailure(`${name}: the plot is not drawn yet.`);
      return;
    }
    try {
      await downloadPlotPng(el, `${stem}-${name}`, { title: `${title} — ES Playground`, settings: `${describeConfig(config, pin)}${pin ? '' : `, iteration ${sim.iteration}`}` });
    } catch (e) {
      setFailure(`${name}: the image could not be made (${e instanceof Error ? e.message : String(e)}).`);
    }
  };

  return (
    <div className="share" ref={box}>
      <button type="button" className="button" data-testid="export" aria-expanded={open} onClick={() => setOpen((o) => !o)} title="Download the experiment (JSON), a plot's data (CSV) or a plot (PNG)">
        Export
      </button>
      {open ? (
        <div className="share-panel" role="dialog" aria-label="Export" data-testid="export-panel">
          <div className="share-actions">
            <button type="button" className="button small" data-testid="export-json" onClick={saveJson} title="Configuration, the iteration it is at, and all curves; Import opens it again">
              Experiment + curves (JSON)
            </button>
          </div>
          <table className="export-table">
            <tbody>
              {plots.map((p) => {
                const drawn = document.querySelector(`[data-testid="${p.testId}"] .main-svg`) !== null;
                if (!drawn && p.csv === null) return null;
                return (
                  <tr key={p.id}>
                    <th scope="row">{p.title}</th>
                    <td>
                      <button
                        type="button"
                        className="button small"
                        data-testid={`export-csv-${p.id}`}
                        disabled={p.csv === null}
                        title={p.csv === null ? 'No data yet' : `${p.title}: the plotted numbers as CSV`}
                        onClick={() => p.csv !== null && downloadText(`${stem}-${p.id}.csv`, p.csv, 'text/csv')}
                      >
                        CSV
                      </button>
                    </td>
                    <td>
                      {/* A plot with no data yet is an empty frame, not a picture of the experiment. */}
                      <button
                        type="button"
                        className="button small"
                        data-testid={`export-png-${p.id}`}
                        disabled={!drawn || p.csv === null}
                        title={p.csv === null ? 'Nothing drawn yet' : `${p.title} as a picture, with a title and the settings`}
                        onClick={() => void savePng(p.testId, p.id, p.title)}
                      >
                        PNG
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {failure ? (
            <p className="share-manual-hint" role="alert">
              {failure}
            </p>
          ) : null}
          <p className="muted share-note">Files are made in the page; nothing is uploaded.</p>
        </div>
      ) : null}
    </div>
  );
}
