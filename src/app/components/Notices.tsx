import type { PlaygroundConfig } from '../../core/playground-config';
import type { BackendName } from '../../platform/backend-info';
import { useController, useSim } from '../context';
import { shareUrl } from '../permalink';

/** This experiment's link with ?backend= set (or, for null, without it): the page reopens it there (at iteration 0). */
function reopenHref(backend: BackendName | null, config: PlaygroundConfig): string {
  const url = new URL(shareUrl(config));
  if (backend) url.searchParams.set('backend', backend);
  return url.toString();
}

/** Errors and warnings, dismissible; the engine's fatal error is not (nothing can run without it). */
export function Notices() {
  const controller = useController();
  const notices = useSim((s) => s.notices);
  const fatal = useSim((s) => s.engine.fatal);
  return (
    <div className="notices" aria-live="polite">
      {fatal ? (
        <div className="notice error" role="alert" data-testid="error">
          <strong>The engine could not start.</strong> {fatal}
          <p>
            Try another backend: <a href="?backend=webgl">?backend=webgl</a> or <a href="?backend=cpu">?backend=cpu</a>.
          </p>
        </div>
      ) : null}
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'} data-testid={`notice-${n.kind}`}>
          <span>{n.text}</span>
          {n.action ? (
            <button
              type="button"
              className="button small"
              data-testid="notice-action"
              // The link is taken at the click: the experiment as the controls show it then.
              onClick={() => n.action && window.location.assign(reopenHref(n.action.backend, controller.configStore.getState().config))}
            >
              {n.action.label}
            </button>
          ) : null}
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => controller.dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
