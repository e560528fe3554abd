import type { PlotConfig } from 'plotly.js-cartesian-dist-min';

/** Plotly's config for every plot (the page's and the reproduce report's). */
export const BASE_CONFIG: PlotConfig = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toggleSpikelines'],
};
