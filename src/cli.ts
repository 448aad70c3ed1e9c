// Headless entry point (bundled to dist/cli.js): `eval`, `recommend` and `bench`. No vscode imports.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { BASELINES } from './core/baselines';
import { LatentInputError } from './core/errors';
import { evaluateMethod, newestTrainingSplit, splitProtocol, withoutNeverRecommended, type MethodResult, type ProtocolSplit } from './core/evalProtocol';
import { DEFAULT_NEVER_RECOMMEND } from './config/schema';
import { ExclusionMatcher } from './feedback/exclusion';
import { fitRecommender, recommend } from './core/recommender';
import { ialsMethod, latentMethod, mfMethod } from './core/recommenderMethods';
import { chooseEaseLambda, easeMethod } from './core/ease';
import { countingReplayMethods, refittedReplayMethod, REPLAY_EASE_EVERY, REPLAY_RETRAIN_EVERY, runReplay, type ReplayReport } from './core/replay';
import { groupSessions, TRAIN_FRACTION, type EvalMethod } from './core/evalProtocol';
import type { Interaction } from './core/interaction';
import { parseSessionsCsv } from './core/sessionsCsv';
import { bootstrapFromGit } from './git/gitImport';
import { GitBootstrapError } from './git/runGit';
import { runFeedbackBench } from './bench/feedback';
import { runPipelineBench } from './bench/pipeline';
import { heavyYearItems, measureRefit1M, measureTrain1M, runScaleBench } from './bench/scale';
import { EVAL26K_METHODS, measureEval26k } from './bench/evalScale';
import { readSharedHistory, replayInProcesses, replayShares, shareHistory } from './eval/replayJobs';
import { parseChangeLog } from './eval/changelogSessions';
import { measureIncrementalUpdateInWorker, measureStoredUpdate, runIncrementalBenchJob, measureUpdateQuality, type IncrementalFigures, type StoredUpdateFigures } from './bench/incremental';
import { BenchmarkDataMissingError, runMl100kBench } from './bench/ml100k';
import { DEFAULT_MAX_EVENTS } from './feedback/store/feedbackStore';

/** Bad command line or missing data: printed without a stack trace, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USAGE = `usage:
  latent eval (--sessions FILE.csv | --git REPO [--max-commits N] | --changelog FILE[.gz]) [--json]
        [--protocol split|replay] [--retrain-every EVENTS] [--ease-every SESSIONS] [--ease-lambda L] [--full-retrains] [--jobs N]
        [--methods a,b,...] [--validation] [--all-items] [--newest-sessions N] [--mf key=value,...] [--latent key=value,...] [--ials key=value,...]
  latent recommend (--sessions FILE.csv | --git REPO [--max-commits N] | --changelog FILE[.gz]) --context a,b [--n 10] [--all-items] [--json]
  latent bench [--json] [--data DIR] [--only scale|ml100k|train1M|refit1M [--interactions N] [--items N] [--model-out FILE]]`;

interface Args {
  command: string;
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError(USAGE);
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"\n${USAGE}`);
    const next = rest[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(a.slice(2), next);
      i++;
    } else flags.set(a.slice(2), true);
  }
  return { command, flags };
}

function stringFlag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

function requiredFlag(args: Args, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required\n${USAGE}`);
  return v;
}

function readSessions(file: string): ReturnType<typeof parseSessionsCsv> {
  if (!existsSync(file)) throw new UsageError(`sessions file not found: ${file}`);
  return parseSessionsCsv(readFileSync(file, 'utf8'));
}

export interface EvalReport {
  dataset: {
    trainSessions: number;
    testCases: number;
    items: number;
    neverRecommendItems: number;
    /** --newest-sessions: the training sessions kept, and the share of the cases whose target they know */
    newestSessions?: number;
    targetsKnown?: number;
  };
  methods: MethodResult[];
}

export const METHOD_ORDER = ['popularity', 'mru', 'frecency', 'cooccurrence', 'ease', 'ials', 'mf', 'latent'] as const;

/** Method settings from the command line: --mf factors=64,lambda=0.01 (numbers, true/false, else strings). */
export interface MethodSettings {
  mf?: Record<string, unknown>;
  latent?: Record<string, unknown>;
  ials?: Record<string, unknown>;
  easeLambda?: number;
  /** how `latent` and `mf` retrain after their first fit (replay): 'incremental' as the extension does, or always 'full' */
  retrain?: 'full' | 'incremental';
}

export function staticMethods(settings: MethodSettings = {}, only?: readonly string[]): EvalMethod[] {
  const all = [
    ...BASELINES,
    easeMethod(settings.easeLambda !== undefined ? { lambda: settings.easeLambda } : {}),
    ialsMethod(settings.ials ?? {}, { retrain: settings.retrain }),
    mfMethod(settings.mf ?? {}, { retrain: settings.retrain }),
    latentMethod(settings.latent ?? {}, { retrain: settings.retrain }),
  ];
  return only ? all.filter((m) => only.includes(m.name)) : all;
}

export function evalSplit(split: ProtocolSplit, settings: MethodSettings = {}, only?: readonly string[]): EvalReport {
  const methods = staticMethods(settings, only).map((m) => evaluateMethod(split, m));
  return {
    dataset: { trainSessions: split.train.length, testCases: split.cases.length, items: split.items.length, neverRecommendItems: split.neverRecommend?.size ?? 0 },
    methods,
  };
}

/** Relative NDCG@10 margin of the shipped ranker over the best baseline (mf is part of it, not a baseline). */
function margin(r: EvalReport | ReplayReport): { best: MethodResult; latent: MethodResult; relative: number } | undefined {
  const baselines = r.methods.filter((m) => m.method !== 'latent' && m.method !== 'mf' && m.method !== 'ials');
  if (baselines.length === 0) return undefined; // e.g. --methods mf,latent: nothing to compare with
  const best = baselines.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  const latent = r.methods.find((m) => m.method === 'latent');
  return latent ? { best, latent, relative: latent.ndcg10 / best.ndcg10 - 1 } : undefined;
}

function formatTable(r: EvalReport | ReplayReport, title: string): string {
  const d = r.dataset as Record<string, unknown>;
  const lines = [
    `${title}: ${Object.entries(d).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
    `${'method'.padEnd(14)}${'HR@1'.padStart(8)}${'HR@3'.padStart(8)}${'HR@10'.padStart(8)}${'NDCG@10'.padStart(9)}${'MRR'.padStart(8)}${'fit s'.padStart(8)}${'eval s'.padStart(8)}`,
  ];
  for (const m of r.methods) {
    lines.push(
      `${m.method.padEnd(14)}${m.hr1.toFixed(4).padStart(8)}${m.hr3.toFixed(4).padStart(8)}${m.hr10.toFixed(4).padStart(8)}${m.ndcg10.toFixed(4).padStart(9)}${m.mrr.toFixed(4).padStart(8)}` +
        `${m.fitSeconds.toFixed(2).padStart(8)}${m.evalSeconds.toFixed(2).padStart(8)}` +
        ('retrains' in m ? `  retrains ${m.retrains} (${m.retrainSeconds.toFixed(1)} s)` : ''),
    );
  }
  if (!r.methods.some((m) => m.method === 'latent') || r.methods.length < 2) return lines.join('\n');
  const g = margin(r);
  if (!g) return lines.join('\n');
  const sign = g.relative >= 0 ? '+' : '';
  lines.push(
    `latent vs best baseline (${g.best.method}): NDCG@10 ${g.latent.ndcg10.toFixed(4)} vs ${g.best.ndcg10.toFixed(4)} ` +
      `(${sign}${(100 * g.relative).toFixed(1)}%)`,
  );
  return lines.join('\n');
}

/** A GNU ChangeLog's changes as sessions (changelogSessions.ts); gzipped as Debian installs them, or plain. */
function readChangeLog(file: string): Interaction[] {
  if (!existsSync(file)) throw new UsageError(`ChangeLog not found: ${file}`);
  const bytes = readFileSync(file);
  return parseChangeLog((bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8'));
}

/**
 * --sessions FILE.csv; --git REPO: the repository's commits as sessions (items are paths, as in the CSVs); or
 * --changelog FILE: a GNU ChangeLog's changes as sessions.
 */
async function loadHistory(args: Args): Promise<{ name: string; rows: Interaction[] }> {
  // A replay share reads what its parent imported (replayJobs.ts), instead of importing again.
  const shared = stringFlag(args, 'history-json');
  if (shared !== undefined) return { name: basename(shared), rows: readSharedHistory(shared) };
  const changeLog = stringFlag(args, 'changelog');
  // Debian's are all named changelog.gz: their folder names the package.
  if (changeLog !== undefined) return { name: join(basename(dirname(resolve(changeLog))), basename(changeLog)), rows: readChangeLog(changeLog) };
  const repo = stringFlag(args, 'git');
  if (repo === undefined) {
    const file = requiredFlag(args, 'sessions');
    return { name: basename(file), rows: readSessions(file) };
  }
  const maxText = stringFlag(args, 'max-commits') ?? '5000';
  const maxCommits = Number(maxText);
  if (!Number.isInteger(maxCommits) || maxCommits <= 0) throw new UsageError(`--max-commits must be a positive integer, got "${maxText}"`);
  if (!existsSync(repo)) throw new UsageError(`repository folder not found: ${repo}`);
  try {
    const r = await bootstrapFromGit({ cwd: repo, maxCommits, timeoutMs: 120_000 });
    if (r.interactions.length === 0) throw new UsageError(`no usable commits in ${repo}`);
    return { name: `git ${repo} (${r.used} commits)`, rows: r.interactions.map((x) => ({ ...x, item: x.item.replace(/^file:/, '') })) };
  } catch (e) {
    if (e instanceof GitBootstrapError) throw new UsageError(e.message);
    throw e;
  }
}

/** latent.neverRecommend at its default, for history items (workspace-relative paths, as the extension matches). */
function neverRecommendByDefault(): (item: string) => boolean {
  const m = new ExclusionMatcher(DEFAULT_NEVER_RECOMMEND, {}, 'latent.neverRecommend');
  return (item) => m.isExcluded(item);
}

function settingsFlag(args: Args, name: string): Record<string, unknown> | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const kv of v.split(',')) {
    const [k, val] = kv.split('=');
    if (!k || val === undefined) throw new UsageError(`--${name} takes key=value,...; got "${kv}"`);
    out[k.trim()] = val === 'true' ? true : val === 'false' ? false : Number.isFinite(Number(val)) ? Number(val) : val;
  }
  return out;
}

/** The command line's flags again, as arguments, without `drop`. */
function flagsExcept(args: Args, drop: readonly string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of args.flags) if (!drop.includes(k)) out.push(`--${k}`, ...(v === true ? [] : [v]));
  return out;
}

function positiveIntFlag(args: Args, name: string, fallback: number): number {
  const text = stringFlag(args, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

/** Replay protocol (DESIGN.md section 5). */
export function evalReplay(
  rows: readonly Interaction[],
  settings: MethodSettings,
  only: readonly string[] | undefined,
  retrainEvery: number,
  easeEvery: number,
  neverRecommend?: (item: string) => boolean,
): ReplayReport {
  // EASE's lambda: chosen once on the history before the first test session (its own validation split), then kept.
  let easeLambda = settings.easeLambda;
  let easeChoice = 'fixed';
  if (easeLambda === undefined && (!only || only.includes('ease'))) {
    const sessions = groupSessions(rows);
    const ids = new Set(sessions.slice(0, Math.floor(sessions.length * TRAIN_FRACTION)).map((s) => s.id));
    const c = chooseEaseLambda(rows.filter((x) => ids.has(x.session)));
    easeLambda = c.lambda;
    easeChoice = `validation split of the history before the first test session (${c.cases} cases)`;
  }
  const report = runReplay(
    rows,
    (items, index) => {
      const counting = countingReplayMethods(items.length, index);
      const fitted = staticMethods({ retrain: 'incremental', ...settings, easeLambda }, only)
        .filter((m) => !BASELINES.includes(m))
        .map((m) =>
          refittedReplayMethod(m, items, m.name === 'ease' ? (_e, sessions) => sessions >= easeEvery : (events) => events >= retrainEvery),
        );
      return [...counting.filter((m) => !only || only.includes(m.name)), ...fitted];
    },
    { retrainEvery, easeEvery, neverRecommend },
  );
  for (const m of report.methods) if (m.method === 'ease' && m.details) m.details.lambdaChosenOn = easeChoice;
  return report;
}

/** The replay's shares in processes side by side; a git history goes to them as a file, imported once. */
async function replayShared(args: Args, rows: readonly Interaction[], shares: string[][], jobs: number): Promise<ReplayReport> {
  const shared = args.flags.has('git') ? shareHistory(rows) : undefined;
  const argv = shared
    ? [...flagsExcept(args, ['methods', 'jobs', 'json', 'git', 'max-commits']), '--history-json', shared.file]
    : flagsExcept(args, ['methods', 'jobs', 'json']);
  try {
    return await replayInProcesses(process.argv[1], ['eval', ...argv], shares, jobs, METHOD_ORDER);
  } catch (e) {
    // A share's own message (a bad setting, a bad file) says what went wrong; the parent adds which share.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  } finally {
    shared?.remove();
  }
}

async function cmdEval(args: Args): Promise<void> {
  const h = await loadHistory(args);
  const settings: MethodSettings = {
    mf: settingsFlag(args, 'mf'),
    latent: settingsFlag(args, 'latent'),
    ials: settingsFlag(args, 'ials'),
    easeLambda: stringFlag(args, 'ease-lambda') !== undefined ? Number(stringFlag(args, 'ease-lambda')) : undefined,
    ...(args.flags.has('full-retrains') ? { retrain: 'full' as const } : {}),
  };
  const only = stringFlag(args, 'methods')?.split(',').map((x) => x.trim());
  const unknown = only?.filter((m) => !(METHOD_ORDER as readonly string[]).includes(m)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown method(s) ${unknown.join(', ')}; --methods takes ${METHOD_ORDER.join(', ')}`);
  const protocol = stringFlag(args, 'protocol') ?? 'split';
  // As the extension ranks: latent.neverRecommend's defaults (lockfiles, build output...) are never candidates nor
  // targets. --all-items keeps every item (DESIGN.md section 4 as written: figures comparable with the references).
  const never = args.flags.has('all-items') ? undefined : neverRecommendByDefault();
  if (protocol === 'replay') {
    // Methods replay independently: with --jobs above 1 (default: the cores) each share runs in its own process.
    const shares = replayShares(only ?? METHOD_ORDER);
    const jobs = positiveIntFlag(args, 'jobs', availableParallelism());
    // --validation: the replay over the training part alone (its newest 20% of sessions replayed), for choices.
    const report =
      jobs > 1 && shares.length > 1
        ? await replayShared(args, h.rows, shares, jobs)
        : evalReplay(
            args.flags.has('validation') ? splitProtocol(h.rows).trainInteractions : h.rows,
            settings,
            only,
            positiveIntFlag(args, 'retrain-every', REPLAY_RETRAIN_EVERY),
            positiveIntFlag(args, 'ease-every', REPLAY_EASE_EVERY),
            never,
          );
    console.log(args.flags.has('json') ? JSON.stringify(report) : formatTable(report, `${h.name} (replay)`));
    return;
  }
  if (protocol !== 'split') throw new UsageError(`--protocol must be split or replay, got "${protocol}"`);
  // --validation: the section 4 protocol on the training part alone (its older 80% fit, newer 20% validate), for
  // choosing settings without ever touching the test cases.
  let split: ProtocolSplit = splitProtocol(h.rows);
  if (args.flags.has('validation')) split = splitProtocol(split.trainInteractions);
  if (never) split = withoutNeverRecommended(split, never);
  // --newest-sessions N: a cold start from the newest N training sessions (latent.git.maxCommits' choice).
  const newest = stringFlag(args, 'newest-sessions') === undefined ? undefined : positiveIntFlag(args, 'newest-sessions', 1);
  const cold = newest === undefined ? undefined : newestTrainingSplit(split, newest);
  const report = evalSplit(cold?.split ?? split, settings, only);
  if (cold) {
    for (const m of report.methods) for (const k of ['hr1', 'hr3', 'hr10', 'ndcg10', 'mrr'] as const) m[k] *= cold.share;
    report.dataset = { ...report.dataset, testCases: split.cases.length, newestSessions: newest, targetsKnown: cold.share };
  }
  console.log(args.flags.has('json') ? JSON.stringify(report) : formatTable(report, h.name + (args.flags.has('validation') ? ' (validation split of the training part)' : '')));
}

async function cmdRecommend(args: Args): Promise<void> {
  const history = await loadHistory(args);
  const context = (stringFlag(args, 'context') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const nText = stringFlag(args, 'n') ?? '10';
  const n = Number(nText);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--n must be a positive integer, got "${nText}"`);
  const model = fitRecommender(history.rows);
  const never = args.flags.has('all-items') ? undefined : neverRecommendByDefault();
  const known = new Set(model.items);
  const unknown = context.filter((c) => !known.has(c));
  const recs = recommend(
    model,
    context.map((item) => ({ item, weight: 1 })),
    // The context stands for the open files: leave them out (recommend() leaves out only what it is told to), and
    // latent.neverRecommend's defaults as the extension does, unless --all-items.
    { n, candidates: unknown, exclude: new Set([...context, ...(never ? model.items.filter(never) : [])]) },
  );
  // What training recorded (also shown in the "Inside the model" panel): per-epoch losses, held-out HR@10.
  const training = { epochs: model.stats.epochs, losses: model.training.losses, heldOut: model.training.heldOut };
  if (args.flags.has('json')) {
    console.log(JSON.stringify({ mode: model.mode, unknownContext: unknown, recommendations: recs, training }));
    return;
  }
  const h = model.training.heldOut;
  console.log(
    h.value === null
      ? `held-out hit rate @${h.k}: not available (${h.reason})`
      : `held-out hit rate @${h.k}: ${h.value.toFixed(3)} on ${h.cases} cases (fitted on the older 80% of sessions, EASE's ridge chosen on these cases)`,
  );
  if (model.mode === 'frecency') console.log('too little history: ranked by frecency');
  if (unknown.length > 0) console.log(`not in the history (scored from folder/extension neighbours): ${unknown.join(', ')}`);
  recs.forEach((r, i) => {
    const why = r.explanation.coUsed.length > 0 ? `  co-used with ${r.explanation.coUsed.join(', ')}` : '';
    // The score as the sum of its parts ("Why this?" shows the same terms), not the parts' raw values.
    const p = r.breakdown.parts;
    const terms = [['factors', p.factors], ['item x item', p.itemItem], ['borrowed', p.borrowed], ['prior', p.prior], ['offset', p.offset]] as const;
    const sum = terms.filter(([, v]) => v !== 0).map(([name, v]) => `${name} ${v.toFixed(3)}`).join(' + ');
    console.log(`${String(i + 1).padStart(3)}. ${r.item}  score ${r.score.toFixed(3)} = ${sum} (${r.source})${why}`);
  });
}

/** The repo root: dist/cli.js and out/src/cli.js both sit below it. */
function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return resolve(__dirname, '..');
}

const BENCH_METHODS = ['popularity', 'mru', 'frecency', 'cooccurrence', 'mf', 'latent'];

async function ml100kRows(dataDir: string, json: boolean, print: boolean): Promise<unknown> {
  try {
    return await runMl100kBench({ dataDir: join(dataDir, 'ml-100k'), json, print });
  } catch (e) {
    if (e instanceof BenchmarkDataMissingError) throw new UsageError(`benchmark data missing: ${e.message}`);
    throw e;
  }
}

async function cmdBench(args: Args): Promise<void> {
  const json = args.flags.has('json');
  const only = stringFlag(args, 'only');
  if (only !== undefined && only !== 'scale' && only !== 'ml100k' && only !== 'train1M' && only !== 'refit1M') {
    throw new UsageError(`--only takes "scale", "ml100k", "train1M" or "refit1M", got "${only}"\n${USAGE}`);
  }
  if (only === 'refit1M') {
    // scale.refit1M alone, in this process (the scale bench runs it so, as a process of its own).
    const interactions = positiveIntFlag(args, 'interactions', 1_000_000);
    const f = await measureRefit1M(interactions, positiveIntFlag(args, 'items', heavyYearItems(interactions)));
    console.log(json ? JSON.stringify({ scale: { refit1M: f } }) : `automatic full fit for drift at ${f.events} interactions: ${(f.wallMs / 1000).toFixed(1)} s, peak extra memory ${f.peakExtraMB.toFixed(0)} MB`);
    return;
  }
  if (only === 'train1M') {
    // scale.train1M alone, in this process (the scale bench runs it so, as a process of its own); --model-out keeps
    // the model file it trained (the scale bench's model1M stall reads it back).
    const interactions = positiveIntFlag(args, 'interactions', 1_000_000);
    const fit = await measureTrain1M(interactions, positiveIntFlag(args, 'items', heavyYearItems(interactions)));
    const modelOut = stringFlag(args, 'model-out');
    if (modelOut !== undefined) writeFileSync(modelOut, fit.json);
    const f = fit.figures;
    console.log(json ? JSON.stringify({ scale: { train1M: f } }) : `full retrain in the worker, ${f.events} interactions over ${f.items} items: ${(f.wallMs / 1000).toFixed(1)} s, peak extra memory ${f.peakExtraMB.toFixed(0)} MB`);
    return;
  }
  const dataDir = resolve(stringFlag(args, 'data') ?? join(repoRoot(), '..', 'shared', 'data'));
  const sessionsDir = join(dataDir, 'sessions');
  if (only === 'ml100k') {
    // The ML-100K rows alone (latent vs libmf at each k; about a minute): {"ml100k": rows} with --json.
    await ml100kRows(dataDir, json, true);
    return;
  }
  if (only === 'scale') {
    // The issue 10 figures alone (minutes; without the shared histories incremental50's ndcgDelta is null): train20k
    // is measured here rather than taken from the pipeline bench.
    const say = (line: string): void => (json ? undefined : console.log(line));
    const scale = await scaleBench(sessionsDir, say);
    if (json) console.log(JSON.stringify({ scale }));
    return;
  }
  if (!existsSync(sessionsDir)) throw new UsageError(`benchmark data missing: ${sessionsDir} does not exist (pass --data DIR)`);
  const files = readdirSync(sessionsDir)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  if (files.length === 0) throw new UsageError(`benchmark data missing: no *.csv in ${sessionsDir}`);

  const out: Record<string, unknown> = {};
  const log = (line: string): void => {
    if (!json) console.log(line);
  };

  // The baselines and the product; the references (ease, ials) are `cli eval`'s: EASE's lambda search alone takes
  // minutes on prettier.
  log('== sessions: DESIGN.md section 4 protocol (baselines and the product; `cli eval` adds the ease and ials references) ==');
  const sessions: Record<string, EvalReport> = {};
  for (const f of files) {
    const report = evalSplit(splitProtocol(readSessions(join(sessionsDir, f))), {}, BENCH_METHODS);
    sessions[f] = report;
    log(formatTable(report, f) + '\n');
  }
  out.sessions = sessions;

  log('== ML-100K: explicit SGD vs LIBMF (test RMSE) ==');
  out.ml100k = await ml100kRows(dataDir, json, !json);

  log('== feedback store ==');
  const feedback = await runFeedbackBench();
  out.feedback = feedback;
  log(formatRecord(feedback) + '\n');

  log('== training pipeline ==');
  const pipeline = await runPipelineBench({ log });
  out.pipeline = pipeline;
  log(formatRecord(pipeline) + '\n');

  log('== scale (issue 10 goals) ==');
  // train20k is the pipeline's stall.trainEvents20k (the same runs, not measured twice).
  const train20kStallsMs = ['bestMs', 'maxMs', 'worstMs'].map((k) => pipeline[`stall.trainEvents20k.${k}`]);
  out.scale = await scaleBench(sessionsDir, log, train20kStallsMs);

  if (json) console.log(JSON.stringify(out));
}

/** The `scale` object of the bench's JSON: the issue 10 figures, train20k's runs taken from the caller when it has them. */
async function scaleBench(sessionsDir: string, log: (line: string) => void, train20kStallsMs?: number[]) {
  return {
    ...(await runScaleBench({ log, ...(train20kStallsMs ? { train20kStallsMs } : {}), cli: resolve(process.argv[1]) })),
    incremental50: await incrementalBench(sessionsDir, log),
    update1M: await storedUpdateBench(1_000_000, log),
    updateAtCap: await storedUpdateBench(DEFAULT_MAX_EVENTS, log),
    eval26k: eval26kBench(log),
  };
}

/** scale.eval26k: `cli eval` (this script, as its own process) on a 26,000-file synthetic history. */
function eval26kBench(log: (line: string) => void): { wallMs: number; peakMB: number } {
  const r = measureEval26k(resolve(process.argv[1]));
  log(`cli eval, 26,000-file synthetic history (${EVAL26K_METHODS}): ${(r.wallMs / 1000).toFixed(1)} s, peak ${r.peakMB.toFixed(0)} MB`);
  return r;
}

/**
 * scale.update1M: the extension's automatic update at 1,000,000 stored events (worker, from the host); and
 * scale.updateAtCap at the store's own cap (DEFAULT_MAX_EVENTS: older sessions are folded past it), the largest
 * history an update reads in the extension, git imports aside.
 */
async function storedUpdateBench(events: number, log: (line: string) => void): Promise<StoredUpdateFigures> {
  const r = await measureStoredUpdate({ events });
  log(`automatic update after 50 events at ${r.events} stored events: median ${r.wallMs.toFixed(0)} ms from the host, ${r.workerMs.toFixed(0)} ms in the worker, slowest ${r.maxWallMs.toFixed(0)} ms (the Retrain before it ${(r.fullFitMs / 1000).toFixed(1)} s)`);
  return r;
}

/**
 * scale.incremental50: an update after 50 new events on 100,000 synthetic interactions over 10,000 items (timed in a
 * worker thread of this script, as the extension updates), and the NDCG@10 cost of updating instead of refitting on
 * vscode-pull-request-github's replay (every 500 events: at the extension's 50, refitting every time takes about ten
 * minutes here).
 */
async function incrementalBench(sessionsDir: string, log: (line: string) => void): Promise<IncrementalFigures> {
  const timing = await measureIncrementalUpdateInWorker(resolve(process.argv[1]), { interactions: 100_000, items: 10_000 });
  log(`update after 50 events on ${timing.interactions} interactions, ${timing.items} items: median ${timing.wallMs.toFixed(0)} ms, slowest ${timing.maxWallMs.toFixed(0)} ms (full fit ${(timing.fullFitMs / 1000).toFixed(1)} s)`);
  const file = join(sessionsDir, 'vscode-pull-request-github.commits.csv');
  if (!existsSync(file)) return { ...timing, ndcgDelta: NaN };
  const q = measureUpdateQuality(readSessions(file), 500);
  log(`replay NDCG@10, retrain every 500 events: updating ${q.updating.toFixed(4)}, refitting ${q.refitting.toFixed(4)}`);
  return { ...timing, ndcgDelta: q.updating - q.refitting, ndcgUpdating: q.updating, ndcgRefitting: q.refitting, replay: 'vscode-pull-request-github, retrain every 500 events' };
}

function formatRecord(r: Record<string, number>): string {
  return Object.entries(r)
    .map(([k, v]) => `  ${k.padEnd(36)} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join('\n');
}

/**
 * `eval` and `recommend` are batch runs of the pure core in this process: a young generation that does not grow and
 * an old one that grows in 20% steps instead of V8's larger default ones. `eval` on a 26,000-file history (the
 * bench's eval26k): peak 181 MB instead of 293 MB, 6% more time (4 pairs), the same figures. Set as the command
 * starts, while the heap is small, by the command line's entry only (V8's flags are the process's: not for main()
 * called in tests, nor for `bench`, whose host-side figures stand for the extension host, which runs with V8's
 * defaults; the extension never calls this).
 */
function smallHeap(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=20');
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'eval':
        await cmdEval(args);
        return 0;
      case 'recommend':
        await cmdRecommend(args);
        return 0;
      case 'bench':
        await cmdBench(args);
        return 0;
      default:
        throw new UsageError(`unknown command "${args.command}"\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof LatentInputError) {
      console.error(`latent: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

// A worker thread of this script measures the incremental bench (runIncrementalBenchJob); the main thread runs main.
if (require.main === module && !runIncrementalBenchJob()) {
  const argv = process.argv.slice(2);
  if (argv[0] === 'eval' || argv[0] === 'recommend') smallHeap();
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
