// The sessions recorded since the model in use was trained, for the live ranking's recent-use prior
// (core/livePrior.ts): cut by the inactivity gap training uses, from this window's events with a positive signal.
// Small on purpose: every retrain (a few dozen events apart) folds them into the model, and they are dropped then.
import type { RecentSession } from '../core/recommender';
import { signalWeight, type FeedbackEvent } from './signal';

interface OpenSession {
  /** ms */
  start: number;
  last: number;
  items: Set<string>;
}

/** The event's signal weight; 0 for one that is not a signal of use (this runs in the recorder's event handler). */
function weightOf(e: FeedbackEvent): number {
  try {
    return signalWeight(e);
  } catch {
    return 0;
  }
}

export class RecentSessions {
  /** Sessions kept at most (the oldest go first): a window that trains seldom still holds a bounded list. */
  static readonly MAX = 500;
  private sessions: OpenSession[] = [];

  constructor(private readonly gapMs: () => number) {}

  add(e: FeedbackEvent): void {
    if (!(weightOf(e) > 0)) return;
    const cur = this.sessions[this.sessions.length - 1];
    if (!cur || e.t - cur.last > this.gapMs()) {
      this.sessions.push({ start: e.t, last: e.t, items: new Set([e.item]) });
      if (this.sessions.length > RecentSessions.MAX) this.sessions.shift();
      return;
    }
    // A late event (a dwell time recorded when focus left) joins the session it falls in, the open one.
    cur.items.add(e.item);
    if (e.t > cur.last) cur.last = e.t;
  }

  /**
   * The sessions that ended (a newer one began, or `nowMs` is past the gap) and began after `sinceSec`, the model's
   * newest interaction; those before it are in the model and are forgotten here.
   */
  closedSince(sinceSec: number, nowMs: number): RecentSession[] {
    const since = sinceSec * 1000;
    if (this.sessions.length > 0 && this.sessions[0].start <= since) this.sessions = this.sessions.filter((s) => s.start > since);
    const gap = this.gapMs();
    const out: RecentSession[] = [];
    this.sessions.forEach((s, i) => {
      if (i < this.sessions.length - 1 || nowMs - s.last > gap) out.push({ start: s.start / 1000, items: [...s.items] });
    });
    return out;
  }

  /** Forgets them all (Reset). */
  clear(): void {
    this.sessions = [];
  }
}
