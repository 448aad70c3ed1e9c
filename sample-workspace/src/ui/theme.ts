export const theme = { text: '#222', accent: '#0a7', done: '#999' };
