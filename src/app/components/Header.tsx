import { PRESETS } from '../../content/presets';
import type { PlanSummary } from '../../engine/protocol';
import { type BackendInfo, describeBackend } from '../../platform/backend-info';
import { badgeText, planDescription } from '../compute-paths-text';
import { useConfig, useController, useSim } from '../context';
import { ExportMenu } from './ExportMenu';
import { ImportButton, ImportDropZone } from './ImportFile';
import { ShareMenu } from './ShareMenu';

function BackendBadge({ backend, phase, path, plan }: { backend: BackendInfo | null; phase: 'starting' | 'ready' | 'failed'; path: 'fused' | 'ops' | 'mixed' | undefined; plan: PlanSummary | null }) {
  if (!backend) {
    return (
      <span className={`badge ${phase === 'failed' ? 'failed' : 'pending'}`} data-testid="backend-badge" data-backend="" title="Selecting a tfjs backend in the engine worker…">
        {phase === 'failed' ? 'no backend' : 'starting engine…'}
      </span>
    );
  }
  const software = backend.label === 'WebGPU (software)';
  const text = badgeText(backend, plan);
  return (
    <span
      className={`badge ${plan?.ops ?? backend.name}${software ? ' software' : ''}`}
      data-testid="backend-badge"
      data-backend={backend.name}
      data-ops={plan?.ops ?? ''}
      data-path={path ?? ''}
      title={`${describeBackend(backend)}${plan ? `\n${planDescription(plan)}` : ''}`}
      tabIndex={0}
    >
      {text}
      {backend.fallbackReason ? <span aria-label="fell back from another backend"> ⚠</span> : null}
    </span>
  );
}

function PresetMenu() {
  const controller = useController();
  const presetId = useConfig((s) => s.presetId);
  return (
    <label className="preset-menu">
      <span className="sr-only">Preset</span>
      <select
        data-testid="preset-select"
        value={presetId ?? ''}
        onChange={(e) => {
          if (e.target.value) controller.loadPreset(e.target.value);
        }}
      >
        <option value="">Presets…</option>
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Header() {
  const backend = useSim((s) => s.engine.backend);
  const phase = useSim((s) => s.engine.phase);
  const path = useSim((s) => s.computePath);
  const plan = useSim((s) => s.plan);
  return (
    <header className="app-header">
      <div className="brand">
        <h1>ES Playground</h1>
        <span className="tagline">evolution-strategies gradient estimators on unrolled computation graphs</span>
      </div>
      <BackendBadge backend={backend} phase={phase} path={path} plan={plan} />
      <div className="header-actions">
        <PresetMenu />
        <ShareMenu />
        <ExportMenu />
        <ImportButton />
        <ImportDropZone />
      </div>
    </header>
  );
}
