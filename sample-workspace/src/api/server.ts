import { createServer } from 'node:http';
import { route } from './routes';

export function start(port: number) {
  return createServer((req, res) => route(req, res)).listen(port);
}
