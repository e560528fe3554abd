import type { EstimatorId } from '../config';
import { createBptt } from './bptt';
import { checkTaskHorizon, type EstimatorFactory } from './estimator';
import { createFullEs } from './full-es';
import { createGpes } from './gpes';
import { createNres } from './nres';
import { createPes } from './pes';
import { createTbptt } from './tbptt';
import { createTes } from './tes';

export interface EstimatorInfo {
  id: EstimatorId;
  title: string;
  /** Whether it differentiates through the unroll (tfjs autodiff) rather than perturbing. */
  autodiff: boolean;
  /** Whether it advances one truncation per update (K matters) rather than whole episodes. */
  online: boolean;
  create: EstimatorFactory;
}

/** A factory that first checks the task's horizon (`checkTaskHorizon`). */
function checked(create: EstimatorFactory): EstimatorFactory {
  return (ctx) => {
    checkTaskHorizon(ctx.task, ctx.settings);
    return create(ctx);
  };
}

/** The registry: adding an estimator is one file plus one line here. */
export const ESTIMATORS: readonly EstimatorInfo[] = [
  { id: 'full-es', title: 'Full-unroll ES', autodiff: false, online: false, create: checked(createFullEs) },
  { id: 'tes', title: 'Truncated ES', autodiff: false, online: true, create: checked(createTes) },
  { id: 'pes', title: 'PES', autodiff: false, online: true, create: checked(createPes) },
  { id: 'nres', title: 'ES-Single / NRES', autodiff: false, online: true, create: checked(createNres) },
  { id: 'gpes', title: 'GPES_R', autodiff: false, online: true, create: checked(createGpes) },
  { id: 'tbptt', title: 'Truncated BPTT', autodiff: true, online: true, create: checked(createTbptt) },
  { id: 'bptt', title: 'Full BPTT', autodiff: true, online: false, create: checked(createBptt) },
];

export const ESTIMATOR_IDS: readonly EstimatorId[] = ESTIMATORS.map((e) => e.id);

export function estimatorInfo(id: EstimatorId): EstimatorInfo {
  const info = ESTIMATORS.find((e) => e.id === id);
  if (!info) throw new Error(`Unknown estimator "${id}". Valid: ${ESTIMATOR_IDS.join(', ')}`);
  return info;
}
