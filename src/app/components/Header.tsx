import { PRESETS } from '../../content/presets';
import { type BackendInfo, describeBackend } from '../../platform/backend-info';
import { useConfig, useController, useSim } from '../context';
import { ExportMenu } from './ExportMenu';
import { ImportButton, ImportDropZone } from './ImportFile';
import { ShareMenu } from './ShareMenu';

function BackendBadge({ backend, phase, path }: { backend: BackendInfo | null; phase: 'starting' | 'ready' | 'failed'; path: 'fused' | 'ops' | undefined }) {
  if (!backend) {
    return (
      <span className={`badge ${phase === 'failed' ? 'failed' : 'pending'}`} data-testid="backend-badge" data-backend="" title="Selecting a tfjs backend in the engine worker…">
        {phase === 'failed' ? 'no backend' : 'starting engine…'}
      </span>
    );
  }
  const software = backend.label === 'WebGPU (software)';
  return (
    <span
      className={`badge ${backend.name}${software ? ' software' : ''}`}
      data-testid="backend-badge"
      data-backend={backend.name}
      data-path={path ?? ''}
      title={`${describeBackend(backend)}${path === 'fused' ? '\nThe run uses fused WGSL kernels: whole truncations per dispatch, noise generated on the GPU.' : path === 'ops' ? '\nThe run uses tfjs op by op.' : ''}`}
      tabIndex={0}
    >
      {backend.label}
      {path === 'fused' ? ' · fused kernels' : null}
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
  return (
    <header className="app-header">
      <div className="brand">
        <h1>ES Playground</h1>
        <span className="tagline">evolution-strategies gradient estimators on unrolled computation graphs</span>
      </div>
      <BackendBadge backend={backend} phase={phase} path={path} />
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
