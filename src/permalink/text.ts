/**
 * Number ↔ text for links (exact: the shortest decimal that reads back to the same double),
 * and safe quoting of decoded input inside messages.
 */

/**
 * Exact, compact text of a number: the shortest decimal that reads back to the same double,
 * plain or with an exponent, whichever is shorter; '-0', 'inf', '-inf', 'nan'.
 */
export function formatNumber(x: number): string {
  if (Object.is(x, -0)) return '-0';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return 'nan';
  const plain = String(x);
  if (Number.isInteger(x)) return plain; // 10000, not 1e4 (String switches to 1e21 itself)
  // 1.2345678901234568e-5 beats 0.000012345678901234568; 1e-4 beats 0.0001. Both are the
  // shortest digits that read back to x.
  const exp = x.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Strict number parsing: a decimal literal (optionally with exponent) or inf/nan; anything
 * else (hex, '', whitespace, '1,5', '12px') comes back unchanged as a string, so the
 * validator can say what was wrong. `Number('')` would silently give 0.
 */
export function parseNumber(s: string): number | string {
  if (DECIMAL.test(s)) return Number(s);
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan') return Number.NaN;
  return s;
}

const SHOWN_CHARS = 24;

/**
 * A decoded value as it may appear inside a message: strings are cut to 24 characters and
 * anything outside [A-Za-z0-9 ._,:=+-] becomes '?', so no markup, script or control
 * character from a link ever reaches the page through a warning.
 */
export function show(v: unknown): string {
  switch (typeof v) {
    case 'string': {
      const cut = v.length > SHOWN_CHARS ? v.slice(0, SHOWN_CHARS) : v;
      return `"${cut.replace(/[^A-Za-z0-9 ._,:=+-]/g, '?')}${v.length > SHOWN_CHARS ? '…' : ''}"`;
    }
    case 'number':
      return formatNumber(v);
    case 'boolean':
      return String(v);
    case 'undefined':
      return 'nothing';
    case 'object':
      if (v === null) return 'null';
      return Array.isArray(v) ? 'a list' : 'an object';
    default:
      return `a ${typeof v}`;
  }
}

/** Up to `max` shown values, then '…'. */
export function showList(values: readonly unknown[], max = 5): string {
  const head = values.slice(0, max).map(show).join(', ');
  return values.length > max ? `${head}, … (${values.length} in all)` : head;
}

/** decodeURIComponent that never throws (a malformed escape leaves the text as it is). */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
