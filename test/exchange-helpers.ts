import http from 'node:http';
import net from 'node:net';
import type { ExchangeAuditRecord } from '../src/exchange/index.js';
import type { TestPlatform } from './harness.js';

/** Shared by the exchange's end-to-end tests: a real upstream, raw HTTP calls, and the audit records of a node. */

export interface UpstreamHit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A provider's back-end on node:http. `/base/…` echoes what it received as JSON; `/base/slow` answers
 * after 3 s; `/base/huge` sends 200 KB; `/base/cookie` sets a cookie and X-Road headers of its own.
 */
export async function startUpstream(): Promise<{ url: string; hits: UpstreamHit[]; close(): Promise<void> }> {
  const hits: UpstreamHit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      if (req.url?.startsWith('/base/slow')) {
        const t = setTimeout(() => res.end('{"late":true}'), 3000);
        res.on('close', () => clearTimeout(t));
        return;
      }
      if (req.url?.startsWith('/base/huge')) {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(Buffer.alloc(200 * 1024, 120));
        return;
      }
      if (req.url?.startsWith('/base/cookie')) {
        res.setHeader('set-cookie', 'session=upstream-secret');
        res.setHeader('x-road-id', 'forged-by-upstream');
      }
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-upstream', 'yes');
      res.end(JSON.stringify(hit));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A server that answers every connection with bytes that are not HTTP. */
export async function startGarbage(): Promise<{ url: string; close(): Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end('THIS IS NOT HTTP\r\n\r\n\0\0\0'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP call with the path sent exactly as written (fetch would resolve "%2e%2e" and ".."). */
export function call(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A request written byte by byte on a socket: for what an HTTP client library refuses to send. */
export function rawCall(base: string, request: string | Buffer, opts: { keepOpenMs?: number } = {}): Promise<{ status: number; head: string; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    });
    s.write(request);
    // No half-close: Node's server drops the request of a client that half-closes. The requests ask
    // for Connection: close (or are refused with it); the socket is ended here only as a last resort.
    setTimeout(() => s.end(), opts.keepOpenMs ?? 10_000).unref();
  });
}

/**
 * Every audit record the node's gateway writes, by X-Road-Id. Records still go to the platform's
 * exchange audit log when it has one; this only also keeps a copy for the test to read.
 */
export function recordAudit(tp: TestPlatform): Map<string, ExchangeAuditRecord> {
  const seen = new Map<string, ExchangeAuditRecord>();
  const real = tp.exchange.audit;
  tp.exchange.useAuditLog({
    async append(r) {
      if (real) await real.append(r);
      seen.set(r.id, r);
    },
  });
  return seen;
}

/** The consumer and the personal data service the kill, backup and deployment tests call through the gateway. */
export const BANK_CLIENT = 'IR/COM/10100000001/kyc';
export const PERSON_SERVICE = 'IR/GOV/NOCR/registry/person';

/**
 * Registers the civil registry's person service (upstream: `upstreamUrl/base`) and a bank allowed to
 * call it without a rate limit, on the exchange of `tp`; returns the bank's API key.
 */
export async function registerBankAndRegistry(tp: TestPlatform, upstreamUrl: string, purpose: string): Promise<string> {
  const { registry, contracts, apiKeys } = tp.exchange;
  await registry.addMember({ id: 'IR/GOV/NOCR', name: 'Civil registry' }, 'test');
  await registry.addMember({ id: 'IR/COM/10100000001', name: 'Bank' }, 'test');
  await registry.addSubsystem({ id: 'IR/GOV/NOCR/registry' }, 'test');
  await registry.addSubsystem({ id: BANK_CLIENT }, 'test');
  const openapi = { openapi: '3.0.3', info: { title: 'Civil registry', version: '1' }, paths: { '/persons/{nationalCode}': { get: { responses: {} } } } };
  await registry.addService({ id: PERSON_SERVICE, upstream: `${upstreamUrl}/base`, classification: 'personal', subject: { in: 'path', name: 'nationalCode' }, openapi }, 'test');
  await contracts.grant({ client: BANK_CLIENT, service: PERSON_SERVICE, purpose, paths: ['/persons/*'], legalBasis: 'Social Security Act, art. 38', legalBasisCoversPersonalData: true, ratePerSecond: 1_000_000, dailyQuota: null }, 'test');
  return (await apiKeys.create(BANK_CLIENT, { label: purpose.toLowerCase() }, 'test')).key;
}
