/**
 * Permalinks of the report: each figure's experiment as a playground link (the page's own
 * codec, src/permalink), so a reader can open it live. The playground shows one K for all
 * the estimators of an experiment and one seed, so a figure with several K, seeds or
 * populations gets one link per setting the page can show.
 */
import type { EstimatorId, TaskId } from '../../core/config';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../../core/playground-config';
import { permalinkUrl } from '../../permalink/index';

/** Where the playground is served by default (`npm start`); `reproduce --base-url` points elsewhere. */
export const DEFAULT_BASE_URL = 'http://localhost:5173/';

export interface ReportLink {
  label: string;
  url: string;
}

export interface LinkSpec {
  task: TaskId;
  estimators: readonly EstimatorId[];
  pairs?: number;
  K?: number;
  R?: number;
  sigma?: number;
  optimizer?: PlaygroundConfig['optimizer'];
  lr?: number;
  seed?: number;
  iterations?: number;
  workers?: PlaygroundConfig['workers'];
  view?: Partial<PlaygroundConfig['view']>;
}

/** The playground configuration of a figure's experiment (the task's defaults elsewhere). */
export function linkConfig(spec: LinkSpec): PlaygroundConfig {
  const c = defaultPlaygroundConfig(spec.task);
  const K = spec.K ?? c.K;
  return {
    ...c,
    estimators: [...spec.estimators],
    pairs: spec.pairs ?? c.pairs,
    K,
    R: spec.R ?? K,
    workers: spec.workers ?? c.workers,
    sigma: spec.sigma !== undefined ? { kind: 'constant', sigma0: spec.sigma } : c.sigma,
    optimizer: spec.optimizer ?? c.optimizer,
    lr: spec.lr ?? c.lr,
    seed: spec.seed ?? c.seed,
    stop: spec.iterations !== undefined ? { kind: 'iterations', value: spec.iterations } : c.stop,
    view: { ...c.view, ...spec.view },
  };
}

export function reportLink(baseUrl: string, label: string, spec: LinkSpec): ReportLink {
  return { label, url: permalinkUrl(baseUrl, linkConfig(spec)) };
}
