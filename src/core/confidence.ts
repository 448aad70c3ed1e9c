// Hu, Koren & Volinsky (2008) eq. 6: confidence grows logarithmically with the raw signal r.
import { LatentInputError } from './errors';

/** c = 1 + alpha * log(1 + r / epsilon); r must be >= 0, alpha >= 0, epsilon > 0. */
export function confidence(r: number, alpha: number, epsilon: number): number {
  if (!Number.isFinite(r) || r < 0) throw new LatentInputError(`raw signal must be a finite number >= 0, got ${r}`);
  if (!Number.isFinite(alpha) || alpha < 0) throw new LatentInputError(`alpha must be a finite number >= 0, got ${alpha}`);
  if (!Number.isFinite(epsilon) || epsilon <= 0) throw new LatentInputError(`epsilon must be a finite number > 0, got ${epsilon}`);
  return 1 + alpha * Math.log(1 + r / epsilon);
}

/** Preference p = 1 where r > 0, else 0. */
export function preference(r: number): 0 | 1 {
  return r > 0 ? 1 : 0;
}
