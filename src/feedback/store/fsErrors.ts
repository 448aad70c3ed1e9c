// Reading Node's file-system errors: which errno, and a plain message to put in a problem report.

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
