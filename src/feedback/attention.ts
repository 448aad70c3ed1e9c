// The arithmetic of attention, kept out of the vscode-bound tracker so it can be tested in plain Node. Pure.
import { LatentInputError } from '../core/errors';

/**
 * Focused dwell: time counts only while the window has focus and within `idleMs` of the last user activity
 * (typing, moving the cursor, scrolling, switching editors). A file left open over lunch earns at most idleMs.
 * No allocation per call: handlers of the shared extension host call this on every keystroke.
 */
export class DwellClock {
  private focused: boolean;
  private lastActivity = -Infinity;
  private lastAccrual: number;
  private accruedMs = 0;
  private creditedUntil = -Infinity;

  constructor(private idleMs: number, now: number, focused = true) {
    DwellClock.checkIdle(idleMs);
    this.lastAccrual = now;
    this.focused = focused;
  }

  private static checkIdle(idleMs: number): void {
    if (!Number.isFinite(idleMs) || idleMs <= 0) throw new LatentInputError(`idle time must be > 0 ms, got ${idleMs}`);
  }

  setIdleMs(idleMs: number, now: number): void {
    DwellClock.checkIdle(idleMs);
    this.accrue(now);
    this.idleMs = idleMs;
  }

  /** The user did something in the editor. */
  activity(now: number): void {
    this.accrue(now);
    this.lastActivity = now;
  }

  /** Window focus changed; regaining focus is itself activity (the user came back). */
  setFocused(focused: boolean, now: number): void {
    this.accrue(now);
    this.focused = focused;
    if (focused) this.lastActivity = now;
  }

  get isFocused(): boolean {
    return this.focused;
  }

  /** Whole seconds credited since the last take (the fraction carries over). */
  take(now: number): number {
    this.accrue(now);
    const s = Math.floor(this.accruedMs / 1000);
    this.accruedMs -= s * 1000;
    return s;
  }

  /** When counted time last ended (the moment to stamp a dwell with: after an idle stretch that is not now). */
  get lastCredited(): number {
    return this.creditedUntil;
  }

  /** Forgets uncredited time (switching to another file, or to nothing trackable). */
  reset(now: number): void {
    this.accrue(now);
    this.accruedMs = 0;
  }

  private accrue(now: number): void {
    if (this.focused) {
      const until = Math.min(now, this.lastActivity + this.idleMs);
      if (until > this.lastAccrual) {
        this.accruedMs += until - this.lastAccrual;
        this.creditedUntil = until;
      }
    }
    if (now > this.lastAccrual) this.lastAccrual = now;
  }
}

/**
 * Coalesces a burst of document changes into one edit signal: the same item records at most one edit per
 * `windowMs` (continuous typing for ten minutes is a handful of edits, not thousands). O(1), two fields.
 */
export class EditCoalescer {
  private lastItem: string | undefined;
  private lastAt = -Infinity;

  constructor(private windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new LatentInputError(`edit coalescing window must be >= 0 ms, got ${windowMs}`);
  }

  setWindowMs(windowMs: number): void {
    this.windowMs = windowMs;
  }

  /** True when this change starts a new edit (record it); false when it continues the current burst. */
  shouldRecord(item: string, now: number): boolean {
    if (item === this.lastItem && now - this.lastAt < this.windowMs) return false;
    this.lastItem = item;
    this.lastAt = now;
    return true;
  }
}
