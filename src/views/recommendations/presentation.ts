// How a recommendation is named and explained in one line, for every place that lists them: the tree's rows (label,
// description, what a screen reader says) and the "Go to Recommended..." quick pick (label, description, detail). Pure: no
// vscode, tested in plain Node; the caller passes what only VS Code knows (an extension's display name).
import { displayName, ITEM_KINDS, itemKind, itemPlace, parseItemKey, type ItemKind } from '../../core/itemKey';
import type { Recommendation } from '../../core/recommender';
import { REASON_MIN_STRENGTH, type FactorLabels } from './whyText';

export const GROUP_LABEL: Readonly<Record<ItemKind, string>> = { file: 'Files', snippet: 'Snippets', extension: 'Extensions' };

export interface ItemText {
  label: string;
  /** the folder of a file or a snippet's source; an extension's id when its display name is the label */
  description: string;
}

/** Label and description of a row. `extensionName` is the installed extension's display name, when there is one. */
export function itemText(rec: Recommendation, extensionName?: string): ItemText {
  const { kind, name } = parseItemKey(rec.item);
  const dir = itemPlace(rec.item).folder;
  if (kind === 'file') {
    // A file the model has not learned yet, ranked by its neighbours: say so, it is a guess.
    return { label: displayName(rec.item), description: rec.source === 'new' ? (dir ? `${dir} · new file` : 'new file') : dir };
  }
  if (kind === 'snippet') return { label: displayName(rec.item), description: dir };
  if (kind === 'extension' && extensionName) return { label: extensionName, description: name };
  return { label: displayName(rec.item), description: '' };
}

/**
 * Why it is recommended, in one line of plain text (no Markdown): the parts of its score that lift it, largest
 * first, in words, then the score. The tooltip (whyMarkdown) has every term with its number.
 */
export function whyLine(rec: Recommendation, labels: FactorLabels | undefined): string {
  const b = rec.breakdown;
  const score = `score ${rec.score.toFixed(2)}`;
  const borrowed = b.terms.find((t) => t.part === 'borrowed');
  if (borrowed) return `New file, ranked right behind ${displayName(borrowed.item ?? '')}, its closest known neighbour · ${score}`;
  if (rec.source === 'frecency') return `Used recently (too few sessions yet to learn what goes together) · ${score}`;
  const reasons: { value: number; text: string }[] = [];
  const coUsed = rec.explanation.coUsed.slice(0, 3).map(displayName);
  if (b.parts.itemItem > 0 && b.strength.itemItem >= REASON_MIN_STRENGTH && coUsed.length > 0) reasons.push({ value: b.parts.itemItem, text: `often used with ${coUsed.join(', ')}` });
  if (b.parts.factors > 0 && b.strength.factors >= REASON_MIN_STRENGTH) {
    let top = -1;
    rec.explanation.contributions.forEach((v, f) => {
      if (v > 0 && (top < 0 || v > rec.explanation.contributions[top])) top = f;
    });
    const area = top < 0 ? '' : labels ? ` (${labels.labelFor(rec, top)})` : ` (pattern ${top + 1})`;
    reasons.push({ value: b.parts.factors, text: `fits your current work${area}` });
  }
  if (b.parts.prior > 0) reasons.push({ value: b.parts.prior, text: 'used recently' });
  reasons.sort((x, y) => y.value - x.value);
  const text = reasons.map((r) => r.text).join('; ');
  return text ? `${text[0].toUpperCase()}${text.slice(1)} · ${score}` : `Little in your current work points to it · ${score}`;
}

const KIND_WORD: Readonly<Record<ItemKind, string>> = { file: 'file', snippet: 'snippet', extension: 'extension' };

/** What a screen reader says for a tree row: the name, its kind and place, and why it is recommended. */
export function accessibleLabel(rec: Recommendation, text: ItemText, why: string): string {
  const kind = itemKind(rec.item);
  const where = !text.description ? '' : kind === 'extension' ? ` (${text.description})` : ` in ${text.description}`;
  return `${text.label}, ${kind ? KIND_WORD[kind] : 'item'}${where}. Recommended: ${why}`;
}

/** What a screen reader says for a group row. */
export function groupAccessibleLabel(kind: ItemKind, count: number): string {
  return `${GROUP_LABEL[kind]}: ${count} recommendation${count === 1 ? '' : 's'}`;
}

export type QuickPickEntry =
  | { type: 'separator'; kind: ItemKind; label: string }
  | { type: 'item'; kind: ItemKind; item: string; label: string; description: string; detail: string };

export interface QuickPickEntryOptions {
  labels?: FactorLabels;
  /** display name of an installed extension, by id */
  extensionName?(id: string): string | undefined;
}

/**
 * The quick pick's rows: a separator per kind that has recommendations (Files, Snippets, Extensions, in that order),
 * each followed by its items in ranking order, with the one-line "why" as detail.
 */
export function quickPickEntries(recs: readonly Recommendation[], opts: QuickPickEntryOptions = {}): QuickPickEntry[] {
  const out: QuickPickEntry[] = [];
  for (const kind of ITEM_KINDS) {
    const ofKind = recs.filter((r) => itemKind(r.item) === kind);
    if (ofKind.length === 0) continue;
    out.push({ type: 'separator', kind, label: GROUP_LABEL[kind] });
    for (const rec of ofKind) {
      const name = kind === 'extension' ? opts.extensionName?.(parseItemKey(rec.item).name) : undefined;
      out.push({ type: 'item', kind, item: rec.item, ...itemText(rec, name), detail: whyLine(rec, opts.labels) });
    }
  }
  return out;
}
