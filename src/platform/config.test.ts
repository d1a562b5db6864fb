import os from 'node:os';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseRoles } from './config.js';

test('defaults: port 3000, ./data, SQLite, demo on, every role', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, path.resolve('./data'));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.demo, true);
  assert.deepEqual(c.roles, ['portal', 'idp', 'gateway', 'worker']);
});

test('flags win over the environment', () => {
  const c = loadConfig({ PORT: '4000' }, { port: '5000', roles: 'portal' });
  assert.equal(c.port, 5000);
  assert.deepEqual(c.roles, ['portal']);
});

test('bad values are refused with a message naming the setting', () => {
  assert.throws(() => loadConfig({ PORT: 'abc' }), (e: Error) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ PORT: '70000' }), ConfigError);
  assert.throws(() => loadConfig({}, { port: '-1' }), /--port/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ PANJAREH_DEMO: 'maybe' }), /PANJAREH_DEMO/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  assert.throws(() => parseRoles('portal,kitchen'), /unknown role "kitchen"/);
  assert.throws(() => parseRoles(' , '), /at least one role/);
});

test('PANJAREH_DEMO=false starts empty', () => {
  assert.equal(loadConfig({ PANJAREH_DEMO: 'false' }).demo, false);
});

test('workers: 1 by default, a number from 1 to 64, or "auto" for one per core', () => {
  assert.equal(loadConfig({}).workers, 1);
  assert.equal(loadConfig({ PANJAREH_WORKERS: '3' }).workers, 3);
  assert.equal(loadConfig({ PANJAREH_WORKERS: '3' }, { workers: '2' }).workers, 2);
  assert.equal(loadConfig({ PANJAREH_WORKERS: 'auto' }).workers, os.availableParallelism());
  assert.throws(() => loadConfig({ PANJAREH_WORKERS: '0' }), /PANJAREH_WORKERS/);
  assert.throws(() => loadConfig({}, { workers: 'many' }), /--workers/);
});
