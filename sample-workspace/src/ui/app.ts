import { renderList } from './list';
import { theme } from './theme';

export function mount(root: { innerHTML: string }, items: { title: string; done: boolean }[]): void {
  root.innerHTML = `<main style="color:${theme.text}">${renderList(items)}</main>`;
}
