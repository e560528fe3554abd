import { describe, expect, it } from 'vitest';
import { contourLevels, contourSegments, DIVERGED_COLOR, gridImage, gridImageSource, gridOf, landscape2dFigure, lossColor } from './landscape';

describe('landscape grid image', () => {
  it('colours like the heatmap: the scale over zRange, clamped, NaN left out', () => {
    expect(lossColor(0, 0, 1)).toEqual([0xfb, 0xfc, 0xfd]);
    expect(lossColor(1, 0, 1)).toEqual([0x2e, 0x3c, 0x4c]);
    expect(lossColor(-5, 0, 1)).toEqual(lossColor(0, 0, 1));
    expect(lossColor(7, 0, 1)).toEqual(lossColor(1, 0, 1));
    // Halfway between the 0.25 and 0.75 stops is the 0.5 stop.
    expect(lossColor(0.5, 0, 1)).toEqual([0xb3, 0xc0, 0xcc]);
    expect(lossColor(Number.NaN, 0, 1)).toBeNull();
  });

  it('traces iso-lines through the cell centres', () => {
    // z rises along x: the 0.5 line is vertical, halfway between the columns.
    expect(contourSegments([[0, 1], [0, 1]], [0.5])).toEqual([0.5, 0, 0.5, 1]);
    // A NaN corner: nothing drawn in that cell.
    expect(contourSegments([[0, 1], [Number.NaN, 1]], [0.5])).toEqual([]);
    expect(contourLevels(0, 15, 14)).toEqual(Array.from({ length: 14 }, (_, k) => k + 1));
    expect(contourLevels(1, 1)).toEqual([]);
  });

  it('draws one rect per run of a colour, NaN in the diverged colour, and the contours', () => {
    const { z } = gridOf([1, 1, 2, Number.NaN, 5, 5], 3, 2, 'linear');
    const svg = decodeURIComponent(gridImageSource(z, [1, 5], true).replace('data:image/svg+xml;charset=utf-8,', ''));
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 3 2"/);
    const rects = [...svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)"[^>]*fill="([^"]+)"/g)].map((m) => m.slice(1));
    // The first grid row (smallest y) is the image's bottom row.
    expect(rects).toEqual([
      ['0', '1', '2', '#fbfcfd'],
      ['2', '1', '1', expect.stringMatching(/^#[0-9a-f]{6}$/)],
      ['0', '0', '1', DIVERGED_COLOR],
      ['1', '0', '2', '#2e3c4c'],
    ]);
    expect(svg).toContain('<path d="M');
    expect(decodeURIComponent(gridImageSource(z, [1, 5], false))).not.toContain('<path');
  });

  it('puts the image over the cells and keeps the heatmap trace for hover and the colour bar', () => {
    const x = [0, 1, 2];
    const y = [10, 20];
    expect(gridImage(x, y, 'data:')).toMatchObject({ x: -0.5, y: 25, sizex: 3, sizey: 20, xanchor: 'left', yanchor: 'top', layer: 'below' });
    const grid = gridOf([1, 2, 3, 4, 5, 6], 3, 2, 'linear');
    const figure = landscape2dFigure({
      axes: { paramNames: ['a', 'b'], bounds: [[0, 2], [10, 20]], optimum: null },
      dim: 2,
      x,
      y,
      grid,
      image: 'data:image/svg+xml,x',
      zRange: [1, 6],
      scale: 'linear',
      contours: true,
      title: 'L',
      showColorbar: true,
      estimators: [],
      uirevision: 'u',
    });
    expect(figure.data.map((t) => t.type)).toEqual(['heatmap']);
    expect(figure.data[0]).toMatchObject({ opacity: 0, showscale: true });
    expect((figure.layout.images as unknown[])[0]).toMatchObject({ source: 'data:image/svg+xml,x' });
  });
});
