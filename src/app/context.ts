import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ConfigState } from '../state/config-store';
import type { PlaygroundController } from '../state/controller';
import type { SimState } from '../state/sim-store';

/** The app's one controller (and through it, its two stores). */
export const ControllerContext = createContext<PlaygroundController | null>(null);

export function useController(): PlaygroundController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('ControllerContext is missing');
  return c;
}

/** Subscribes a component to a slice of the configuration store. */
export function useConfig<T>(selector: (s: ConfigState) => T): T {
  return useStore(useController().configStore, selector);
}

/** Subscribes a component to a slice of the simulation store. */
export function useSim<T>(selector: (s: SimState) => T): T {
  return useStore(useController().simStore, selector);
}
