import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from './browser.js';
import { runCli } from './cli-kit.js';
import { freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { signInThroughPages } from './signin.js';

/** `panjareh oidc client add` and `panjareh keys rotate` as an operator runs them, against a running node. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: TestPlatform;
before(async () => {
  db = await freshDatabase();
  node = await testPlatform({ shared: db, listen: true });
});
after(async () => {
  await node.dispose();
  await db.drop();
});

const cli = (args: string[]) => runCli(db, args);

test('oidc client add prints {"client_id","client_secret"} last and stores only a hash of the secret', async () => {
  assert.match((await cli(['oidc', 'client', 'add', '--help'])).out, /--redirect-uri/);
  const r = await cli(['oidc', 'client', 'add', '--name', 'Tax office', '--redirect-uri', 'https://tax.example/cb']);
  assert.equal(r.code, 0, r.err);
  const last = JSON.parse(r.out.trim().split('\n').at(-1)!) as { client_id: string; client_secret: string };
  assert.match(last.client_id, /^rp-/);
  assert.ok(last.client_secret.length >= 40);
  const row = await node.database.db.selectFrom('oidc_clients' as never).selectAll().where('client_id' as never, '=', last.client_id as never).executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(row).includes(last.client_secret), 'the secret itself is not stored');
  // The new client works at once against the running node: its secret authenticates (the made-up code does not).
  const token = (secret: string) =>
    fetch(`${node.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${last.client_id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: 'https://tax.example/cb', code_verifier: 'x'.repeat(43) }),
    });
  const good = await token(last.client_secret);
  assert.equal(((await good.json()) as { error: string }).error, 'invalid_grant');
  const wrong = await token('wrong');
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');

  const bad = await cli(['oidc', 'client', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /https/);
  const noJwks = await cli(['oidc', 'client', 'add', '--name', 'Bank', '--redirect-uri', 'https://bank.example/cb', '--auth', 'private_key_jwt']);
  assert.equal(noJwks.code, 1);
  assert.match(noJwks.err, /jwks-uri/);
  const pkjwt = await cli(['oidc', 'client', 'add', '--name', 'Bank', '--redirect-uri', 'https://bank.example/cb', '--auth', 'private_key_jwt', '--jwks-uri', 'https://bank.example/jwks']);
  assert.equal(pkjwt.code, 0, pkjwt.err);
  assert.equal(JSON.parse(pkjwt.out.trim().split('\n').at(-1)!).client_secret, null);
});

test('keys rotate: the running node signs with the new key within seconds; the old key stays in the JWKS', async () => {
  const jwks = async () => ((await (await fetch(`${node.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  const before = await jwks();
  assert.equal(before.length, 1);
  const r = await cli(['keys', 'rotate']);
  assert.equal(r.code, 0, r.err);
  // The node polls every 5 s and may already have reloaded while the command ran; reloading now is what a poll would do next.
  await node.identity.host!.reloadIfRotated();
  const afterRotation = await jwks();
  assert.equal(afterRotation.length, 2);
  assert.ok(afterRotation.includes(before[0]!), 'the retired key is still published');
  assert.notEqual(afterRotation[0], before[0], 'the new key comes first and signs');
});

test('oidc client add --auth client_secret_post: openid-client with ClientSecretPost signs a person in; a method mismatch is named in the error', async () => {
  await node.agencies.seed();
  const redirect = 'http://127.0.0.1:9/post-cb';
  const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { client_id: string; client_secret: string; token_endpoint_auth_method: string };
  const r = await cli(['oidc', 'client', 'add', '--name', 'Post site', '--redirect-uri', redirect, '--auth', 'client_secret_post']);
  assert.equal(r.code, 0, r.err);
  const made = lastJson(r.out);
  assert.equal(made.token_endpoint_auth_method, 'client_secret_post');
  assert.ok(made.client_secret.length >= 40);
  const basic = await cli(['oidc', 'client', 'add', '--name', 'Basic site', '--redirect-uri', redirect]);
  const basicClient = lastJson(basic.out);
  assert.equal(basicClient.token_endpoint_auth_method, 'client_secret_basic', 'the default is named too');
  assert.ok((await node.identity.clients.list()).some((c) => c.clientId === made.client_id && c.auth === 'client_secret_post'), 'the method is stored with the client');

  const discovery = (await (await fetch(`${node.url}/.well-known/openid-configuration`)).json()) as { token_endpoint_auth_methods_supported: string[] };
  assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_post'));

  const signIn = async (clientId: string, auth: client.ClientAuth) => {
    const config = await client.discovery(new URL(node.url!), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid national_code', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const callback = await signInThroughPages(new Browser(node.url!), url.href, node.url!, { nationalCode: '0499370899', mobile: '09123456789' });
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state });
    return (await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).national_code;
  };
  assert.equal(await signIn(made.client_id, client.ClientSecretPost(made.client_secret)), '0499370899');
  // A client registered with the default: openid-client's default (the secret in the body) works on the first try as well.
  assert.equal(await signIn(basicClient.client_id, client.ClientSecretPost(basicClient.client_secret)), '0499370899');

  // A site registered for its private key that sends a secret instead: invalid_client, saying which method it is registered for.
  const keyed = await node.identity.clients.add({ name: 'Keyed site', redirectUris: [redirect], auth: 'private_key_jwt', jwksUri: 'https://keyed.example/jwks' }, 'test');
  const res = await fetch(`${node.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: redirect, code_verifier: 'x'.repeat(43), client_id: keyed.clientId, client_secret: 'a-secret' }),
  });
  assert.equal(res.status, 401);
  const err = (await res.json()) as { error: string; error_description: string };
  assert.equal(err.error, 'invalid_client');
  assert.match(err.error_description, /registered to authenticate with private_key_jwt/);
  // An unknown client learns nothing more than before.
  const unknown = await fetch(`${node.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'rp-nobody', client_secret: 'y' }) });
  assert.doesNotMatch(((await unknown.json()) as { error_description: string }).error_description, /registered/);
});
