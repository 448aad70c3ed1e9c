// The model's equations as MathML, built node by node (no markup strings). Chromium renders MathML Core
// natively, so no math library, fonts or inline styles are needed (KaTeX's HTML output relies on style
// attributes, which our CSP forbids).
import { fmt, mml, type Child } from './dom';

export const mi = (s: string): Element => mml('mi', {}, s);
export const mo = (s: string): Element => mml('mo', {}, s);
export const mn = (v: number): Element => mml('mn', { 'data-value': String(v) }, fmt(v));
export const mtext = (s: string): Element => mml('mtext', {}, s);
export const row = (...c: Child[]): Element => mml('mrow', {}, ...c);
export const sub = (base: Element, s: Element | string): Element => mml('msub', {}, base, typeof s === 'string' ? mi(s) : s);
export const sup = (base: Element, s: Element | string): Element => mml('msup', {}, base, typeof s === 'string' ? mml('mn', {}, s) : s);
export const frac = (a: Element, b: Element): Element => mml('mfrac', {}, a, b);
// U+02C6, not '^': Chromium draws the ASCII caret as a stretched wedge that sits left of an italic r.
export const hat = (base: Element): Element => mml('mover', { accent: 'true' }, base, mo('\u02c6'));
export const paren = (...c: Child[]): Element => row(mo('('), ...c, mo(')'));
export const norm2 = (x: Element): Element => sup(row(mo('‖'), x, mo('‖')), '2');

/** A signed number that reads well after an operator: negative values in parentheses. */
export const mnSigned = (v: number): Element => (v < 0 ? paren(mn(v)) : mn(v));

export function math(id: string, label: string, ...c: Child[]): Element {
  return mml('math', { display: 'block', id, 'aria-label': label }, row(...c));
}

// Common pieces.
const rhat = (): Element => sub(hat(mi('r')), 'ui');
const xu = (): Element => sub(mi('x'), 'u');
const yi = (): Element => sub(mi('y'), 'i');
const bi = (): Element => sub(mi('b'), 'i');
const cui = (): Element => sub(mi('c'), 'ui');
const pui = (): Element => sub(mi('p'), 'ui');
const rui = (): Element => sub(mi('r'), 'ui');
const eui = (): Element => sub(mi('e'), 'ui');

export function scoreEquation(): Element {
  return math('eq-score', 'predicted score', rhat(), mo('='), mi('μ'), mo('+'), bi(), mo('+'), xu(), mo('·'), yi(), mo('='), mi('μ'), mo('+'), bi(), mo('+'),
    mml('munderover', {}, mo('∑'), row(mi('f'), mo('='), mn(1)), mi('k')), sub(mi('x'), 'uf'), sub(mi('y'), 'if'));
}

export function confidenceEquation(alpha: number | null, epsilon: number | null): Element {
  const a = alpha === null ? mi('α') : mn(alpha);
  const e = epsilon === null ? mi('ε') : mn(epsilon);
  return math(alpha === null ? 'eq-confidence' : 'eq-confidence-now', 'confidence and preference',
    cui(), mo('='), mn(1), mo('+'), a, mo('⁢'), mi('log'), paren(mn(1), mo('+'), frac(rui(), e)), mo(','), mtext('\u2003'),
    pui(), mo('='), mn(1), mtext('\u00a0if\u00a0'), rui(), mo('>'), mn(0), mtext(',\u00a0else\u00a0'), mn(0));
}

/**
 * The training loss. `perVector`: the full implicit loss, whose penalty counts each vector once (sums over sessions and
 * items, no bias); else the sampled trainer's, whose penalty comes with every cell it visits.
 */
export function lossEquation(lambda: number | null, perVector = false): Element {
  const l = lambda === null ? mi('λ') : mn(lambda);
  const sum = (...under: Element[]): Element => mml('munder', {}, mo('∑'), row(...under));
  const penalty = perVector
    ? paren(sum(mi('u')), norm2(xu()), mo('+'), sum(mi('i')), norm2(yi()))
    : paren(norm2(xu()), mo('+'), norm2(yi()), mo('+'), sup(bi(), '2'));
  return math(lambda === null ? 'eq-loss' : 'eq-loss-now', 'loss', mi('L'), mo('='),
    sum(paren(mi('u'), mo(','), mi('i'))),
    frac(mn(1), mn(2)), cui(), sup(paren(pui(), mo('−'), rhat()), '2'), mo('+'),
    frac(l, mn(2)), penalty);
}

/** The SGD step's equations: symbols when `eta` is null, else with the numbers (the item's penalty `lambdaItem`, else lambda). */
export function updateEquations(eta: number | null, lambda: number | null, withBias: boolean, lambdaItem: number | null = lambda): Element[] {
  const n = (): Element => (eta === null ? mi('η') : mn(eta));
  const l = (): Element => (lambda === null ? mi('λ') : mn(lambda));
  const li = (): Element => (lambdaItem === null ? mi('λ') : mn(lambdaItem));
  const suffix = eta === null ? '' : '-now';
  const out = [
    math(`eq-error${suffix}`, 'error', eui(), mo('='), pui(), mo('−'), rhat()),
    math(`eq-x${suffix}`, 'session vector update', xu(), mo('←'), xu(), mo('+'), n(), paren(cui(), eui(), yi(), mo('−'), l(), xu())),
    math(`eq-y${suffix}`, 'item vector update', yi(), mo('←'), yi(), mo('+'), n(), paren(cui(), eui(), xu(), mo('−'), li(), yi())),
  ];
  if (withBias) out.push(math(`eq-b${suffix}`, 'item bias update', bi(), mo('←'), bi(), mo('+'), n(), paren(cui(), eui(), mo('−'), li(), bi())));
  return out;
}

/** The lecture's plain SGD, with its learning rate. */
export function lectureEquations(eta: number): Element[] {
  const w = (): Element => sub(mi('w'), 'u');
  const hh = (): Element => sub(mi('h'), 'i');
  return [
    math('eq-toy-score', 'lecture prediction', rhat(), mo('='), w(), mo('·'), hh()),
    math('eq-toy-error', 'lecture error', eui(), mo('='), rui(), mo('−'), rhat()),
    math('eq-toy-w', 'lecture user update', w(), mo('←'), w(), mo('+'), mn(eta), eui(), hh()),
    math('eq-toy-h', 'lecture item update', hh(), mo('←'), hh(), mo('+'), mn(eta), eui(), w()),
  ];
}
