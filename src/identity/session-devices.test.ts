import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeUserAgent } from './session-devices.js';

test('describeUserAgent names the browser, the system and the kind of device, and nothing for what it cannot read', () => {
  assert.deepEqual(describeUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'), { browser: 'Chrome', os: 'Android', type: 'mobile' });
  assert.deepEqual(describeUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'), { browser: 'Safari', os: 'iOS', type: 'mobile' });
  assert.deepEqual(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'), { browser: 'Firefox', os: 'Windows', type: 'desktop' });
  assert.deepEqual(describeUserAgent(null), { browser: null, os: null, type: null });
  assert.deepEqual(describeUserAgent(''), { browser: null, os: null, type: null });
  assert.deepEqual(describeUserAgent('x'.repeat(2000)), { browser: null, os: null, type: null }, 'an oversized header is not parsed');
  const odd = describeUserAgent('curl/8.5.0');
  assert.equal(odd.os, null);
});
