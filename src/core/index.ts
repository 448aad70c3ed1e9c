// Public surface of the core engine (pure TypeScript; no vscode, no node:* imports).
export * from './errors';
export * from './idMap';
export * from './sparse';
export * from './random';
export * from './confidence';
export * from './model';
export * from './train';
export * from './sgd';
export * from './foldIn';
export * from './ranking';
export * from './explain';
export * from './metrics';
export * from './serialize';
export * from './linalg';
export * from './losses';
export * from './batchGd';
export * from './als';
