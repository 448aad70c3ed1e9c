// "Latent: Show Recorded Data" as Markdown: what the store holds about the person reading it, in words and numbers,
// every name escaped (a file can be called anything). Pure: tested without VS Code.
import { parseItemKey } from '../../core/itemKey';
import type { RecordedSummary } from '../../feedback/recordedSummary';
import { SIGNAL_WEIGHTS as W } from '../../feedback/signal';
import { localDateTime } from '../localTime';

/** How many items the document lists by name. */
export const RECORDED_TOP_ITEMS = 20;

export interface RecordedDataInfo {
  summary: RecordedSummary;
  /** the store's folder on this machine */
  storeDir: string;
  recording: 'on' | 'paused' | 'off';
  gapMinutes: number;
  /** after how many days a session is kept summed per item and signal (the store's aggregation) */
  aggregateAfterDays: number;
  /** when git history was imported (Learn from Git History, ms), undefined when it was not */
  gitImportedAtMs: number | undefined;
  model: { newestMs: number; sessions: number; interactions: number; items: number; factors: number; byRecentUse: boolean } | undefined;
  /** latent.exclude as it reads now */
  exclude: readonly string[];
}

/**
 * Backslash before every character Markdown could read as syntax inside a table cell (emphasis, code, links and
 * images, HTML and entities, strikethrough, the cell's own bar), so that a name shows as written.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>!|~&]/g, (c) => `\\${c}`).replace(/[\r\n\t]/g, ' ');
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
/** "1 file", "2 files", "1,234 files" */
const many = (n: number, what: string): string => `${count(n)} ${what}${Math.round(n) === 1 ? '' : 's'}`;

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const KIND_ROWS: ReadonlyArray<[keyof RecordedSummary['kinds'], string]> = [
  ['open', 'opens of a file'],
  ['dwell', 'focused time in a file'],
  ['edit', 'edits (a burst of typing counts once)'],
  ['snippet', 'snippet insertions'],
  ['extension', 'extension uses (activations, minutes in its languages)'],
  ['dismiss', 'Not Interested, and taking it back'],
  ['rename', 'files renamed'],
  ['delete', 'files deleted'],
  ['create', 'files created'],
];

export function recordedDataMarkdown(info: RecordedDataInfo): string {
  const { summary: s } = info;
  const out: string[] = ['# What Latent has recorded in this workspace', ''];
  const state = { on: 'Recording is on.', paused: 'Recording is paused (Latent: Resume Tracking starts it again).', off: 'Recording is off (the latent.enabled setting).' }[
    info.recording
  ];
  out.push(
    `${state} Everything below stays on this machine, in \`${info.storeDir.replace(/`/g, "'")}\`. Nothing is sent anywhere. ` +
      'Latent: Reset All Data deletes all of it.',
    '',
  );
  out.push('## Events', '');
  if (s.events === 0 || s.firstMs === undefined || s.lastMs === undefined) {
    out.push('Nothing recorded yet.', '');
  } else {
    out.push(
      `${many(s.events, 'event')} from ${localDateTime(s.firstMs)} to ${localDateTime(s.lastMs)}: ${many(s.sessions, 'working session')} ` +
        `(a session ends after ${many(info.gapMinutes, 'minute')} without activity), from ${many(s.windows, 'window')}. ` +
        'Only names, times and counts are kept, never what a file contains. A session older than ' +
        `${many(info.aggregateAfterDays, 'day')} is kept as one event per item and signal, the amounts summed.`,
      '',
      '| signal | events | amount |',
      '| --- | ---: | ---: |',
    );
    for (const [kind, label] of KIND_ROWS) {
      const k = s.kinds[kind];
      if (k.events === 0) continue;
      const amount = kind === 'dwell' ? duration(k.amount) : kind === 'dismiss' || kind === 'rename' || kind === 'delete' || kind === 'create' ? '' : count(k.amount);
      out.push(`| ${label} | ${count(k.events)} | ${amount} |`);
    }
    out.push('');
  }
  const { file, snippet, extension } = s.items;
  out.push('## Items', '');
  if (s.top.length === 0) {
    out.push('No file, snippet or extension used yet.', '');
  } else {
    out.push(
      `${many(file, 'file')}, ${many(snippet, 'snippet')} and ${many(extension, 'extension')} used. ` +
        `${s.top.length < file + snippet + extension ? `The ${s.top.length} used most` : 'Each of them'}, by the weight training gives ` +
        `their signals (an open ${W.open}, an edit ${W.edit}, a focused minute ${W.dwell * 60}, a snippet ${W.snippet}, ` +
        `an extension use ${W.extension}), before older ones fade:`,
      '',
      '| item | weight | opens | focused | edits | uses | last used |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const u of s.top) {
      const { kind, name } = parseItemKey(u.item);
      const what = kind === 'file' ? escapeMarkdown(name) : `${escapeMarkdown(name)} (${kind})`;
      out.push(
        `| ${what} | ${u.weight.toFixed(1)} | ${count(u.opens)} | ${duration(u.focusedSeconds)} | ${count(u.edits)} | ${count(u.uses)} | ${localDateTime(u.lastMs)} |`,
      );
    }
    out.push('');
  }
  out.push('## Git history', '');
  out.push(
    info.gitImportedAtMs !== undefined
      ? `Imported ${localDateTime(info.gitImportedAtMs)}: the files changed together in this repository's recent commits ` +
          '(names and times, no contents), kept beside the events and learned from with them, and read again at a start ' +
          'after the repository moved on. Latent: Learn from Git History reads them again now.'
      : 'None imported (Latent: Learn from Git History reads this repository\'s commits, on this machine).',
    '',
  );
  out.push('## Model', '');
  const m = info.model;
  out.push(
    m
      ? `Trained on ${count(m.interactions)} interactions of ${count(m.items)} items in ${count(m.sessions)} sessions, the newest of ` +
          `${localDateTime(m.newestMs)}` +
          (m.byRecentUse ? ': too few sessions with several files yet, so it ranks by recent use.' : `, with ${count(m.factors)} latent factors.`) +
          ' Latent: Inspect Latent Factors shows what it learned.'
      : 'No model yet.',
    '',
  );
  out.push('## Never recorded', '');
  out.push(
    'Files matching `latent.exclude` or `files.exclude`' +
      (info.exclude.length > 0 ? `: ${info.exclude.map((p) => `\`${p.replace(/`/g, "'")}\``).join(', ')}.` : ' (latent.exclude is empty).'),
    '',
  );
  return out.join('\n');
}
