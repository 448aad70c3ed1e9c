// Typed errors so callers (worker, CLI, UI) can tell bad input from a failed training run.

/** Bad input: NaN/Infinity, negative confidence, out-of-range index, empty matrix, k = 0, ... */
export class LatentInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LatentInputError';
  }
}

/** The loss or the factors became non-finite (learning rate too large, confidence too high). */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/** A serialized model is malformed, of an unknown version, or inconsistent. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}
