// Tiny DOM builders. Text goes in only through text nodes, attributes only from a fixed allow-list: workspace
// strings (file names like `<img src=x onerror=alert(1)>.ts`) can never become markup or handlers.

const ALLOWED_ATTRS = new Set([
  'class', 'id', 'role', 'title', 'tabindex', 'type', 'colspan', 'scope', 'open',
  'aria-label', 'aria-labelledby', 'aria-pressed', 'aria-live', 'aria-describedby', 'aria-hidden', 'aria-current', 'aria-valuenow',
  'aria-keyshortcuts',
  'data-item', 'data-value', 'data-step', 'data-factor', 'data-action', 'data-mode',
  // SVG geometry and presentation
  'viewBox', 'preserveAspectRatio', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'width', 'height', 'points',
  'd', 'text-anchor', 'dominant-baseline', 'fill-opacity', 'transform', 'focusable',
  // MathML
  'display', 'mathvariant', 'stretchy', 'form', 'accent',
]);

export type Attrs = Record<string, string | number | boolean | undefined>;
export type Child = Node | string | number | null | undefined | false;

function setAttrs(e: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (!ALLOWED_ATTRS.has(name)) throw new Error(`attribute ${name} is not allowed`);
    e.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(e: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

export function svg(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag) as SVGElement;
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

export function mml(tag: string, attrs: Attrs = {}, ...children: Child[]): Element {
  const e = document.createElementNS('http://www.w3.org/1998/Math/MathML', tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

/** Readable number: 4 decimals with trailing zeros dropped (0.655, 4.345, 0.4413); exponent when tiny or huge. */
export function fmt(v: number, digits = 4): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 10 ** -digits || a >= 1e6)) return v.toExponential(2);
  return rounded(v, digits);
}

/** `digits` decimals with trailing zeros dropped, never an exponent: a tiny value reads 0 (a table cell's width). */
export function rounded(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(digits).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** A number that shows rounded and keeps its full value in data-value (read by tests and tooltips). */
export function numEl(v: number, attrs: Attrs = {}): HTMLElement {
  return h('span', { class: 'num', 'data-value': String(v), title: String(v), ...attrs }, fmt(v));
}
