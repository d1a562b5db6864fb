import fs from 'node:fs';
import { Command, Option } from 'commander';
import { CLASSIFICATIONS, DEFAULT_DAILY_QUOTA, DEFAULT_RATE_PER_SECOND, GRAMMAR, OAuthClientLinks, type Contract, type ContractTerms, type DataService, type SubjectLocation } from '../exchange/index.js';
import { EXCHANGE_RESOURCE } from '../identity/index.js';
import { invalid } from '../platform/errors.js';
import { withPlatform } from './context.js';

/**
 * `panjareh exchange …`: what the national authority (and providers) do on the data exchange, from
 * the command line. Every change is audited with the actor `cli`.
 */

const ACTOR = 'cli';
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

function parseSubject(raw: string | undefined): SubjectLocation | undefined {
  if (raw === undefined) return undefined;
  const m = /^(path|query|header):(.+)$/.exec(raw.trim());
  if (!m) throw invalid('invalid_subject', 'قالب --subject باید in:name باشد، مثل path:nationalCode.', '--subject must be in:name, where in is path, query or header (e.g. path:nationalCode).');
  return { in: m[1] as SubjectLocation['in'], name: m[2]! };
}

function readOpenApi(file: string | undefined): unknown {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid('openapi_unreadable', 'پرونده OpenAPI خوانده نشد.', `Cannot read the OpenAPI file ${file}: ${(e as Error).message}`);
  }
  return text;
}

function wholeOrNone(raw: string | undefined, name: string): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw invalid('invalid_number', `${name} باید عدد صحیح باشد.`, `${name} must be a whole number${name === '--quota' ? ' or "none"' : ''}.`);
  return n;
}

interface TermFlags {
  methods?: string;
  paths?: string;
  rate?: string;
  quota?: string;
  expires?: string;
  legalBasis?: string;
  legalBasisCoversPersonalData?: boolean;
}

function terms(o: TermFlags): ContractTerms {
  const t: ContractTerms = {};
  if (o.methods !== undefined) t.methods = list(o.methods);
  if (o.paths !== undefined) t.paths = list(o.paths);
  const rate = wholeOrNone(o.rate, '--rate');
  if (rate === null) throw invalid('invalid_rate', '--rate باید عدد باشد.', '--rate must be a whole number of calls a second.');
  if (rate !== undefined) t.ratePerSecond = rate;
  const quota = wholeOrNone(o.quota, '--quota');
  if (quota !== undefined) t.dailyQuota = quota;
  if (o.expires !== undefined) t.expiresAt = o.expires;
  if (o.legalBasis !== undefined) t.legalBasis = o.legalBasis;
  if (o.legalBasisCoversPersonalData) t.legalBasisCoversPersonalData = true;
  return t;
}

function withTerms(c: Command): Command {
  return c
    .option('--methods <list>', 'allowed methods, comma-separated (GET,POST,…; * for all)', 'GET')
    .option('--paths <list>', 'allowed path patterns, comma-separated: "/a/*" one segment, "/a/**" the rest, "/a/{id}" like *', '/**')
    .option('--rate <n>', `calls per second (default ${DEFAULT_RATE_PER_SECOND})`)
    .option('--quota <n>', `calls per day, ending at midnight Tehran time, or "none" (default ${DEFAULT_DAILY_QUOTA})`)
    .option('--expires <date>', 'last day of the contract (YYYY-MM-DD) or an ISO date-time; default: no expiry')
    .option('--legal-basis <text>', 'the law or regulation the access rests on')
    .option('--legal-basis-covers-personal-data', 'the legal basis allows reading personal data without each person\'s consent (needs --legal-basis)');
}

const contractLine = (c: Contract) =>
  [c.id, c.status, c.client, c.service, c.methods.join(','), c.paths.join(','), `${c.ratePerSecond}/s`, c.dailyQuota === null ? 'no quota' : `${c.dailyQuota}/day`, c.expiresAt ?? 'no expiry', c.legalBasisCoversPersonalData ? 'legal basis covers personal data' : ''].join('\t');

const serviceLine = (s: DataService) =>
  [s.id, s.classification, s.subject ? `${s.subject.in}:${s.subject.name}` : '-', s.upstream, s.hasOpenApi ? 'openapi' : 'no openapi', s.disabled ? 'disabled' : 'enabled'].join('\t');

export function registerExchangeCommands(program: Command): void {
  const ex = program.command('exchange').description('the national data exchange: members, subsystems, data services, contracts and API keys');

  const member = ex.command('member').description('members of the exchange (agencies, businesses, NGOs)');
  member
    .command('add')
    .description('register a member; give its name in English (--name), in Persian (--name-fa) or both')
    .requiredOption('--id <id>', GRAMMAR.member)
    .option('--name <name>', 'the member\'s name in English, shown on English pages')
    .option('--name-fa <text>', 'the member\'s name in Persian, shown on Persian pages')
    .action((o: { id: string; name?: string; nameFa?: string }) =>
      withPlatform({}, async (p) => {
        const m = await p.exchange.registry.addMember({ id: o.id, name: o.name, nameFa: o.nameFa }, ACTOR);
        console.log(`Registered member ${m.id} (${[m.name, m.nameFa].filter((n, i, all) => n && all.indexOf(n) === i).join(' / ')}).`);
      }),
    );
  member
    .command('list')
    .description('list the members: id, name, Persian name')
    .action(() => withPlatform({}, async (p) => void (await p.exchange.registry.members()).forEach((m) => console.log(`${m.id}\t${m.name}\t${m.nameFa ?? ''}`))));

  const subsystem = ex.command('subsystem').description('subsystems: the information systems of a member that call or provide services');
  subsystem
    .command('add')
    .description('register a subsystem of a registered member')
    .requiredOption('--id <id>', GRAMMAR.subsystem)
    .option('--name <name>', 'a name for people, in English')
    .option('--name-fa <text>', 'its name in Persian, shown on Persian pages')
    .action((o: { id: string; name?: string; nameFa?: string }) =>
      withPlatform({}, async (p) => {
        const s = await p.exchange.registry.addSubsystem({ id: o.id, name: o.name, nameFa: o.nameFa }, ACTOR);
        console.log(`Registered subsystem ${s.id}.`);
      }),
    );
  subsystem
    .command('list')
    .description('list the subsystems: id, name, Persian name')
    .option('--member <id>', 'only this member\'s')
    .action((o: { member?: string }) => withPlatform({}, async (p) => void (await p.exchange.registry.subsystems(o.member)).forEach((s) => console.log(`${s.id}\t${s.name ?? ''}\t${s.nameFa ?? ''}`))));

  const service = ex.command('service').description('data services a subsystem provides through the gateway');
  const serviceOptions = (c: Command) =>
    c
      .requiredOption('--id <id>', GRAMMAR.service)
      .requiredOption('--upstream <url>', 'the service\'s base URL (http or https); calls go to this URL plus the path after the service id, and nowhere else')
      .option('--openapi <file>', 'its OpenAPI 3 description (JSON)')
      .addOption(new Option('--classification <c>', 'the data it returns').choices([...CLASSIFICATIONS]).default('internal'))
      .option('--subject <in:name>', 'where a request names the person the data is about (required for personal data): path:NAME (a {NAME} in the OpenAPI paths), query:NAME or header:NAME')
      .option('--name <name>', 'a name for people, in English')
      .option('--name-fa <text>', 'its name in Persian, shown on Persian pages (update: the current one stays when this is left out)');
  type ServiceFlags = { id: string; upstream: string; openapi?: string; classification: string; subject?: string; name?: string; nameFa?: string };
  serviceOptions(service.command('add').description('register a data service'))
    .action((o: ServiceFlags) =>
      withPlatform({}, async (p) => {
        const s = await p.exchange.registry.addService({ id: o.id, upstream: o.upstream, openapi: readOpenApi(o.openapi), classification: o.classification, subject: parseSubject(o.subject), name: o.name, nameFa: o.nameFa }, ACTOR);
        console.log(`Registered service ${s.id} (${s.classification}) → ${s.upstream}.`);
      }),
    );
  serviceOptions(service.command('update').description('replace a data service\'s description (its contracts stay)'))
    .action((o: ServiceFlags) =>
      withPlatform({}, async (p) => {
        const s = await p.exchange.registry.updateService({ id: o.id, upstream: o.upstream, openapi: readOpenApi(o.openapi), classification: o.classification, subject: parseSubject(o.subject), name: o.name, nameFa: o.nameFa }, ACTOR);
        console.log(`Updated service ${s.id} (${s.classification}) → ${s.upstream}.`);
      }),
    );
  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    service
      .command(name)
      .description(disabled ? 'stop a service: every call is refused as unknown until it is enabled' : 'let a disabled service answer again')
      .requiredOption('--id <id>', 'the service id')
      .action((o: { id: string }) =>
        withPlatform({}, async (p) => {
          await p.exchange.registry.setServiceDisabled(o.id, disabled, ACTOR);
          console.log(`${disabled ? 'Disabled' : 'Enabled'} ${o.id}.`);
        }),
      );
  }
  service
    .command('list')
    .description('list the services: id, classification, subject, upstream, description, state')
    .option('--subsystem <id>', 'only this subsystem\'s')
    .action((o: { subsystem?: string }) => withPlatform({}, async (p) => void (await p.exchange.registry.services({ subsystem: o.subsystem })).forEach((s) => console.log(serviceLine(s)))));

  const contract = ex.command('contract').description('access contracts: which consumer subsystem may call which service, how and how much');
  withTerms(contract.command('grant').description('grant a contract directly (the national authority): active at once'))
    .requiredOption('--client <id>', 'the consumer subsystem (INSTANCE/CLASS/MEMBER/SUBSYSTEM)')
    .requiredOption('--service <id>', 'the service (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE)')
    .option('--purpose <text>', 'what the consumer uses the data for')
    .action((o: TermFlags & { client: string; service: string; purpose?: string }) =>
      withPlatform({}, async (p) => {
        const c = await p.exchange.contracts.grant({ client: o.client, service: o.service, purpose: o.purpose, ...terms(o) }, ACTOR);
        console.log(`Granted contract ${c.id}: ${c.client} may call ${c.service} (${c.methods.join(',')} ${c.paths.join(',')}, ${c.ratePerSecond}/s, ${c.dailyQuota === null ? 'no daily quota' : `${c.dailyQuota}/day`}, ${c.expiresAt ? `until ${c.expiresAt}` : 'no expiry'}).`);
      }),
    );
  withTerms(contract.command('apply').description('a consumer applies for a contract; it waits for the provider\'s approval'))
    .requiredOption('--client <id>', 'the consumer subsystem')
    .requiredOption('--service <id>', 'the service')
    .requiredOption('--purpose <text>', 'what the consumer uses the data for')
    .action((o: TermFlags & { client: string; service: string; purpose: string }) =>
      withPlatform({}, async (p) => {
        const c = await p.exchange.contracts.apply({ client: o.client, service: o.service, purpose: o.purpose, ...terms(o) }, ACTOR);
        console.log(`Contract ${c.id} is pending the provider's decision.`);
      }),
    );
  contract
    .command('approve')
    .description('approve a pending contract')
    .requiredOption('--id <n>', 'the contract')
    .option('--provider <member>', 'act as this provider member (may approve only its own services)')
    .action((o: { id: string; provider?: string }) =>
      withPlatform({}, async (p) => {
        const c = await p.exchange.contracts.approve(Number(o.id), { actor: ACTOR, provider: o.provider });
        console.log(`Contract ${c.id} is active.`);
      }),
    );
  contract
    .command('reject')
    .description('reject a pending contract')
    .requiredOption('--id <n>', 'the contract')
    .requiredOption('--reason <text>', 'why, for the consumer')
    .option('--provider <member>', 'act as this provider member')
    .action((o: { id: string; reason: string; provider?: string }) =>
      withPlatform({}, async (p) => {
        const c = await p.exchange.contracts.reject(Number(o.id), { actor: ACTOR, provider: o.provider }, o.reason);
        console.log(`Contract ${c.id} is rejected.`);
      }),
    );
  contract
    .command('revoke')
    .description('end a contract; calls stop on every gateway node within a second')
    .option('--id <n>', 'the contract')
    .option('--client <id>', 'with --service: the consumer\'s open contract for that service')
    .option('--service <id>', 'with --client')
    .action((o: { id?: string; client?: string; service?: string }) =>
      withPlatform({}, async (p) => {
        let c: Contract;
        if (o.id !== undefined) c = await p.exchange.contracts.revoke(Number(o.id), { actor: ACTOR });
        else if (o.client && o.service) c = await p.exchange.contracts.revokeFor(o.client, o.service, { actor: ACTOR });
        else throw invalid('contract_required', 'قرارداد را با --id یا --client و --service مشخص کنید.', 'Name the contract with --id, or with --client and --service.');
        console.log(`Revoked contract ${c.id} (${c.client} → ${c.service}).`);
      }),
    );
  contract
    .command('list')
    .description('list contracts: id, status, client, service, methods, paths, rate, quota, expiry')
    .option('--client <id>', 'only this consumer\'s')
    .option('--service <id>', 'only for this service')
    .option('--status <s>', 'pending, active, rejected, revoked or expired')
    .action((o: { client?: string; service?: string; status?: string }) => withPlatform({}, async (p) => void (await p.exchange.contracts.list(o)).forEach((c) => console.log(contractLine(c)))));

  const key = ex.command('key').description('API keys of consumer subsystems (Authorization: ApiKey <key>)');
  key
    .command('create')
    .description('make a new API key; it is printed once, alone on the last line, and stored only as a hash. Several may be active, so keys can be rotated without a gap')
    .requiredOption('--subsystem <id>', 'the subsystem the key belongs to')
    .option('--label <text>', 'a note (where it is used)')
    .option('--expires <date>', 'last day of the key (YYYY-MM-DD) or an ISO date-time')
    .action((o: { subsystem: string; label?: string; expires?: string }) =>
      withPlatform({}, async (p) => {
        const k = await p.exchange.apiKeys.create(o.subsystem, { label: o.label, expiresAt: o.expires }, ACTOR);
        console.log(`Key ${k.id} (${k.prefix}) for ${k.subsystem}${k.expiresAt ? `, valid until ${k.expiresAt}` : ''}. It is shown once; keep it secret:`);
        console.log(k.key);
      }),
    );
  key
    .command('revoke')
    .description('revoke an API key; calls with it are refused on every gateway node within a second')
    .requiredOption('--id <n>', 'the key\'s number (from key list)')
    .action((o: { id: string }) =>
      withPlatform({}, async (p) => {
        const k = await p.exchange.apiKeys.revoke(Number(o.id), ACTOR);
        console.log(`Revoked key ${k.id} (${k.prefix}) of ${k.subsystem}.`);
      }),
    );
  key
    .command('list')
    .description('list keys (never the secrets): id, prefix, subsystem, state, created, expiry, label')
    .option('--subsystem <id>', 'only this subsystem\'s')
    .action((o: { subsystem?: string }) =>
      withPlatform({}, async (p) => {
        const now = new Date().toISOString();
        for (const k of await p.exchange.apiKeys.list(o.subsystem)) {
          const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= now ? 'expired' : 'active';
          console.log([k.id, k.prefix, k.subsystem, state, k.createdAt, k.expiresAt ?? 'no expiry', k.label ?? ''].join('\t'));
        }
      }),
    );
  registerOAuthClientCommands(ex);
}

/** Reads a JWKS file for `client create --jwks-file`: the business's public keys. */
function readJwks(file: string): { keys: Record<string, unknown>[] } {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: Record<string, unknown>[] };
  } catch (e) {
    throw invalid('jwks_unreadable', 'پروندهٔ JWKS خوانده نشد.', `Cannot read the JWKS file ${file}: ${(e as Error).message}`);
  }
}

/**
 * `exchange client …`: OpenID clients whose client-credentials tokens (`Authorization: Bearer`) speak
 * for a subsystem at the gateway. The client is registered with the national identity's provider;
 * the link to the subsystem is the exchange's own record.
 */
function registerOAuthClientCommands(ex: Command): void {
  const client = ex.command('client').description('OAuth 2 clients (client credentials, private_key_jwt) that call the gateway with Bearer tokens as a subsystem');
  client
    .command('create')
    .description('register a private_key_jwt client-credentials client with the national identity and link it to a subsystem; prints {"client_id"} as the last line')
    .requiredOption('--subsystem <id>', 'the subsystem its tokens speak for')
    .option('--jwks-uri <uri>', 'where the subsystem publishes its public keys (https)')
    .option('--jwks-file <file>', 'a file with its public keys ({"keys": [...]}), instead of --jwks-uri')
    .option('--name <name>', 'a name for people (default: the subsystem id)')
    .action((o: { subsystem: string; jwksUri?: string; jwksFile?: string; name?: string }) =>
      withPlatform({}, async (p) => {
        if (!o.jwksUri === !o.jwksFile) throw invalid('jwks_required', 'یکی از --jwks-uri یا --jwks-file را بدهید.', 'Give exactly one of --jwks-uri and --jwks-file.');
        if (!(await p.exchange.registry.subsystems()).some((s) => s.id === o.subsystem)) throw invalid('unknown_subsystem', `زیرسامانه ${o.subsystem} ثبت نشده است.`, `The subsystem ${o.subsystem} is not registered.`);
        const r = await p.identity.clients.add({ name: o.name ?? o.subsystem, redirectUris: [], auth: 'private_key_jwt', jwksUri: o.jwksUri, jwks: o.jwksFile ? readJwks(o.jwksFile) : undefined, grantTypes: ['client_credentials'] }, ACTOR);
        await new OAuthClientLinks(p.database.db).link({ subsystem: o.subsystem, clientId: r.clientId }, ACTOR);
        console.log(`Registered client ${r.clientId} for ${o.subsystem}. Token endpoint: ${p.config.publicUrl}/oidc/token (grant_type=client_credentials, resource=${EXCHANGE_RESOURCE}); call the gateway with Authorization: Bearer <access_token>.`);
        console.log(JSON.stringify({ client_id: r.clientId }));
      }),
    );
  client
    .command('link')
    .description('let an existing client-credentials client of the national identity call as a subsystem')
    .requiredOption('--subsystem <id>', 'the subsystem its tokens speak for')
    .requiredOption('--client-id <id>', 'the OpenID client id')
    .action((o: { subsystem: string; clientId: string }) =>
      withPlatform({}, async (p) => {
        const meta = (await p.identity.clients.metadata(o.clientId)) as { grant_types?: string[] } | undefined;
        if (!meta) throw invalid('unknown_client', `سامانهٔ ${o.clientId} ثبت نشده یا غیرفعال است.`, `The client ${o.clientId} is not registered or is disabled.`);
        if (!meta.grant_types?.includes('client_credentials')) throw invalid('not_client_credentials', 'این سامانه اجازهٔ client_credentials ندارد.', `The client ${o.clientId} may not use the client_credentials grant (register it with --client-credentials).`);
        const l = await new OAuthClientLinks(p.database.db).link({ subsystem: o.subsystem, clientId: o.clientId }, ACTOR);
        console.log(`Linked client ${l.clientId} to ${l.subsystem}.`);
      }),
    );
  client
    .command('unlink')
    .description('stop a client\'s tokens: refused on every gateway node within a second')
    .requiredOption('--client-id <id>', 'the OpenID client id')
    .action((o: { clientId: string }) =>
      withPlatform({}, async (p) => {
        const l = await new OAuthClientLinks(p.database.db).unlink(o.clientId, ACTOR);
        console.log(`Unlinked client ${l.clientId} from ${l.subsystem}.`);
      }),
    );
  client
    .command('list')
    .description('list the links: client id, subsystem, since')
    .option('--subsystem <id>', 'only this subsystem\'s')
    .action((o: { subsystem?: string }) =>
      withPlatform({}, async (p) => void (await new OAuthClientLinks(p.database.db).list(o.subsystem)).forEach((l) => console.log([l.clientId, l.subsystem, l.createdAt].join('\t')))));
}
