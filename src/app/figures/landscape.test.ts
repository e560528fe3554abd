import { describe, expect, it } from 'vitest';
import { blurBlanks, contourImageSource, contourLevels, contourPolylines, contourSegments, EMPTY_IMAGE, gridImages, gridOf, gridPixels, landscape1dFigure, landscape2dFigure, lossColor, rangeFollowing } from './landscape';

describe('landscape grid image', () => {
  it('colours like the heatmap: the scale over zRange, clamped, NaN left out', () => {
    expect(lossColor(0, 0, 1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(lossColor(1, 0, 1)).toEqual([0x44, 0x01, 0x54]);
    expect(lossColor(-5, 0, 1)).toEqual(lossColor(0, 0, 1));
    expect(lossColor(7, 0, 1)).toEqual(lossColor(1, 0, 1));
    // On a stop, the stop's colour; halfway between two stops, their mean.
    expect(lossColor(0.444, 0, 1)).toEqual([0x1f, 0x9e, 0x89]);
    expect(lossColor(0.5, 0, 1)?.map(Math.round)).toEqual([Math.round((0x1f + 0x26) / 2), Math.round((0x9e + 0x82) / 2), Math.round((0x89 + 0x8e) / 2)]);
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

  it('paints one pixel per cell, the first grid row at the bottom, NaN in the diverged colour', () => {
    const { z } = gridOf([1, 1, 2, Number.NaN, 5, 5], 3, 2, 'linear');
    const px = Array.from(gridPixels(z, [1, 5]));
    const pixel = (ix: number, row: number): number[] => px.slice((row * 3 + ix) * 4, (row * 3 + ix) * 4 + 4);
    // Image row 0 is the top: the second grid row (largest y).
    expect(pixel(0, 0)).toEqual([0xc2, 0x41, 0x0c, 255]);
    expect(pixel(1, 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(pixel(0, 1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(pixel(1, 1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(pixel(2, 1)).toEqual([...(lossColor(2, 1, 5) ?? []), 255]);
  });

  it('paints the cells the fast blur left blank grey, not in the diverged colour', () => {
    const raw = [1, 1, Number.NaN, 2];
    const blur = { values: [1, Number.NaN, Number.NaN, 2], source: 'blur' as const };
    const blank = blurBlanks(blur, raw);
    // NaN where the raw was finite: beyond the blur's reach; NaN where the raw diverged: diverged.
    expect(blank).toEqual([false, true, false, false]);
    expect(blurBlanks({ ...blur, source: 'monte-carlo' }, raw)).toBeUndefined();
    const { z } = gridOf(blur.values, 2, 2, 'linear');
    const px = Array.from(gridPixels(z, [1, 2], blank));
    const pixel = (ix: number, row: number): number[] => px.slice((row * 2 + ix) * 4, (row * 2 + ix) * 4 + 4);
    expect(pixel(1, 1)).toEqual([0xd5, 0xda, 0xe0, 255]); // grid (1, 0): blank
    expect(pixel(0, 0)).toEqual([0xc2, 0x41, 0x0c, 255]); // grid (0, 1): diverged
  });

  it('joins contour segments into polylines, each segment drawn once', () => {
    // A bowl: every level is a closed ring of segments.
    const n = 12;
    const z = Array.from({ length: n }, (_, iy) => Array.from({ length: n }, (_, ix) => (ix - 5.5) ** 2 + (iy - 5.5) ** 2));
    const seg = contourSegments(z, [4, 9, 16]);
    const lines = contourPolylines(seg);
    // Three rings: three polylines, closed (last point = first), with every segment in one of them.
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.slice(-2).map((v) => v.toFixed(6))).toEqual(line.slice(0, 2).map((v) => v.toFixed(6)));
    expect(lines.reduce((sum, line) => sum + line.length / 2 - 1, 0)).toBe(seg.length / 4);
    // Open lines (the 0.5 level of a ramp) stay whole too.
    const ramp = [[0, 1, 2], [0, 1, 2], [0, 1, 2]];
    const open = contourPolylines(contourSegments(ramp, [0.5]));
    expect(open).toHaveLength(1);
    const ys = (open[0] ?? []).filter((_, i) => i % 2 === 1);
    expect([ys[0], ys[2]].sort()).toEqual([0, 2]);
    expect((open[0] ?? []).filter((_, i) => i % 2 === 0)).toEqual([0.5, 0.5, 0.5]);
  });

  it('draws the contour lines as one SVG path in the cells\' frame, and nothing when no level crosses', () => {
    const { z } = gridOf([1, 2, 3, 4, 5, 6], 3, 2, 'linear');
    const svg = decodeURIComponent((contourImageSource(z, [1, 6]) ?? '').replace('data:image/svg+xml;charset=utf-8,', ''));
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 3 2"/);
    expect(svg.match(/<path d="M[^"]+"/g)).toHaveLength(1);
    expect(contourImageSource([[1, 1], [1, 1]], [0, 2])).toBeNull();
  });

  it('puts the image over the cells and keeps the heatmap trace for hover and the colour bar', () => {
    const x = [0, 1, 2];
    const y = [10, 20];
    const placed = gridImages(x, y, { cells: 'data:image/png;base64,x', contours: null });
    expect(placed[0]).toMatchObject({ source: 'data:image/png;base64,x', x: -0.5, y: 25, sizex: 3, sizey: 20, xanchor: 'left', yanchor: 'top', layer: 'below' });
    // No contour lines: an empty image in the second slot, so a relayout has fixed paths.
    expect(placed[1]).toMatchObject({ source: EMPTY_IMAGE, x: -0.5, sizey: 20 });
    // Not exactly the same placement: Plotly would draw the two as one image.
    expect(placed[1]?.sizex).not.toBe(placed[0]?.sizex);
    expect(placed[1]?.sizex).toBeCloseTo(3, 6);
    const grid = gridOf([1, 2, 3, 4, 5, 6], 3, 2, 'linear');
    const figure = landscape2dFigure({
      axes: { paramNames: ['a', 'b'], bounds: [[0, 2], [10, 20]], optimum: null },
      dim: 2,
      x,
      y,
      grid,
      image: { cells: 'data:image/png;base64,c', contours: 'data:image/svg+xml,k' },
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
    expect((figure.layout.images as unknown[]).map((i) => (i as { source: string }).source)).toEqual(['data:image/png;base64,c', 'data:image/svg+xml,k']);
  });
});

describe('the landscape axes follow the estimators', () => {
  it('widens the range to the estimators it would lose, with a margin, and never narrows it', () => {
    expect(rangeFollowing(-1, 1, [0, 0.5, Number.NaN])).toEqual([-1, 1]);
    const [lo, hi] = rangeFollowing(-1, 1, [1.56, 0.2]);
    expect(lo).toBe(-1);
    expect(hi).toBeCloseTo(1.56 + 0.05 * 2.56, 12);
    expect(rangeFollowing(-1, 1, [-3])[0]).toBeCloseTo(-3 - 0.2, 12);
  });

  it('influence balancing: TES at θ = 1.56 stays on the 1-D axis', () => {
    const tes = { id: 'tes' as const, title: 'TES', color: '#f80', theta: [1.56], grad: [0], evalLoss: 3, particles: new Float32Array(0), diverged: false, trail: [[0.5, 8], [1.56, 3]] as [number, number][] };
    const fig = landscape1dFigure({
      axes: { paramNames: ['θ'], bounds: [[-1, 1]], optimum: [-1 / 6] },
      x: [-1, 0, 1],
      raw: [1, 0, 1],
      smoothed: null,
      show: 'raw',
      scale: 'linear',
      estimators: [tes],
      uirevision: 'u',
    });
    const range = (fig.layout as { xaxis: { range: [number, number] } }).xaxis.range;
    expect(range[0]).toBe(-1);
    expect(range[1]).toBeGreaterThan(1.56);
    // Its loss (8 on the trail) is above the computed curve's (at most 1): the loss axis takes it in.
    expect((fig.layout as { yaxis: { range: [number, number] } }).yaxis.range[1]).toBeGreaterThan(8);
  });
});
