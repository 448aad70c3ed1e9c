// The lecture's movie example (DESIGN.md section 2): three users, five movies, three known movie features.
// It is the webview's teaching example; the first replayed step is the lecture's "Alice rates Sholay" update.

export const TOY_USERS: readonly string[] = ['Alice', 'Bob', 'Carol'];
export const TOY_MOVIES: readonly string[] = ['Sholay', 'Swades', 'Batman', 'Interstellar', 'Shawshank'];
export const TOY_FEATURES: readonly string[] = ['Bollywood', 'Sci-Fi', 'Drama'];

/** Ratings, null where the user has not rated the movie (never treated as zero). */
export const TOY_RATINGS: readonly (readonly (number | null)[])[] = [
  [5, 4, 2, 3, 2],
  [null, 5, 1, 4, null],
  [4, null, 1, 5, null],
];

/** Known movie features (Bollywood, Sci-Fi, Drama), one row per movie. */
export const TOY_MOVIE_VECTORS: readonly (readonly number[])[] = [
  [0.95, 0.1, 0.85],
  [1.0, 0.2, 0.9],
  [0.05, 0.8, 0.3],
  [0.05, 0.95, 0.7],
  [0.05, 0.15, 0.95],
];

/**
 * Starting user vectors. Alice's is the lecture's; Bob's and Carol's are not given by the lecture and are
 * picked here (small, distinct) only so the replay can continue past Alice's row.
 */
export const TOY_USER_VECTORS: readonly (readonly number[])[] = [
  [0.4, 0.2, 0.3],
  [0.2, 0.4, 0.3],
  [0.3, 0.3, 0.2],
];

/** The lecture's plain SGD: learning rate 0.01, no regularization, no bias, confidence 1. */
export const TOY_LEARNING_RATE = 0.01;

export interface ToyCell {
  user: number;
  movie: number;
  rating: number;
}

/** Observed cells in row-major order, so the first is (Alice, Sholay, 5). */
export function toyCells(): ToyCell[] {
  const cells: ToyCell[] = [];
  TOY_RATINGS.forEach((row, user) =>
    row.forEach((rating, movie) => {
      if (rating !== null) cells.push({ user, movie, rating });
    }),
  );
  return cells;
}
