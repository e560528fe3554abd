/**
 * The slice of the Plotly API the playground uses (plotly.js-cartesian-dist-min ships no
 * types). Figures are plain objects; see figures/*.ts for what goes in them.
 */
declare module 'plotly.js-cartesian-dist-min' {
  export type PlotData = Record<string, unknown>;
  export type PlotLayout = Record<string, unknown>;
  export type PlotConfig = Record<string, unknown>;

  export interface PlotlyStatic {
    react(root: HTMLElement, data: PlotData[], layout?: PlotLayout, config?: PlotConfig): Promise<HTMLElement>;
    /** Layout attributes by path (e.g. 'images[0].source'). */
    relayout(root: HTMLElement, update: Record<string, unknown>): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
    Plots: { resize(root: HTMLElement): Promise<void> | void };
  }

  const Plotly: PlotlyStatic;
  export default Plotly;
}
