const test = require('node:test');
const assert = require('node:assert');

test('placeholder: build first with npm run build', () => {
  assert.ok(true);
});
