// A window in a child process for the kill -9 tests (faults.test.ts): appends one event every `periodMs` and
// acknowledges each on stdout ("<seq> <t>") once append() has returned, saves a model now and then ("model <v>" once saved), and compacts
// often (small segments, short cadence), so a SIGKILL lands in every state the store can be in.
// Usage: node faultChild.js <dir> <run> <periodMs>
// With periodMs "dwell" it is a reader instead: the tracker's recorder on file:dwell/k<run>.ts, ticking dwell at the
// shipped dwellTickSeconds as the tracker does, and "start <t>" printed when the clock starts.
import { NUMBER_SETTINGS } from '../../../../src/config/schema';
import { FeedbackRecorder } from '../../../../src/feedback/recorder';
import { FeedbackStore } from '../../../../src/feedback/store/feedbackStore';

async function main(): Promise<void> {
  const [dir, run, period] = process.argv.slice(2);
  const store = await FeedbackStore.open(dir, { windowId: `${process.pid}-k${run}`, segmentBytes: 4096, compactIntervalMs: 300 });
  if (period === 'dwell') {
    const now = Date.now();
    const rec = new FeedbackRecorder(store, { enabled: true, idleMs: 60_000, editCoalesceMs: 30_000, sessionGapMs: 30 * 60_000 }, now, true);
    rec.switchTo(`file:dwell/k${run}.ts`, [], now);
    process.stdout.write(`start ${now}\n`);
    setInterval(() => rec.flushDwell(Date.now()), NUMBER_SETTINGS.dwellTickSeconds.default * 1000);
    return;
  }
  let seq = 0;
  process.stdout.write('ready\n');
  setInterval(() => {
    const t = Date.now();
    store.append({ t, item: `file:k${run}/e${seq}.ts`, kind: 'open', amount: 1 });
    // stdout is a pipe: written synchronously, so a line read by the parent was acknowledged before the kill
    process.stdout.write(`${seq} ${t}\n`);
    seq++;
    if (seq % 15 === 0) {
      const v = seq;
      void store.saveModel(JSON.stringify({ v, run: Number(run), pad: 'x'.repeat(4000 + v) })).then(() => process.stdout.write(`model ${v}\n`));
    }
  }, Number(period));
}

void main().catch((err: unknown) => {
  process.stderr.write(`child failed: ${String(err)}\n`);
  process.exit(3);
});
