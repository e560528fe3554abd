import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';

/** TeX rendered by KaTeX (bundled locally with its fonts; no network). */
export function Tex({ tex, display = false }: { tex: string; display?: boolean }) {
  const html = useMemo(() => katex.renderToString(tex, { displayMode: display, throwOnError: false, strict: 'ignore', output: 'htmlAndMathml' }), [tex, display]);
  return <span className={display ? 'tex tex-display' : 'tex'} dangerouslySetInnerHTML={{ __html: html }} />;
}
