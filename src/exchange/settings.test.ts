import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../platform/config.js';

test('gateway settings: defaults, overrides, and one clear line for a bad value', () => {
  const d = loadConfig({}).exchange;
  assert.deepEqual(d, { maxBodyBytes: 1048576, maxResponseBytes: 10485760, upstreamTimeoutMs: 10000, connectTimeoutMs: 3000, clientTimeoutMs: 10000, connections: 64, syncMs: 250 });
  assert.equal(loadConfig({ PANJAREH_GATEWAY_MAX_BODY: '2048', PANJAREH_EXCHANGE_SYNC_MS: '500' }).exchange.maxBodyBytes, 2048);
  assert.throws(() => loadConfig({ PANJAREH_EXCHANGE_SYNC_MS: '5000' }), (e) => e instanceof ConfigError && /PANJAREH_EXCHANGE_SYNC_MS must be a whole number from 50 to 1000/.test(e.message), 'revocations must reach every node within a second');
  assert.throws(() => loadConfig({ PANJAREH_GATEWAY_TIMEOUT_MS: '1.5s' }), /PANJAREH_GATEWAY_TIMEOUT_MS/);
  assert.throws(() => loadConfig({ PANJAREH_GATEWAY_MAX_BODY: '0' }), /PANJAREH_GATEWAY_MAX_BODY/);
});
