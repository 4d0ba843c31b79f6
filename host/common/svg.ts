// Small helpers for hand-written SVG and HTML: escaping and a few shapes. No library: the
// report is a single self-contained file a browser opens offline.

/** Escapes text for XML/HTML content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Attrs = Record<string, string | number | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join('');
}

/** A number with at most `digits` decimals, no trailing zeros (compact coordinates). */
export function num(v: number, digits = 1): string {
  return Number(v.toFixed(digits)).toString();
}

export function rect(x: number, y: number, w: number, h: number, a: Attrs = {}, title?: string): string {
  const open = `<rect${attrs({ x: num(x), y: num(y), width: num(Math.max(0, w)), height: num(Math.max(0, h)), ...a })}`;
  return title === undefined ? `${open}/>` : `${open}><title>${esc(title)}</title></rect>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): string {
  return `<line${attrs({ x1: num(x1), y1: num(y1), x2: num(x2), y2: num(y2), ...a })}/>`;
}

export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return `<text${attrs({ x: num(x), y: num(y), ...a })}>${esc(content)}</text>`;
}

export function svg(width: number, height: number, body: string[], label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" role="img" aria-label="${esc(label)}" font-family="sans-serif" font-size="11">\n${body.join('\n')}\n</svg>`;
}

/** Distinct colours for boards (colour-blind friendly: Okabe-Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A "nice" axis maximum at or above v: 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
