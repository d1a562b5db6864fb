import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../platform/config.js';

const base = { PANJAREH_DATA_DIR: '/tmp/x' };

test('PANJAREH_PSP_URL, _MERCHANT and _SECRET configure the payment provider; unset leaves it to demo mode', () => {
  assert.equal(loadConfig(base).psp, undefined);
  const c = loadConfig({ ...base, PANJAREH_PSP_URL: 'https://psp.example/ipg/', PANJAREH_PSP_MERCHANT: ' 1234 ', PANJAREH_PSP_SECRET: 's3cret' });
  assert.deepEqual(c.psp, { url: 'https://psp.example/ipg', merchant: '1234', secret: 's3cret' });
});

test('a PSP address that is not http(s), carries credentials, or lacks the merchant or secret stops the program', () => {
  const bad = (env: Record<string, string>, re: RegExp) => assert.throws(() => loadConfig({ ...base, ...env }), (e) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('hunter2'));
  bad({ PANJAREH_PSP_URL: 'ftp://psp.example', PANJAREH_PSP_MERCHANT: 'm', PANJAREH_PSP_SECRET: 's' }, /PANJAREH_PSP_URL must be/);
  bad({ PANJAREH_PSP_URL: 'https://u:hunter2@psp.example', PANJAREH_PSP_MERCHANT: 'm', PANJAREH_PSP_SECRET: 's' }, /without credentials/);
  bad({ PANJAREH_PSP_URL: 'https://psp.example' }, /needs PANJAREH_PSP_MERCHANT and PANJAREH_PSP_SECRET/);
  bad({ PANJAREH_PSP_URL: 'https://psp.example', PANJAREH_PSP_MERCHANT: 'm' }, /needs PANJAREH_PSP_MERCHANT and PANJAREH_PSP_SECRET/);
});
