// The tracker's hot path without vscode: what each editor event does to dwell, edits, snippets and the open session.
// FeedbackTracker maps vscode events onto these methods; unit tests and the benchmark drive them directly.
import type { ContextItem } from '../core/recommender';
import { DwellClock, EditCoalescer } from './attention';
import { FeedbackEvent, signalWeight } from './signal';
import { LiveSession, openSessionEvents } from './sessions';
import { StoredEvents } from './storedEvents';
import { MIN_MATCH_CHARS, SnippetIndex } from './snippets';

/** Where events go; FeedbackStore fits. */
export interface EventSink {
  append(e: FeedbackEvent): void;
}

export interface RecorderSettings {
  enabled: boolean;
  idleMs: number;
  editCoalesceMs: number;
  sessionGapMs: number;
}

/** A detected insertion waits this long for an exact record of the same snippet (then the exact one wins). */
export const SNIPPET_CONFIRM_MS = 1000;

export class FeedbackRecorder {
  /** Called after every recorded event. */
  onRecord: (e: FeedbackEvent) => void = () => undefined;
  onProblem: (message: string) => void = () => undefined;
  snippets = new SnippetIndex([]);

  private settings: RecorderSettings;
  private paused = false;
  private readonly clock: DwellClock;
  private readonly edits: EditCoalescer;
  private activeItem: string | undefined;
  private activeExtensions: readonly string[] = [];
  private extensionDwellMs = 0;
  private pendingSnippet: { item: string; t: number; timer: ReturnType<typeof setTimeout> } | undefined;
  private readonly session: LiveSession;

  constructor(private readonly sink: EventSink, settings: RecorderSettings, now: number, focused: boolean) {
    this.settings = settings;
    this.clock = new DwellClock(settings.idleMs, now, focused);
    this.edits = new EditCoalescer(settings.editCoalesceMs);
    this.session = new LiveSession(settings.sessionGapMs);
  }

  get recording(): boolean {
    return this.settings.enabled && !this.paused;
  }

  get active(): string | undefined {
    return this.activeItem;
  }

  setPaused(paused: boolean, now: number): void {
    if (paused) this.flushDwell(now);
    this.paused = paused;
    this.clock.reset(now);
  }

  update(settings: RecorderSettings, now: number): void {
    if (!settings.enabled) this.flushDwell(now);
    this.settings = settings;
    this.clock.setIdleMs(settings.idleMs, now);
    this.edits.setWindowMs(settings.editCoalesceMs);
    this.session.setGap(settings.sessionGapMs);
  }

  /** Cursor moved, scrolled: the user is here. */
  activity(now: number): void {
    if (this.recording) this.clock.activity(now);
  }

  focus(focused: boolean, now: number): void {
    if (!focused) this.flushDwell(now);
    this.clock.setFocused(focused, now);
  }

  /** The active editor changed to `item` (undefined: nothing recordable); `extensions` serve its language. */
  switchTo(item: string | undefined, extensions: readonly string[], now: number): void {
    this.flushDwell(now);
    this.clock.reset(now);
    if (item !== this.activeItem) this.extensionDwellMs = 0;
    this.activeItem = item;
    this.activeExtensions = extensions;
    if (!this.recording) return;
    this.clock.activity(now);
    if (item) this.emit({ t: now, item, kind: 'open', amount: 1 });
  }

  /** The active file changed again (re-resolved after a settings change), without counting an open. */
  retarget(item: string | undefined, now: number): void {
    this.flushDwell(now);
    this.activeItem = item;
  }

  /**
   * A recordable document changed. `inActiveEditor`: typed by the user rather than a formatter on a background
   * document. `undoRedo`: re-applied text, not a fresh snippet insertion.
   */
  change(item: string, changes: readonly { readonly text: string }[], languageId: string, inActiveEditor: boolean, undoRedo: boolean, now: number): void {
    if (!this.recording || changes.length === 0) return;
    this.edit(item, inActiveEditor, now);
    if (undoRedo || this.snippets.size === 0) return;
    for (let i = 0; i < changes.length; i++) {
      const text = changes[i].text;
      if (text.length < MIN_MATCH_CHARS) continue;
      const def = this.snippets.match(text, languageId);
      if (def) this.detectedSnippet(def.item, now);
    }
  }

  /** `item` was edited (bursts coalesce into one event); `inActiveEditor`: by the user, in what is in front. */
  edit(item: string, inActiveEditor: boolean, now: number): void {
    if (!this.recording) return;
    if (inActiveEditor) this.clock.activity(now);
    if (this.edits.shouldRecord(item, now)) this.emit({ t: now, item, kind: 'edit', amount: 1 });
  }

  /** An extension was seen to activate. */
  extensionActivated(item: string, now: number): void {
    if (this.recording) this.emit({ t: now, item, kind: 'extension', amount: 1 });
  }

  /**
   * An exact signal from elsewhere (snippet inserted from the tree, "Not interested"). A dismissal is kept even
   * while paused: it is an instruction, not observation.
   */
  record(e: FeedbackEvent): void {
    if (e.kind === 'snippet' && this.pendingSnippet?.item === e.item) this.settleSnippet(false);
    if (!this.recording && e.kind !== 'dismiss') return;
    this.emit(e);
  }

  /** Records the focused time accrued on the active file (timer tick, switch, blur, pause, dispose). */
  flushDwell(now: number): void {
    const s = this.clock.take(now);
    if (s <= 0 || !this.activeItem || !this.recording) return;
    // Stamped when the counted time ended, so dwell credited after an idle stretch lands in the right session.
    const t = Math.min(now, Math.max(0, this.clock.lastCredited));
    this.emit({ t, item: this.activeItem, kind: 'dwell', amount: s });
    if (this.activeExtensions.length === 0) return;
    this.extensionDwellMs += s * 1000;
    if (this.extensionDwellMs < 60_000) return;
    const minutes = Math.floor(this.extensionDwellMs / 60_000);
    this.extensionDwellMs -= minutes * 60_000;
    for (const item of this.activeExtensions) this.emit({ t, item, kind: 'extension', amount: minutes });
  }

  /** The open session (the events after its last gap), empty once `now` is a gap past its last event. */
  currentSession(now: number): ContextItem[] {
    return this.session.items(now);
  }

  /** After a reload, continue the session that was still open (events from the store). */
  seedSession(events: readonly FeedbackEvent[] | StoredEvents, now: number): void {
    const gap = this.settings.sessionGapMs;
    // From the store's columns only the open session's rows become objects.
    const recent = events instanceof StoredEvents ? events.tail(events.openSessionStart(gap, now)) : events;
    for (const e of openSessionEvents(recent, gap, now)) this.session.add(e.t, e.item, signalWeight(e));
  }

  clearSession(): void {
    this.session.clear();
  }

  dispose(now: number): void {
    this.flushDwell(now);
    this.settleSnippet(true);
  }

  private emit(e: FeedbackEvent): void {
    try {
      this.sink.append(e);
    } catch (err) {
      this.onProblem(`Latent could not record ${e.kind} of ${e.item}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    // Past-dated events (late dwell, history recorded after the fact) join only if they fall in the open session.
    this.session.add(e.t, e.item, signalWeight(e));
    this.onRecord(e);
  }

  private detectedSnippet(item: string, t: number): void {
    this.settleSnippet(true);
    const timer = setTimeout(() => this.settleSnippet(true), SNIPPET_CONFIRM_MS);
    this.pendingSnippet = { item, t, timer };
  }

  private settleSnippet(commit: boolean): void {
    const p = this.pendingSnippet;
    if (!p) return;
    this.pendingSnippet = undefined;
    clearTimeout(p.timer);
    if (commit && this.recording) this.emit({ t: p.t, item: p.item, kind: 'snippet', amount: 1 });
  }
}
