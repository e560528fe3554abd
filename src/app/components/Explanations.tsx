import { ESTIMATORS } from '../../core/estimators/index';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { ESTIMATOR_DOCS } from '../../content/estimator-docs';
import { presetById } from '../../content/presets';
import type { EstimatorId } from '../../core/config';
import { pathWord, rate } from '../compute-paths-text';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { presetChanges } from '../../state/config-store';
import { useConfig, useController, useSim } from '../context';
import { Tex } from './Tex';

const FOCUS_ANCHORS = {
  landscape: { href: '#landscape-title', text: 'Look at the landscape' },
  curves: { href: '#curves-title', text: 'Look at the training curves' },
  variance: { href: '#variance-title', text: 'Go to the variance figure' },
} as const;

/** How the commentary names a changed setting. */
const SETTING_NAMES: Readonly<Record<string, string>> = {
  task: 'task',
  estimators: 'estimators',
  pairs: 'N',
  T: 'T',
  K: 'K',
  R: 'R',
  workers: 'workers',
  burnIn: 'burn-in',
  rankShaping: 'rank shaping',
  sigmaChange: 'σ change policy',
  sigma: 'σ',
  optimizer: 'optimizer',
  lr: 'learning rate',
  adam: 'Adam β',
  seed: 'seed',
  stop: 'stop condition',
  theta0: 'θ₀',
};

/** The commentary of the loaded preset: the setup, then what to look at. */
export function PresetCommentary() {
  const controller = useController();
  const [expanded, setExpanded] = useState(false);
  const presetId = useConfig((s) => s.presetId);
  const preset = presetId ? presetById(presetId) : undefined;
  // Which settings no longer match the preset: the commentary then describes another run, and says so.
  const changed = useConfig(useShallow((s) => (preset ? presetChanges(s.config, preset).map((k) => SETTING_NAMES[k] ?? k) : [])));
  if (!preset) return null;
  return (
    <section className={`panel commentary${expanded ? ' expanded' : ''}`} aria-labelledby="commentary-title" data-testid="preset-commentary" data-preset={preset.id} data-modified={changed.length > 0 ? '1' : '0'}>
      <h2 id="commentary-title">
        {preset.title}
        {changed.length > 0 ? (
          <span className="tag modified" data-testid="preset-modified" title={`Changed since the preset was loaded: ${changed.join(', ')}`}>
            modified
          </span>
        ) : null}
      </h2>
      {changed.length > 0 ? (
        <p className="preset-modified-note">
          The settings differ from the preset ({changed.join(', ')}), so the run may not show what this text describes.{' '}
          <button type="button" className="button small" data-testid="preset-restore" onClick={() => controller.loadPreset(preset.id)}>
            Restore the preset
          </button>
        </p>
      ) : null}
      {preset.commentary.map((p, i) => (
        <p key={i} className={i > 0 ? 'commentary-more' : undefined}>
          {p}
        </p>
      ))}
      {/* Phones: the first paragraph, the rest on request, so the plots are not pushed a screen down. */}
      {preset.commentary.length > 1 ? (
        <p className="commentary-toggle">
          <button type="button" className="button small" aria-expanded={expanded} data-testid="commentary-toggle" onClick={() => setExpanded((e) => !e)}>
            {expanded ? 'Less' : `Read on (${preset.commentary.length - 1} more ${preset.commentary.length === 2 ? 'paragraph' : 'paragraphs'})`}
          </button>
        </p>
      ) : null}
      <p className="focus-link">
        <a href={FOCUS_ANCHORS[preset.focus].href}>{FOCUS_ANCHORS[preset.focus].text} ↓</a>
      </p>
    </section>
  );
}

/** Where the engine runs this estimator (its compute plan) and how fast that path measured. */
function EstimatorPath({ id }: { id: EstimatorId }) {
  const entry = useSim((s) => s.plan?.estimators.find((e) => e.id === id));
  if (!entry) return null;
  return (
    <p className="estimator-path" data-testid={`path-${id}`} data-path={entry.path}>
      Runs on {pathWord(entry.path)}
      {entry.updatesPerSecond !== null ? ` · measured ${rate(entry.updatesPerSecond)}` : ''}
    </p>
  );
}

/** Update rules of the estimators, as math, with what each one does. */
export function Explanations() {
  const selected = useConfig((s) => s.config.estimators);
  const shown = ESTIMATORS.filter((e) => selected.includes(e.id));
  const others = ESTIMATORS.filter((e) => !selected.includes(e.id));
  const card = (e: (typeof ESTIMATORS)[number]) => {
    const doc = ESTIMATOR_DOCS[e.id];
    return (
      <article key={e.id} className="estimator-card" data-testid={`explain-${e.id}`} style={{ borderColor: ESTIMATOR_COLORS[e.id] }}>
        <h3>
          <span className="swatch" style={{ background: ESTIMATOR_COLORS[e.id] }} aria-hidden="true" /> {e.title}
          <span className="cost">
            cost per update <Tex tex={doc.costTex} />
          </span>
        </h3>
        <Tex tex={doc.tex} display />
        <p>{doc.summary}</p>
        <EstimatorPath id={e.id} />
      </article>
    );
  };
  return (
    <section className="panel explanations" aria-labelledby="explain-title">
      <h2 id="explain-title">The estimators</h2>
      <p className="panel-note">
        Notation: an episode of T inner steps is cut into J = T/K truncations of K steps; one outer update per truncation. N antithetic pairs θ ± ε, ε ~ N(0, σ²I); ℓ_j is the loss of truncation j.
      </p>
      <div className="estimator-cards">{shown.map(card)}</div>
      {others.length > 0 ? (
        <details className="other-estimators">
          <summary>Other estimators ({others.map((e) => e.title).join(', ')})</summary>
          <div className="estimator-cards">{others.map(card)}</div>
        </details>
      ) : null}
    </section>
  );
}
