import { useCallback, useRef } from 'react';
import { type Figure, usePlotly } from '../usePlotly';

interface PlotProps {
  figure: Figure;
  testId: string;
  /** Accessible description of what the plot shows. */
  label: string;
  className?: string;
  /** Extra data-* attributes (state the e2e tests and screen readers can read). */
  data?: Record<string, string | number>;
}

/** A Plotly plot over a figure object; Plotly owns the element's children, React its attributes. */
export function Plot({ figure, testId, label, className, data }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const onDrawn = useCallback((el: HTMLDivElement) => {
    el.dataset.drawn = String(Number(el.dataset.drawn ?? '0') + 1);
  }, []);
  usePlotly(ref, figure, onDrawn);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) attrs[`data-${k}`] = String(v);
  return <div ref={ref} className={`plot ${className ?? ''}`} data-testid={testId} role="img" aria-label={label} {...attrs} />;
}
