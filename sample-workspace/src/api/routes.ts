import type { IncomingMessage, ServerResponse } from 'node:http';
import { addTask, listTasks } from '../store/tasks';

export function route(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET' && req.url === '/tasks') {
    res.end(JSON.stringify(listTasks()));
  } else if (req.method === 'POST' && req.url === '/tasks') {
    res.end(JSON.stringify(addTask('new task')));
  } else {
    res.statusCode = 404;
    res.end();
  }
}
