/**
 * The child process of test/exchange-audit-kill.e2e.test.ts: opens the platform's database (from the
 * environment, as `panjareh start` does) and an ExchangeAuditLog, and for each HTTP request appends a
 * record and only then answers 200 with its X-Road-Id. Prints `listening <port>` once ready.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openPlatform } from '../src/app.js';
import { ExchangeAuditLog } from '../src/exchange/audit/index.js';
import { loadConfig } from '../src/platform/config.js';

const platform = await openPlatform(loadConfig(process.env));
const log = new ExchangeAuditLog(platform.database.db, platform.database.dialect, { keys: platform.keys, nodeId: process.env.AUDIT_NODE_ID, sealEveryRecords: 500 });
const EMPTY = createHash('sha256').digest('hex');

const server = http.createServer((req, res) => {
  const id = randomUUID();
  const t0 = performance.now();
  const body = JSON.stringify({ id });
  log
    .append({
      id,
      at: new Date().toISOString(),
      client: 'IR/COM/10100000001/kyc',
      service: 'IR/GOV/NOCR/registry/person',
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      subject: '0012345678',
      consentId: null,
      legalBasis: 'test',
      status: 200,
      errorType: null,
      latencyMs: performance.now() - t0,
      requestBytes: 0,
      responseBytes: Buffer.byteLength(body),
      requestHash: EMPTY,
      responseHash: createHash('sha256').update(body).digest('hex'),
    })
    .then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      () => res.writeHead(500).end(),
    );
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
