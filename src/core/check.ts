// One family of shape checks for everything that crosses a boundary as `unknown` (webview <-> host messages,
// worker <-> host messages): small combinators that return the value typed, or throw a ProtocolError naming the path
// of the first wrong field. Pure, so the webview bundle and the worker use the same code as the host.

export class ProtocolError extends Error {
  constructor(
    /** what is wrong, without the path */
    readonly detail: string,
    readonly path: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'ProtocolError';
  }
}

/** Returns `v` as a T, or throws ProtocolError at `path`. */
export type Check<T> = (v: unknown, path: string) => T;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export const fail = (path: string, what: string, v: unknown): never => {
  throw new ProtocolError(`expected ${what}, got ${describe(v)}`, path);
};

/** A plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a finite number', v));
/** A finite number > 0 (ridges, weights, half-lives, time gaps). */
export const positive: Check<number> = (v, p) => (num(v, p) > 0 ? (v as number) : fail(p, 'a number > 0', v));
export const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'a boolean', v));

/** A whole number >= 0 (ids, counts). */
export const count: Check<number> = (v, p) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(p, 'a non-negative integer', v));

/** A string of at most `max` characters (`nonEmpty`: at least one). */
export function str(max = Number.POSITIVE_INFINITY, nonEmpty = false): Check<string> {
  return (v, p) => {
    if (typeof v !== 'string') return fail(p, 'a string', v);
    if (v.length > max) throw new ProtocolError(`string longer than ${max}`, p);
    if (nonEmpty && v.length === 0) throw new ProtocolError('empty string', p);
    return v;
  };
}

/** An array of at most `max` elements, each checked. */
export function arr<T>(item: Check<T>, max = Number.POSITIVE_INFINITY): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'an array', v);
    if (v.length > max) throw new ProtocolError(`array longer than ${max}`, p);
    // Each element is checked at the array's path and named only if it fails: a path string per element was most
    // of the garbage of checking a model of 30,000 items as it arrived from the worker.
    return v.map((x, i) => {
      try {
        return item(x, p);
      } catch (e) {
        if (!(e instanceof ProtocolError) || !e.path.startsWith(p)) throw e;
        throw new ProtocolError(e.detail, `${p}[${i}]${e.path.slice(p.length)}`);
      }
    });
  };
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? null : c(v, p));
}

/** A field that may be absent (undefined), checked when present. */
export function optional<T>(c: Check<T>): Check<T | undefined> {
  return (v, p) => (v === undefined ? undefined : c(v, p));
}

export function literal<T extends string | number>(value: T): Check<T> {
  return (v, p) => (v === value ? value : fail(p, JSON.stringify(value), v));
}

/**
 * An object with exactly these own fields: an extra field is a protocol mismatch and is rejected, and only the
 * shape's own keys count (a field named `toString` or `__proto__` is not a field of every shape). An optional field
 * that is absent is absent from the result too.
 */
export function obj<T>(shape: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (v, p) => {
    if (!isRecord(v)) return fail(p, 'an object', v);
    for (const key of Object.keys(v)) if (!Object.prototype.hasOwnProperty.call(shape, key)) throw new ProtocolError(`unexpected field '${key}'`, p);
    const out: Partial<T> = {};
    for (const key of Object.keys(shape) as (keyof T & string)[]) {
      const value = shape[key](v[key], `${p}.${key}`);
      // An optional field that is absent stays absent (not a key holding undefined): the output has what was sent.
      if (value !== undefined) out[key] = value;
    }
    return out as T;
  };
}

/** A typed array of this kind, of exactly `length` elements when given. */
export function typed<T extends { readonly length: number }>(ctor: new (n: number) => T, length?: number): Check<T> {
  return (v, p) => {
    if (!(v instanceof ctor)) return fail(p, `a ${ctor.name}`, v);
    if (length !== undefined && v.length !== length) throw new ProtocolError(`has ${v.length} values, expected ${length}`, p);
    return v;
  };
}
