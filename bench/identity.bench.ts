import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { buildServer, openPlatform } from '../src/app.js';
import { LOA_SUBSTANTIAL } from '../src/identity/index.js';
import { loadConfig } from '../src/platform/config.js';
import { freePort } from '../test/harness.js';

/**
 * The identity provider's hot endpoints beside a static route, in one run on this machine:
 * the token endpoint (authorization code → tokens, client_secret_basic, PKCE) and userinfo, against
 * GET /healthz. Codes are made beforehand through the provider's own models (as the consent step
 * would), so the load measures only the exchange. Results are appended to docs/benchmarks.md.
 *
 *   npm run bench:identity                          # SQLite
 *   DATABASE_URL=postgres://… npm run bench:identity  # PostgreSQL (uses the database as it is: give it an empty schema)
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
const CODES = Number(process.env.BENCH_CODES ?? 6000);
const REDIRECT = 'https://bench.example/cb';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-id-'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: url }, { port, host: '127.0.0.1' });
const platform = await openPlatform(config);
await platform.agencies.seed();
const app = await buildServer(platform);
await app.listen({ port, host: '127.0.0.1' });

const rp = await platform.identity.clients.add({ name: 'Benchmark', redirectUris: [REDIRECT] }, 'bench');
const basic = `Basic ${Buffer.from(`${rp.clientId}:${rp.clientSecret}`).toString('base64')}`;
const provider = platform.identity.host!.current;
const subject = await platform.identity.people.subjectOf('0499370899');
await platform.identity.people.setMobile('0499370899', '09123456789');
const grant = new provider.Grant({ accountId: subject, clientId: rp.clientId });
grant.addOIDCScope('openid profile national_code phone');
const grantId = await grant.save();

console.log(`bench: making ${CODES} authorization codes…`);
const codes: { code: string; verifier: string }[] = [];
for (let i = 0; i < CODES; i++) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const code = new provider.AuthorizationCode({
    accountId: subject,
    acr: LOA_SUBSTANTIAL,
    authTime: Math.floor(Date.now() / 1000),
    clientId: rp.clientId,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    grantId,
    redirectUri: REDIRECT,
    scope: 'openid profile national_code phone',
  } as never);
  codes.push({ code: await code.save(), verifier });
}
const accessToken = await new provider.AccessToken({ accountId: subject, clientId: rp.clientId, grantId, scope: 'openid profile national_code phone' } as never).save();

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(name: string, opts: Omit<autocannon.Options, 'url'>): Promise<Row> {
  const r = await autocannon({ connections: CONNECTIONS, ...opts, url });
  const row = { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  console.log(`bench: ${name}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non-2xx ${row.non2xx}`);
  return row;
}

// Warm-up, then each target in turn.
await autocannon({ url: `${url}/healthz`, connections: CONNECTIONS, duration: 2 });
const rows: Row[] = [];
rows.push(await load('GET /healthz (static route)', { duration: SECONDS, requests: [{ method: 'GET', path: '/healthz' }] }));
rows.push(await load('GET /oidc/me (userinfo)', { duration: SECONDS, requests: [{ method: 'GET', path: '/oidc/me', headers: { authorization: `Bearer ${accessToken}` } }] }));
let next = 0;
rows.push(
  await load('POST /oidc/token (code → tokens)', {
    amount: CODES,
    requests: [
      {
        method: 'POST',
        path: '/oidc/token',
        setupRequest: (req) => {
          const c = codes[next++ % codes.length]!;
          return { ...req, headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier }).toString() };
        },
      },
    ],
  }),
);

await app.close();
await platform.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const ref = rows[0]!;
const dialect = config.databaseUrl ? 'PostgreSQL' : 'SQLite';
const lines = [
  `### ${new Date().toISOString().slice(0, 10)} · ${dialect} · \`${config.databaseUrl ? 'DATABASE_URL=postgres://… ' : ''}npm run bench:identity\``,
  '',
  `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${CONNECTIONS} connections, load generator in the same process as the server.`,
  '',
  '| target | req/s | ÷ static | p50 ms | p99 ms | non-2xx | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${Math.round(r.rps)} | ${(r.rps / ref.rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`),
  '',
];
const file = path.resolve('docs/benchmarks.md');
const heading = '## Identity provider: token endpoint and userinfo (`npm run bench:identity`)';
let doc = fs.readFileSync(file, 'utf8');
if (!doc.includes(heading)) doc += `\n${heading}\n\nEach run adds a section below, newest first. Codes are made beforehand through the provider's models; each is exchanged once (client_secret_basic, PKCE S256, RS256-signed ID token, a database write per exchange). Userinfo reads the access token (the one database read the spec requires) and serves the person's claims from a one-minute cache of the registry answer.\n\n`;
const at = doc.indexOf(heading) + heading.length;
const afterIntro = doc.indexOf('\n### ', at);
const insertAt = afterIntro === -1 ? doc.length : afterIntro + 1;
doc = `${doc.slice(0, insertAt)}${lines.join('\n')}\n${doc.slice(insertAt)}`;
fs.writeFileSync(file, doc);
console.log(`ratios: userinfo/static=${(rows[1]!.rps / ref.rps).toFixed(2)} token/static=${(rows[2]!.rps / ref.rps).toFixed(2)}`);
process.exit(0);
