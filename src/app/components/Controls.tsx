import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SigmaChangePolicy, TaskId, WorkerMode } from '../../core/config';
import { ESTIMATORS } from '../../core/estimators/index';
import type { PlaygroundConfig, StopCondition } from '../../core/playground-config';
import { SIGMA_SCHEDULE_KINDS, type SigmaSchedule, type SigmaScheduleKind } from '../../core/sigma-schedule';
import type { OptimizerName } from '../../core/task';
import { TASK_IDS } from '../../core/tasks/index';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { CONTROL_SECTIONS, type ControlSection, lessonSections } from '../../content/lessons';
import { TASK_VIEWS } from '../../content/task-views';
import { taskMeta } from '../../state/task-meta';
import { configIssues, RULES, truncationsOf } from '../../state/validation';
import { useConfig, useController, useSim } from '../context';
import { fmt } from '../figures/common';
import { holdBackgroundPlots } from '../usePlotly';
import { LogSlider } from './LogSlider';
import { NumberField } from './NumberField';
import { Tex } from './Tex';

/** Slider ranges: fixed, so a position means the same on every task. */
const SIGMA_SLIDER = { min: 1e-3, max: 10 };
const LR_SLIDER = { min: 1e-6, max: 1 };

function usePatch(): (patch: Partial<PlaygroundConfig>) => void {
  const controller = useController();
  return (patch) => controller.configStore.getState().patch(patch);
}

/** Whether `key` differs from the running session (shown as a "pending" dot). */
function usePending(key: keyof PlaygroundConfig): boolean {
  return useConfig((s) => JSON.stringify(s.config[key]) !== JSON.stringify(s.applied[key]));
}

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="control-section" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function PendingDot({ show }: { show: boolean }) {
  return show ? (
    <span className="pending-dot" title="applies on reset" aria-label="applies on reset">
      ●
    </span>
  ) : null;
}

function TaskSection() {
  const controller = useController();
  const task = useConfig((s) => s.config.task);
  const meta = taskMeta(task);
  return (
    <Section title="Task" testId="controls-task">
      <label className="field">
        <span className="sr-only">Task</span>
        <select data-testid="task-select" value={task} onChange={(e) => controller.setTask(e.target.value as TaskId)}>
          {TASK_IDS.map((id) => (
            <option key={id} value={id}>
              {taskMeta(id).title}
            </option>
          ))}
        </select>
      </label>
      <div className="task-formula" title={meta.formula}>
        <Tex tex={TASK_VIEWS[task].tex} display />
      </div>
      <p className="task-params">
        {meta.paramNames.length <= MAX_LISTED_PARAMS ? (
          <>
            θ = ({meta.paramNames.join(', ')}), θ₀ = ({meta.theta0.map((v) => fmt(v, 3)).join(', ')})
            {meta.optimum ? <>, θ* = ({meta.optimum.map((v) => fmt(v, 3)).join(', ')})</> : null}
          </>
        ) : (
          // Hundreds of network weights would flood the card: name the space and the first few.
          <span title={meta.paramNames.join(', ')}>
            θ ∈ ℝ<sup>{meta.paramNames.length}</sup> ({meta.paramNames.slice(0, 3).join(', ')}, …), θ₀ from the task
          </span>
        )}
      </p>
      <details className="task-description">
        <summary>About this task</summary>
        <p>{meta.description}</p>
      </details>
    </Section>
  );
}

/** Beyond this many parameters the task card summarises θ instead of listing it. */
const MAX_LISTED_PARAMS = 8;

function EstimatorSection() {
  const controller = useController();
  const selected = useConfig((s) => s.config.estimators);
  const pending = usePending('estimators');
  const diverged = useSim((s) => s.estimators);
  const divergedIds = useMemo(() => new Set(diverged.filter((e) => e.diverged).map((e) => e.id)), [diverged]);
  return (
    <Section title="Estimators" testId="controls-estimators">
      <p className="section-note">
        Each its own population, all on common random numbers. <PendingDot show={pending} />
      </p>
      <ul className="estimator-list">
        {ESTIMATORS.map((e) => (
          <li key={e.id}>
            <label className="checkbox">
              <input type="checkbox" data-testid={`estimator-toggle-${e.id}`} checked={selected.includes(e.id)} onChange={() => controller.configStore.getState().toggleEstimator(e.id)} />
              <span className="swatch" style={{ background: ESTIMATOR_COLORS[e.id] }} aria-hidden="true" />
              <span>{e.title}</span>
              {e.autodiff ? <span className="tag">autodiff</span> : null}
              {divergedIds.has(e.id) ? <span className="tag danger">diverged</span> : null}
            </label>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function pickUnroll(c: PlaygroundConfig) {
  return { task: c.task, pairs: c.pairs, T: c.T, K: c.K, R: c.R, estimators: c.estimators, workers: c.workers, burnIn: c.burnIn, rankShaping: c.rankShaping, sigmaChange: c.sigmaChange };
}

function UnrollSection() {
  const patch = usePatch();
  // Only the fields this section shows: a σ or learning-rate change must not re-render it.
  const config = useConfig(useShallow((s) => pickUnroll(s.config)));
  const pendingPairs = usePending('pairs');
  const pendingTK = useConfig((s) => s.config.T !== s.applied.T || s.config.K !== s.applied.K);
  const pendingR = usePending('R');
  const pendingWorkers = usePending('workers');
  const finiteT = Number.isFinite(config.T);
  const J = truncationsOf(config.T, config.K);
  const hasGpes = config.estimators.includes('gpes');
  const hasFullEs = config.estimators.includes('full-es');
  // R slider: multiples of K from K (PES) to T (NRES).
  const maxMultiple = finiteT && J !== null && Number.isInteger(J) ? J : 1;
  const multiple = Math.max(1, Math.min(maxMultiple, Math.round(config.R / config.K)));
  const setK = (K: number): void => {
    // R stays the same multiple of K where it can.
    patch({ K, R: K * Math.max(1, Math.round(config.R / config.K)) });
  };
  return (
    <Section title="Population and truncation" testId="controls-unroll">
      <NumberField label="N antithetic pairs" value={config.pairs} rule={RULES.pairs} onCommit={(pairs) => patch({ pairs })} testId="pairs" suffix={<PendingDot show={pendingPairs} />} hint={`2N = ${2 * config.pairs} particles per estimator`} />
      <div className="field-pair">
        {finiteT && taskMeta(config.task).fixedHorizon ? (
          <div className="field">
            <label>T episode</label>
            <p className="static-value" data-testid="T-fixed" title="This task's learning-rate schedule η_t runs over t/T: another T would extrapolate it (η_t turns negative past T)">
              {config.T} (fixed: the schedule is built for it)
            </p>
          </div>
        ) : finiteT ? (
          <NumberField label="T episode" value={config.T} rule={RULES.T} onCommit={(T) => patch({ T, R: Math.min(config.R, T) })} testId="T" />
        ) : (
          <div className="field">
            <label>T episode</label>
            <p className="static-value" title="This task never resets">
              ∞ (never resets)
            </p>
          </div>
        )}
        <NumberField label="K truncation" value={config.K} rule={RULES.K} onCommit={setK} testId="K" suffix={<PendingDot show={pendingTK} />} />
      </div>
      <p className="derived" data-testid="J">
        {J === null ? 'J = T/K: undefined (T = ∞), one update per truncation of K steps' : Number.isInteger(J) ? `J = T/K = ${J} truncation${J === 1 ? '' : 's'} per episode` : `J = T/K = ${fmt(J)} — K must divide T`}
      </p>
      <div className={`field r-slider${hasGpes ? '' : ' dim'}`}>
        <label htmlFor="r-slider">
          GPES resampling period R = {config.R} <PendingDot show={pendingR} />
        </label>
        <input
          id="r-slider"
          type="range"
          min={1}
          max={maxMultiple}
          step={1}
          value={multiple}
          disabled={!finiteT || maxMultiple < 2}
          data-testid="R"
          onChange={(e) => patch({ R: config.K * Number(e.target.value) })}
        />
        <div className="slider-scale">
          <span>PES (R = K)</span>
          <span>NRES (R = T)</span>
        </div>
        <p className="field-hint" data-testid="help-R">
          GPES redraws each pair&apos;s noise every R inner steps and sums the draws: R = K is PES, R ≥ T is NRES.{' '}
          {!hasGpes ? 'Only GPES_R uses R: tick it above to compare.' : ''}
        </p>
      </div>
      <fieldset className="field radio-row">
        <legend>
          Workers <PendingDot show={pendingWorkers} />
        </legend>
        {(['lockstep', 'unlocked'] as WorkerMode[]).map((w) => (
          <label key={w} className="radio">
            <input type="radio" name="workers" checked={config.workers === w} onChange={() => patch({ workers: w })} data-testid={`workers-${w}`} />
            {w === 'lockstep' ? 'lockstep' : 'step-unlocked'}
          </label>
        ))}
        <p className="field-hint" data-testid="help-workers">
          Lockstep: all pairs start at step 0, so an update sees one window. Step-unlocked: each pair starts at its own random truncation, so an update
          averages windows from across the episode (NRES paper).
        </p>
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" checked={config.burnIn} onChange={(e) => patch({ burnIn: e.target.checked })} data-testid="burn-in" />
        burn in one episode before the first update
      </label>
      <p className="field-hint" data-testid="help-burn-in">
        Unrolls one episode with θ fixed, gradients discarded, so the first update already sees particles mid-run.
      </p>
      <label className={`checkbox${hasFullEs ? '' : ' dim'}`}>
        <input type="checkbox" checked={config.rankShaping} onChange={(e) => patch({ rankShaping: e.target.checked })} data-testid="rank-shaping" />
        rank-based fitness shaping (full-unroll ES)
      </label>
      <p className={`field-hint${hasFullEs ? '' : ' dim'}`} data-testid="help-rank-shaping">
        Uses only the order of the 2N losses (centred ranks, −½ best … +½ worst), so one huge loss cannot swamp an update (evostrats, OpenAI&apos;s ES).
      </p>
      <label className="field">
        <span>σ change during an episode</span>
        <select value={config.sigmaChange} onChange={(e) => patch({ sigmaChange: e.target.value as SigmaChangePolicy })} data-testid="sigma-change">
          <option value="next-episode" disabled={!finiteT}>
            apply at each particle&apos;s next episode
          </option>
          <option value="rescale">apply at each pair&apos;s next noise draw</option>
        </select>
      </label>
      {!finiteT && config.estimators.includes('nres') ? (
        <p className="field-hint" data-testid="nres-never-resets-note">
          NRES on a task that never resets: there is no episode end to redraw at, so each pair keeps the noise it drew at the start for the whole
          run — N fixed directions, not the per-episode noise reuse of the NRES paper.
        </p>
      ) : null}
      {config.sigmaChange === 'rescale' && config.estimators.includes('nres') ? (
        <p className="field-hint" data-testid="nres-rescale-note">
          {finiteT ? '' : 'This task never resets, so σ changes must apply within the run. '}PES and GPES take a new σ at their next noise draw and stay
          unbiased; NRES draws once per episode, so it rescales its noise at once — its estimates after a σ change are biased until its next
          episode{finiteT ? '' : ' (here: for the rest of the run)'}.
        </p>
      ) : null}
    </Section>
  );
}

function defaultSchedule(kind: SigmaScheduleKind, sigma0: number, horizon: number): SigmaSchedule {
  switch (kind) {
    case 'constant':
      return { kind, sigma0 };
    case 'exponential':
      return { kind, sigma0, gamma: 0.995 };
    case 'linear':
    case 'cosine':
      return { kind, sigma0, sigma1: Number((sigma0 / 10).toPrecision(3)), steps: horizon };
    case 'step':
      return { kind, sigma0, gamma: 0.5, steps: Math.max(1, Math.round(horizon / 4)) };
  }
}

const SCHEDULE_LABELS: Record<SigmaScheduleKind, string> = {
  constant: 'constant',
  exponential: 'exponential σ₀γᵏ',
  linear: 'linear σ₀ → σ₁',
  cosine: 'cosine σ₀ → σ₁',
  step: 'step σ₀γ^⌊k/n⌋',
};

function SigmaSection() {
  const patch = usePatch();
  const sigma = useConfig((s) => s.config.sigma);
  const stop = useConfig((s) => s.config.stop);
  const sigmaNow = useSim((s) => s.sigma);
  const hasFrame = useSim((s) => s.hasFrame);
  const horizon = stop.kind === 'iterations' ? stop.value : 1000;
  const set = (next: SigmaSchedule): void => patch({ sigma: next });
  return (
    <Section title="Noise σ (live)" testId="controls-sigma">
      <div className="field">
        <div className="label-row">
          <span>{sigma.kind === 'constant' ? 'σ' : 'σ₀ (start)'}</span>
          <span className="live-readout" data-testid="sigma-readout">
            now {hasFrame ? fmt(sigmaNow) : '—'}
          </span>
        </div>
        <LogSlider
          label="σ"
          value={sigma.sigma0}
          min={SIGMA_SLIDER.min}
          max={SIGMA_SLIDER.max}
          onChange={(v) => {
            holdBackgroundPlots();
            set({ ...sigma, sigma0: v });
          }}
          testId="sigma-slider"
        />
        <NumberField label="σ₀ value" value={sigma.sigma0} rule={RULES.sigma} onCommit={(v) => set({ ...sigma, sigma0: v })} testId="sigma0" format={(v) => fmt(v)} />
      </div>
      <label className="field">
        <span>annealing schedule</span>
        <select value={sigma.kind} onChange={(e) => set(defaultSchedule(e.target.value as SigmaScheduleKind, sigma.sigma0, horizon))} data-testid="sigma-schedule">
          {SIGMA_SCHEDULE_KINDS.map((k) => (
            <option key={k} value={k}>
              {SCHEDULE_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {sigma.kind === 'linear' || sigma.kind === 'cosine' ? (
        <div className="field-pair">
          <NumberField label="σ₁ (end)" value={sigma.sigma1} rule={RULES.sigma} onCommit={(v) => set({ ...sigma, sigma1: v })} testId="sigma1" format={(v) => fmt(v)} />
          <NumberField label="over n updates" value={sigma.steps} rule={RULES.scheduleSteps} onCommit={(v) => set({ ...sigma, steps: v })} testId="sigma-steps" />
        </div>
      ) : null}
      {sigma.kind === 'exponential' ? <NumberField label="γ per update" value={sigma.gamma} rule={RULES.gamma} onCommit={(v) => set({ ...sigma, gamma: v })} testId="sigma-gamma" /> : null}
      {sigma.kind === 'step' ? (
        <div className="field-pair">
          <NumberField label="γ per step" value={sigma.gamma} rule={RULES.gamma} onCommit={(v) => set({ ...sigma, gamma: v })} testId="sigma-gamma" />
          <NumberField label="every n updates" value={sigma.steps} rule={RULES.scheduleSteps} onCommit={(v) => set({ ...sigma, steps: v })} testId="sigma-steps" />
        </div>
      ) : null}
    </Section>
  );
}

function OptimizerSection() {
  const patch = usePatch();
  const optimizer = useConfig((s) => s.config.optimizer);
  const lr = useConfig((s) => s.config.lr);
  const adam = useConfig(useShallow((s) => s.config.adam));
  const pending = usePending('optimizer');
  const pendingBetas = usePending('adam');
  return (
    <Section title="Outer optimizer" testId="controls-optimizer">
      <label className="field">
        <span>
          optimizer <PendingDot show={pending} />
        </span>
        <select value={optimizer} onChange={(e) => patch({ optimizer: e.target.value as OptimizerName })} data-testid="optimizer">
          <option value="sgd">SGD</option>
          <option value="adam">Adam</option>
        </select>
      </label>
      {optimizer === 'adam' ? (
        <div className="field-pair">
          <NumberField
            label="Adam β₁"
            value={adam.beta1}
            rule={RULES.adamBeta}
            onCommit={(beta1) => patch({ adam: { ...adam, beta1 } })}
            testId="adam-beta1"
            suffix={<PendingDot show={pendingBetas} />}
            hint="0.9 (Kingma & Ba); the PES paper's lr-schedule uses 0.99"
          />
          <NumberField label="Adam β₂" value={adam.beta2} rule={RULES.adamBeta} onCommit={(beta2) => patch({ adam: { ...adam, beta2 } })} testId="adam-beta2" />
        </div>
      ) : null}
      <div className="field">
        <div className="label-row">
          <span>learning rate (live)</span>
        </div>
        <LogSlider label="learning rate" value={lr} min={LR_SLIDER.min} max={LR_SLIDER.max} onChange={(v) => patch({ lr: v })} testId="lr-slider" />
        <NumberField label="learning rate value" value={lr} rule={RULES.lr} onCommit={(v) => patch({ lr: v })} testId="lr" format={(v) => fmt(v)} />
      </div>
    </Section>
  );
}

function RunSection() {
  const controller = useController();
  const patch = usePatch();
  const seed = useConfig((s) => s.config.seed);
  const stop = useConfig((s) => s.config.stop);
  const pendingSeed = usePending('seed');
  const setStop = (next: StopCondition): void => patch({ stop: next });
  return (
    <Section title="Run" testId="controls-run">
      <div className="field-pair seed-row">
        <NumberField label="seed" value={seed} rule={RULES.seed} onCommit={(v) => patch({ seed: v })} testId="seed" suffix={<PendingDot show={pendingSeed} />} />
        <button type="button" className="button small" data-testid="reseed" onClick={() => controller.configStore.getState().reseed()} title="Draw a new random seed (applies on reset)">
          reseed
        </button>
      </div>
      <label className="field">
        <span>stop when</span>
        <select
          value={stop.kind}
          data-testid="stop-kind"
          onChange={(e) => {
            const kind = e.target.value as StopCondition['kind'];
            setStop(kind === 'none' ? { kind } : kind === 'iterations' ? { kind, value: 1000 } : { kind, value: 1e-3 });
          }}
        >
          <option value="iterations">after N iterations</option>
          <option value="loss">an estimator&apos;s evaluation loss ≤</option>
          <option value="none">never (run until paused)</option>
        </select>
      </label>
      {stop.kind === 'iterations' ? <NumberField label="iterations" value={stop.value} rule={RULES.iterations} onCommit={(v) => setStop({ kind: 'iterations', value: v })} testId="stop-value" /> : null}
      {stop.kind === 'loss' ? <NumberField label="loss target" value={stop.value} rule={RULES.lossTarget} onCommit={(v) => setStop({ kind: 'loss', value: v })} testId="stop-value" format={(v) => fmt(v)} /> : null}
    </Section>
  );
}

function IssueList() {
  // The list, compared item by item: a valid σ input does not re-render it.
  const issues = useConfig(useShallow((s) => configIssues(s.config)));
  if (issues.length === 0) return null;
  return (
    <div className="issues" role="alert" data-testid="config-issues">
      <strong>Cannot apply yet:</strong>
      <ul>
        {issues.map((i) => (
          <li key={i}>{i}</li>
        ))}
      </ul>
    </div>
  );
}

const SECTION_VIEWS: Record<ControlSection, () => React.ReactNode> = {
  task: TaskSection,
  estimators: EstimatorSection,
  sigma: SigmaSection,
  optimizer: OptimizerSection,
  unroll: UnrollSection,
  run: RunSection,
};

/** In a lesson, what is left out and the way back to every setting. */
function LessonNote({ presetId }: { presetId: string }) {
  const controller = useController();
  const hidden = CONTROL_SECTIONS.length - lessonSections(presetId).length;
  return (
    <div className="lesson-note" data-testid="lesson-note">
      <p>Lesson view: the controls this lesson uses ({hidden} more sections hidden).</p>
      <button type="button" className="button small" data-testid="lesson-show-all" onClick={() => controller.configStore.getState().setLesson(false)}>
        Show all controls
      </button>
    </div>
  );
}

/** The left column: every setting of the experiment (in a lesson, the sections it needs). */
export function Controls() {
  const lessonPreset = useConfig((s) => (s.lesson ? s.presetId : null));
  const sections = lessonPreset ? CONTROL_SECTIONS.filter((id) => lessonSections(lessonPreset).includes(id)) : CONTROL_SECTIONS;
  return (
    <aside className={`controls${lessonPreset ? ' lesson' : ''}`} id="controls" aria-label="Experiment settings" data-lesson={lessonPreset ? '1' : '0'}>
      {lessonPreset ? <LessonNote presetId={lessonPreset} /> : null}
      <IssueList />
      {sections.map((id) => {
        const View = SECTION_VIEWS[id];
        return <View key={id} />;
      })}
    </aside>
  );
}
