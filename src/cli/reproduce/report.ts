/**
 * The report of a `reproduce` run: `index.html`, self-contained (Plotly inlined from
 * node_modules/plotly.js-cartesian-dist-min, every figure's data embedded, a
 * Content-Security-Policy that allows nothing off the page, so it opens from disk and
 * fetches nothing), and `report.md`, the same sections in Markdown with the figures as
 * PNGs under `figures/` (drawn from index.html by scripts/report-figures.mjs).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BASE_CONFIG } from '../../app/plotly-config';
import type { ReportSection } from './sections';

export interface ReportRun {
  quick: boolean;
  seed: number;
  jobs: number;
  /** Seconds the run took (null when the report is redrawn from a folder). */
  seconds: number | null;
  backend: string;
  generated: string;
  baseUrl: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Plotly's cartesian bundle, as shipped in node_modules. */
export async function plotlySource(): Promise<string> {
  const pkg = createRequire(import.meta.url).resolve('plotly.js-cartesian-dist-min/package.json');
  const js = await readFile(join(dirname(pkg), 'plotly-cartesian.min.js'), 'utf8');
  if (/<\/script/i.test(js)) throw new Error('plotly bundle contains </script: cannot inline it');
  return js;
}

/** No network, no other file: scripts and styles inline, images from data: URLs only. */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const STYLE = `
:root { --ink: #27313b; --muted: #5e6b78; --line: #e3e8ee; --ok: #1b7f3b; --bad: #b3261e; --bg: #f7f9fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 Inter, system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.banner { background: #fff4d6; border: 1px solid #e9cf7a; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 22px 0; }
.verdict { display: inline-block; font-weight: 600; padding: 1px 8px; border-radius: 10px; font-size: 12px; }
.verdict.agrees { background: #e3f4e8; color: var(--ok); }
.verdict.differs { background: #fbe6e4; color: var(--bad); }
.src { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
.claim { margin: 8px 0; }
.label { font-weight: 600; }
ul { margin: 4px 0 8px 18px; padding: 0; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; margin: 12px 0; }
figure { margin: 0; }
.plot { height: 340px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
details { margin-top: 8px; }
.settings td:first-child { width: 220px; color: var(--muted); }
.links a { margin-right: 14px; }
.explain { border-left: 3px solid var(--bad); padding: 4px 10px; background: #fdf5f4; margin: 8px 0; }
code { font-size: 12px; }
`;

/** The HTML report. `plotly` is the Plotly bundle's source (plotlySource()). */
export function renderHtml(sections: readonly ReportSection[], run: ReportRun, plotly: string): string {
  const agree = sections.filter((s) => s.verdict === 'agrees').length;
  const figures = sections.flatMap((s) => s.figures.map((f) => ({ id: `${s.name}--${f.id}`, data: f.figure.data, layout: f.figure.layout })));
  const row = (s: ReportSection): string =>
    `<tr><td><a href="#${esc(s.name)}">${esc(s.title)}</a></td><td><span class="verdict ${s.verdict}">${s.verdict}</span></td><td>${esc(s.verdictText)}</td></tr>`;
  const section = (s: ReportSection): string => `
<section id="${esc(s.name)}" data-verdict="${s.verdict}">
  <h2>${esc(s.title)} <span class="verdict ${s.verdict}">${s.verdict}</span></h2>
  <p class="src">${esc(s.source)}</p>
  <p class="claim"><span class="label">The paper claims.</span> ${esc(s.claim)}</p>
  <p class="label">We measured</p>
  <ul>${s.measured.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>
  <p><span class="label">Verdict.</span> ${esc(s.verdictText)}</p>
  ${s.explanation ? `<p class="explain"><span class="label">Why it differs.</span> ${esc(s.explanation)}</p>` : ''}
  <div class="plots">${s.figures
    .map((f) => `<figure><div class="plot" id="${esc(`${s.name}--${f.id}`)}" data-figure="${esc(`${s.name}--${f.id}`)}"></div><figcaption>${esc(f.caption)}</figcaption></figure>`)
    .join('')}</div>
  <p class="links"><span class="label">Open live in the playground:</span> ${s.links.map((l) => `<a href="${esc(l.url)}" target="_blank" rel="noopener">${esc(l.label)}</a>`).join(' ')}</p>
  <details><summary>Exact settings</summary><table class="settings">${s.settings.map(([k, v]) => `<tr><td>${esc(k)}</td><td><code>${esc(v)}</code></td></tr>`).join('')}</table></details>
</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ES Playground — reproduction report${run.quick ? ' (quick)' : ''}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>ES Playground — reproduction report</h1>
<p class="sub">${run.quick ? 'Quick (smoke) run' : 'Full run'} · seed ${run.seed} · ${run.jobs} worker process${run.jobs === 1 ? '' : 'es'} on the ${esc(run.backend)} backend${run.seconds !== null ? ` · ${Math.round(run.seconds)} s` : ''} · ${esc(run.generated)} · ${agree} of ${sections.length} figures agree with the papers</p>
${run.quick ? '<p class="banner" data-testid="quick-banner">Quick run: every figure at smoke-test scale. It shows that the pipeline and the figures work; its verdicts mean nothing. Run <code>npm run -s cli -- reproduce</code> (about half an hour on two cores) for the real numbers.</p>' : ''}
<p>Each section states what the paper claims (with its numbers and where), what this run measured, and a verdict. Playground links open the experiment live; they point at <code>${esc(run.baseUrl)}</code> (<code>npm start</code>; <code>reproduce --base-url</code> changes it).</p>
<table id="verdicts"><thead><tr><th>Figure</th><th>Verdict</th><th>By how much</th></tr></thead><tbody>${sections.map(row).join('')}</tbody></table>
${sections.map(section).join('\n')}
</main>
<script>${plotly}</script>
<script type="application/json" id="figures">${scriptJson(figures)}</script>
<script>
(function () {
  var figures = JSON.parse(document.getElementById('figures').textContent);
  var config = ${scriptJson({ ...BASE_CONFIG, responsive: true })};
  var drawn = 0;
  figures.forEach(function (f) {
    var el = document.getElementById(f.id);
    Plotly.newPlot(el, f.data, f.layout, config).then(function () {
      el.setAttribute('data-drawn', '1');
      drawn += 1;
      if (drawn === figures.length) document.body.setAttribute('data-figures-drawn', String(drawn));
    });
  });
})();
</script>
</body>
</html>
`;
}

/** The Markdown report: the same sections, figures as `figures/<section>--<figure>.png`. */
export function renderMarkdown(sections: readonly ReportSection[], run: ReportRun): string {
  const agree = sections.filter((s) => s.verdict === 'agrees').length;
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [
    '# ES Playground — reproduction report',
    '',
    `${run.quick ? 'Quick (smoke) run' : 'Full run'} · seed ${run.seed} · ${run.jobs} worker process${run.jobs === 1 ? '' : 'es'} on the ${run.backend} backend${run.seconds !== null ? ` · ${Math.round(run.seconds)} s` : ''} · ${run.generated} · ${agree} of ${sections.length} figures agree with the papers.`,
    '',
    'Generated by `npm run -s cli -- reproduce` (the interactive version, with every figure drawn, is the run folder\'s `index.html`). Each section states what the paper claims, what this run measured and a verdict; the links open the experiment live in the playground (`npm start`).',
    '',
    '| Figure | Verdict | By how much |',
    '|---|---|---|',
    ...sections.map((s) => `| [${cell(s.title)}](#${s.name}) | **${s.verdict}** | ${cell(s.verdictText)} |`),
    '',
  ];
  for (const s of sections) {
    out.push(
      `<a id="${s.name}"></a>`,
      `## ${s.title} — ${s.verdict}`,
      '',
      `*${s.source}*`,
      '',
      `**The paper claims.** ${s.claim}`,
      '',
      '**We measured**',
      '',
      ...s.measured.map((m) => `- ${m}`),
      '',
      `**Verdict.** ${s.verdictText}`,
      '',
      ...(s.explanation ? [`**Why it differs.** ${s.explanation}`, ''] : []),
      ...s.figures.flatMap((f) => [`![${f.caption}](figures/${s.name}--${f.id}.png)`, '', `*${f.caption}*`, '']),
      `**Open live:** ${s.links.map((l) => `[${l.label}](${l.url})`).join(' · ')}`,
      '',
      '<details><summary>Exact settings</summary>',
      '',
      '| setting | value |',
      '|---|---|',
      ...s.settings.map(([k, v]) => `| ${cell(k)} | \`${cell(v)}\` |`),
      '',
      '</details>',
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
