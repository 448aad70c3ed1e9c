export function renderList(items: { title: string; done: boolean }[]): string {
  return `<ul>${items.map((i) => `<li class="${i.done ? 'done' : ''}">${i.title}</li>`).join('')}</ul>`;
}
