import type { EstimatorId } from '../config';
import { createBptt } from './bptt';
import type { EstimatorFactory } from './estimator';
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

/** The registry: adding an estimator is one file plus one line here. */
export const ESTIMATORS: readonly EstimatorInfo[] = [
  { id: 'full-es', title: 'Full-unroll ES', autodiff: false, online: false, create: createFullEs },
  { id: 'tes', title: 'Truncated ES', autodiff: false, online: true, create: createTes },
  { id: 'pes', title: 'PES', autodiff: false, online: true, create: createPes },
  { id: 'nres', title: 'ES-Single / NRES', autodiff: false, online: true, create: createNres },
  { id: 'gpes', title: 'GPES_R', autodiff: false, online: true, create: createGpes },
  { id: 'tbptt', title: 'Truncated BPTT', autodiff: true, online: true, create: createTbptt },
  { id: 'bptt', title: 'Full BPTT', autodiff: true, online: false, create: createBptt },
];

export const ESTIMATOR_IDS: readonly EstimatorId[] = ESTIMATORS.map((e) => e.id);

export function estimatorInfo(id: EstimatorId): EstimatorInfo {
  const info = ESTIMATORS.find((e) => e.id === id);
  if (!info) throw new Error(`Unknown estimator "${id}". Valid: ${ESTIMATOR_IDS.join(', ')}`);
  return info;
}
