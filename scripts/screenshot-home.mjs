// Takes the README's screenshot of the home page (docs/img/home.png): starts the platform with the demo
// data on a temporary data directory (SQLite), opens the home page in Debian's Chromium (playwright-core
// never downloads a browser) at 1280×800, and saves the visible part as PNG, reduced to a palette by
// pngquant when it is installed (Debian package pngquant: a third of the size, no visible change).
//
//   node scripts/screenshot-home.mjs [PATH] [OUTPUT]     PATH defaults to / (the Persian home page)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..');
const page = process.argv[2] ?? '/';
const output = path.resolve(process.argv[3] ?? path.join(ROOT, 'docs/img/home.png'));

const port = await new Promise((resolve, reject) => {
  const srv = net.createServer().once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-shot-'));
const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--port', String(port), '--host', '127.0.0.1'], {
  cwd: ROOT,
  env: { ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'warn', PUBLIC_URL: `http://localhost:${port}` },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://localhost:${port}`;
let browser;
try {
  const until = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok && (await fetch(`${base}/`).then((r) => r.ok, () => false))) break;
    if (server.exitCode !== null) throw new Error(`the server stopped (exit ${server.exitCode})`);
    if (Date.now() > until) throw new Error('the server did not answer within 2 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await tab.goto(`${base}${page}`, { waitUntil: 'networkidle' });
  await tab.evaluate(() => document.fonts.ready);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  await tab.screenshot({ path: output });
  const q = spawnSync('pngquant', ['--quality=70-95', '--speed', '1', '--force', '--output', output, output], { stdio: 'inherit' });
  if (q.error) console.log('pngquant is not installed: the PNG is left as Chromium wrote it');
  console.log(`${output}: ${fs.statSync(output).size} bytes`);
} finally {
  await browser?.close();
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
