import type { CommandName } from '../args';
import type { CommandHandler } from './common';

/**
 * Command handlers, loaded on demand: `loss` and `surface` never load the estimators
 * (and with them tfjs's gradient modules), so they start faster.
 */
export const COMMAND_HANDLERS: Readonly<Record<CommandName, () => Promise<CommandHandler>>> = {
  tasks: async () => (await import('./tasks')).tasksCommand,
  loss: async () => (await import('./loss')).lossCommand,
  train: async () => (await import('./train')).trainCommand,
  variance: async () => (await import('./variance')).varianceCommand,
  surface: async () => (await import('./surface')).surfaceCommand,
  reproduce: async () => (await import('./reproduce')).reproduceCommand,
};
