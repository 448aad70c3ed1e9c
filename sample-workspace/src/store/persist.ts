import { listTasks, type Task } from './tasks';

export function serialize(): string {
  return JSON.stringify(listTasks());
}

export function parse(text: string): Task[] {
  return JSON.parse(text) as Task[];
}
