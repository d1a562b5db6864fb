/**
 * The trace collector of `npm run bench:gateway -- --tracing`: accepts OTLP/HTTP posts on /v1/traces
 * and throws them away after counting them, as cheaply as possible (a real collector runs on another
 * machine). `GET /stats` answers `{ "posts": N, "bytes": N }`. Prints `listening <port>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let posts = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts, bytes }));
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    posts++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
