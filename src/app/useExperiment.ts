import { useCallback, useEffect, useRef, useState } from 'react';
import { Trainer, defaultTrainConfig } from '../core/trainer';
import type { EstimatorId, TaskId } from '../core/config';
import { type BackendInfo, type BackendName, selectBackendOnce } from '../platform/backend';
import { type RunState, Runner, errorMessage, initialRunState } from './runner';

export interface ExperimentState {
  backend: BackendInfo | null;
  /** Backend selection or trainer construction failed (the run's own errors are in `run.error`). */
  setupError: string | null;
  run: RunState;
  totalIterations: number | null;
  toggle: () => void;
}

/**
 * Selects the tfjs backend, builds the default trainer for (task, estimator), and runs it
 * (auto-start). The trainer is disposed on unmount.
 */
export function useExperiment(task: TaskId, estimator: EstimatorId, requestedBackend?: BackendName): ExperimentState {
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [setupError, setSetupError] = useState<string | null>(null);
  const [run, setRun] = useState<RunState>(initialRunState);
  const [totalIterations, setTotalIterations] = useState<number | null>(null);
  const runnerRef = useRef<Runner | null>(null);

  useEffect(() => {
    let cancelled = false;
    let runner: Runner | null = null;
    setSetupError(null);
    setRun(initialRunState);

    async function setup(): Promise<void> {
      const info = await selectBackendOnce(requestedBackend);
      if (cancelled) return;
      setBackend(info);
      const config = defaultTrainConfig(task, estimator);
      const trainer = Trainer.create(config);
      if (cancelled) {
        trainer.dispose();
        return;
      }
      setTotalIterations(config.iterations);
      runner = new Runner(trainer, { iterations: config.iterations, recordEvery: 10 }, setRun);
      runnerRef.current = runner;
      runner.start();
    }

    setup().catch((e: unknown) => {
      if (!cancelled) setSetupError(errorMessage(e));
    });

    return () => {
      cancelled = true;
      runner?.dispose();
      if (runnerRef.current === runner) runnerRef.current = null;
    };
  }, [task, estimator, requestedBackend]);

  const toggle = useCallback(() => runnerRef.current?.toggle(), []);

  return { backend, setupError, run, totalIterations, toggle };
}
