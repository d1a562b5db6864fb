/**
 * The bare Node reverse proxy of `npm run bench:gateway`: what any keep-alive proxy on Node costs,
 * with no checks and no audit log. `UPSTREAM=http://127.0.0.1:port`; prints `listening <port>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM!, { connections: 64, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

const server = http.createServer(async (req, res) => {
  try {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    const up = await pool.request({ path: req.url ?? '/', method: req.method as 'GET', headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
    const body = Buffer.from(await up.body.arrayBuffer());
    const out: Record<string, string> = { 'content-length': String(body.length) };
    const type = up.headers['content-type'];
    if (typeof type === 'string') out['content-type'] = type;
    res.writeHead(up.statusCode, out).end(body);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
