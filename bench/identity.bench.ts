import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/**
 * The identity provider's hot endpoints beside a static route, in one run on this machine: the
 * token endpoint (authorization code → tokens, client_secret_basic, PKCE S256, an RS256 ID token) and
 * userinfo, against GET /healthz. Codes are made beforehand through the provider's own models (as the
 * consent step would), so the load measures only the exchange. The load generator (autocannon) runs
 * in a child process, so building requests is not counted as the server's time. It also counts the
 * database statements one userinfo call makes. Results go into docs/benchmarks.md.
 *
 *   npm run bench:identity                            # SQLite
 *   DATABASE_URL=postgres://… npm run bench:identity  # PostgreSQL (uses the database as it is: give it an empty schema)
 *
 * BENCH_SECONDS (10) and BENCH_CODES (6000) size the run; BENCH_OUTPUT names another file to write to.
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
const CODES = Number(process.env.BENCH_CODES ?? 6000);
const REDIRECT = 'https://bench.example/cb';
const SCOPE = 'openid profile national_code phone';

interface Job {
  url: string;
  seconds?: number;
  amount?: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** Request bodies sent in turn (one authorization code each). */
  bodies?: string[];
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

// ---- The load generator: this same file in a child process, one job at a time over IPC. ----
if (process.argv[2] === 'load-generator') {
  process.on('message', async (job: Job) => {
    if (new URL(job.url).hostname !== '127.0.0.1') throw new Error('only 127.0.0.1 may be a target');
    let next = 0;
    const r = await autocannon({
      url: job.url,
      connections: CONNECTIONS,
      ...(job.amount ? { amount: job.amount } : { duration: job.seconds ?? SECONDS }),
      timeout: 10,
      requests: [
        {
          method: job.method,
          path: job.path,
          headers: job.headers,
          ...(job.bodies ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: job.bodies![next++ % job.bodies!.length] }) } : {}),
        },
      ],
    });
    // Requests over the run's whole time: a per-second average would let a short last second skew a fixed-amount run.
    process.send!({ rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main(): Promise<void> {
  const { buildServer, openPlatform } = await import('../src/app.js');
  const { LOA_SUBSTANTIAL } = await import('../src/identity/index.js');
  const { loadConfig } = await import('../src/platform/config.js');
  const { freePort } = await import('../test/harness.js');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-id-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A node with the identity provider's role, as a national deployment runs it.
  const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: url }, { port, host: '127.0.0.1', roles: 'idp' });
  // Records the statements sent to the database (either driver) while `recording`, to show what one userinfo call costs.
  const statements: string[] = [];
  let recording = false;
  const Sqlite = (await import('better-sqlite3')).default as unknown as { prototype: { prepare(sql: string): unknown } };
  const prepare = Sqlite.prototype.prepare;
  Sqlite.prototype.prepare = function (this: unknown, sql: string) {
    if (recording) statements.push(sql);
    return prepare.call(this, sql);
  };
  const pgClient = (await import('pg')).default.Client.prototype as unknown as { query(...a: unknown[]): unknown };
  const query = pgClient.query;
  pgClient.query = function (this: unknown, ...a: unknown[]) {
    if (recording) statements.push(typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string })?.text));
    return query.apply(this, a);
  };
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
  grant.addOIDCScope(SCOPE);
  const grantId = await grant.save();

  console.log(`bench: making ${CODES} authorization codes…`);
  const bodies: string[] = [];
  for (let i = 0; i < CODES; i++) {
    const verifier = randomBytes(32).toString('base64url');
    const code = new provider.AuthorizationCode({
      accountId: subject,
      acr: LOA_SUBSTANTIAL,
      authTime: Math.floor(Date.now() / 1000),
      clientId: rp.clientId,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      grantId,
      redirectUri: REDIRECT,
      scope: SCOPE,
    } as never);
    bodies.push(new URLSearchParams({ grant_type: 'authorization_code', code: await code.save(), redirect_uri: REDIRECT, code_verifier: verifier }).toString());
  }
  const accessToken = await new provider.AccessToken({ accountId: subject, clientId: rp.clientId, grantId, scope: SCOPE } as never).save();
  const userinfo = { authorization: `Bearer ${accessToken}` };

  // One userinfo call on a warm node (client and claims cached): how many statements reach the database.
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${url}/oidc/me`, { headers: userinfo });
    if (res.status !== 200) throw new Error(`userinfo answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  recording = true;
  await (await fetch(`${url}/oidc/me`, { headers: userinfo })).arrayBuffer();
  recording = false;
  const perUserinfo = statements.length;
  console.log(`bench: one warm userinfo call sends ${perUserinfo} statement(s) to the database:\n  ${statements.join('\n  ')}`);

  const child = fork(fileURLToPath(import.meta.url), ['load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const run = (name: string, job: Omit<Job, 'url'>): Promise<Row> =>
    new Promise((resolve) => {
      child.once('message', (m: Omit<Row, 'name'>) => {
        console.log(`bench: ${name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.total} requests, non-2xx ${m.non2xx}, errors ${m.errors}`);
        resolve({ name, ...m });
      });
      child.send({ url, ...job });
    });

  // Warm-up (discarded), then each target in turn; the token endpoint spends every code once.
  await run('warm-up', { method: 'GET', path: '/healthz', seconds: 2 });
  await run('warm-up', { method: 'GET', path: '/oidc/me', headers: userinfo, seconds: 2 });
  const rows: Row[] = [];
  rows.push(await run('`GET /healthz` (static route)', { method: 'GET', path: '/healthz', seconds: SECONDS }));
  rows.push(await run('`GET /oidc/me` (userinfo)', { method: 'GET', path: '/oidc/me', headers: userinfo, seconds: SECONDS }));
  rows.push(await run('`POST /oidc/token` (code → tokens)', { method: 'POST', path: '/oidc/token', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, bodies, amount: CODES }));
  child.disconnect();

  await app.close();
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const ref = rows[0]!;
  const dialect = config.databaseUrl ? 'PostgreSQL' : 'SQLite (WAL)';
  const lines = [
    `### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${dialect}`,
    '',
    `- **Command:** \`${config.databaseUrl ? 'DATABASE_URL=postgres://… ' : ''}npm run bench:identity\``,
    `- **Machine:** ${os.cpus().length} cores of ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}; one server process, the load generator (autocannon, ${CONNECTIONS} connections) in a second process on the same cores`,
    `- **Load:** ${SECONDS} s per GET target after 2 s of warm-up; the token endpoint until its ${CODES} codes are spent`,
    `- **Database statements per warm userinfo call:** ${perUserinfo} (${statements.map((q) => `a ${/^\s*(\w+)/.exec(q)?.[1]?.toLowerCase() ?? '?'} of \`${/\b(?:from|into|update)\s+"?(\w+)"?/i.exec(q)?.[1] ?? '?'}\``).join(', ')})`,
    '',
    '| target | req/s | ÷ static | p50 ms | p99 ms | requests | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${Math.round(r.rps).toLocaleString('en')} | ${(r.rps / ref.rps).toFixed(3)}× | ${r.p50} | ${r.p99} | ${r.total.toLocaleString('en')} | ${r.non2xx} | ${r.errors} |`),
    '',
  ];
  const file = path.resolve(process.env.BENCH_OUTPUT ?? 'docs/benchmarks.md');
  const heading = '## National identity: token endpoint and userinfo (`npm run bench:identity`)';
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (!doc.includes(heading)) {
    doc += `\n${heading}\n\nEach run adds a section below, newest first. Codes are made beforehand through the provider's models; each is exchanged once (client_secret_basic, PKCE S256, an RS256-signed ID token and access token written to the database). Userinfo reads the access token and its grant in one statement (the token lookup the spec requires, joined with the grant that oidc-provider checks next, so consent withdrawn is still seen; until 2026-12-07 these were two reads); the client's metadata (5 s) and the person's claims, registry record and verified mobile (1 min) come from each node's memory.\n\n`;
  }
  const at = doc.indexOf(heading) + heading.length;
  const afterIntro = doc.indexOf('\n### ', at);
  const nextSection = doc.indexOf('\n## ', at);
  const insertAt = afterIntro !== -1 && (nextSection === -1 || afterIntro < nextSection) ? afterIntro + 1 : nextSection === -1 ? doc.length : nextSection + 1;
  doc = `${doc.slice(0, insertAt)}${lines.join('\n')}\n${doc.slice(insertAt)}`;
  fs.writeFileSync(file, doc);
  console.log(`ratios: userinfo/static=${(rows[1]!.rps / ref.rps).toFixed(3)} token/static=${(rows[2]!.rps / ref.rps).toFixed(3)}`);
  process.exit(0);
}
