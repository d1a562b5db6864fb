/**
 * The upstream of `npm run bench:gateway`: a tiny keep-alive HTTP server that answers every request
 * with the same small JSON, as a provider's back-end would. Prints `listening <port>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from(JSON.stringify({ nationalCode: '0499370899', firstName: 'Ali', lastName: 'Rezaei', born: '1370-01-01', alive: true }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
