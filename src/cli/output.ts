/**
 * JSON output: two-space indentation, arrays of plain values kept on one line (θ
 * vectors, surfaces), and every non-finite number written as null — so an infinite
 * horizon T (a task that never resets) reads `"T": null` and a diverged loss `null`.
 * Short records of plain values (history entries, table rows) stay on one line.
 */
export function toJson(value: unknown): string {
  return `${write(value, '')}\n`;
}

function isPlain(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/** Records of plain values and plain arrays (history entries, table rows) on one line when short. */
function inlineObject(value: Record<string, unknown>): string | null {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) return '{}';
  if (!entries.every(([, v]) => isPlain(v) || (Array.isArray(v) && v.length <= 8 && v.every(isPlain)))) return null;
  const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${write(v, '')}`).join(', ')}}`;
  return text.length <= 160 ? text : null;
}

function write(value: unknown, indent: string): string {
  if (value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return write(Array.from(value as unknown as ArrayLike<number>), indent);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isPlain)) return `[${value.map((v) => write(v, inner)).join(', ')}]`;
    if (value.every((v) => Array.isArray(v) && v.every(isPlain))) {
      const text = `[${value.map((v) => write(v, inner)).join(', ')}]`;
      if (text.length <= 160) return text;
    }
    return `[\n${value.map((v) => `${inner}${write(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const flat = inlineObject(value as Record<string, unknown>);
    if (flat !== null) return flat;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return 'null';
}
