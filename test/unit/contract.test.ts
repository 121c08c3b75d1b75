import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequest, REQUEST_NAMES } from '../../electron/contract.js';

test('contract: known request with valid params parses', () => {
  const r = parseRequest('fs.list', { path: '/tmp', listingId: 'a1' });
  assert.equal(r.ok, true);
});

test('contract: every request name has a schema', () => {
  assert.ok(REQUEST_NAMES.length >= 15);
});
