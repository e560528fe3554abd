import { useController, useSim } from '../context';

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
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => controller.dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
