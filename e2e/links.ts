/** Permalinks shared by the e2e tests and the benchmark (bench/run.ts). */

export const ALL_ESTIMATORS = 'full-es,tes,pes,nres,gpes,tbptt,bptt';

/**
 * Every size at its limit (LIMITS in src/core/playground-config.ts): N = 4096, T = K = 10 000, all 7 estimators.
 * On linear-quadratic: lr-schedule's horizon is fixed at T = 100 (its schedule is built for it).
 */
export const MAX_LINK =
  `#v1.task=linear-quadratic&est=${ALL_ESTIMATORS}&N=4096&T=10000&K=10000&R=10000&workers=lockstep&burnin=0&rank=0` +
  '&sigmachange=next-episode&sigma=constant,0.3&opt=adam&lr=0.01&seed=1&stop=iterations,1000000&theta0=task' +
  '&surface=raw&x=iteration&logy=1&var=update&speed=100';
