export interface Task { id: number; title: string; done: boolean }

const tasks: Task[] = [];
let nextId = 1;

export function addTask(title: string): Task {
  const task = { id: nextId++, title, done: false };
  tasks.push(task);
  return task;
}

export function toggleTask(id: number): Task | undefined {
  const task = tasks.find((t) => t.id === id);
  if (task) task.done = !task.done;
  return task;
}

export function listTasks(): readonly Task[] {
  return tasks;
}
