// What the compaction worker (compactWorker.ts) tells the host, and the check the host applies to it.
export type CompactWorkerMessage =
  | { type: 'problem'; kind: string; message: string }
  | { type: 'done'; ok: boolean }
  | { type: 'failed'; message: string };

/** The message, or undefined when it is not one of the worker's. */
export function parseCompactWorkerMessage(v: unknown): CompactWorkerMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.type === 'problem' && typeof o.kind === 'string' && typeof o.message === 'string') return { type: 'problem', kind: o.kind, message: o.message };
  if (o.type === 'done' && typeof o.ok === 'boolean') return { type: 'done', ok: o.ok };
  if (o.type === 'failed' && typeof o.message === 'string') return { type: 'failed', message: o.message };
  return undefined;
}
