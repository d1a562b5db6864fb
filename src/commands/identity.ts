import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { CLIENT_AUTH_METHODS, KEY_KEEP_SECONDS, STAFF_ROLES, type ClientAuth } from '../identity/index.js';
import { withPlatform } from './context.js';

/** `panjareh oidc …` and `panjareh keys …`: relying parties of the national identity and the platform's signing keys. */

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerIdentityCommands(program: Command): void {
  const oidc = program.command('oidc').description('the national identity\'s OpenID Connect provider');
  const client = oidc.command('client').description('sites that sign people in through the national identity (relying parties)');
  client
    .command('add')
    .description('register a site; prints {"client_id","client_secret","token_endpoint_auth_method"} as the last line (the secret is shown once and stored hashed)')
    .requiredOption('--name <name>', 'the site\'s name, shown to people on the consent screen')
    .option('--redirect-uri <uri>', 'where people are sent back after signing in (repeatable; https, or http on localhost)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where people may be sent after signing out (repeatable)', collect)
    .addOption(
      new Option('--auth <method>', 'how the site authenticates at the token endpoint: its secret in the Authorization header (client_secret_basic), in the form body (client_secret_post, what openid-client sends by default), or a JWT signed with its key (private_key_jwt)')
        .choices([...CLIENT_AUTH_METHODS])
        .default('client_secret_basic'),
    )
    .option('--jwks-uri <uri>', 'where the site publishes its public keys (required with --auth private_key_jwt)')
    .option('--backchannel-logout-uri <uri>', 'where the provider tells the site that a person signed out')
    .option('--client-credentials', 'a data-exchange subsystem calling with client-credentials tokens instead of a person signing in')
    .action((o: { name: string; redirectUri?: string[]; postLogoutRedirectUri?: string[]; auth: ClientAuth; jwksUri?: string; backchannelLogoutUri?: string; clientCredentials?: boolean }) =>
      withPlatform({}, async (p) => {
        const r = await p.identity.clients.add(
          {
            name: o.name,
            redirectUris: o.redirectUri ?? [],
            postLogoutRedirectUris: o.postLogoutRedirectUri,
            auth: o.auth,
            jwksUri: o.jwksUri,
            backchannelLogoutUri: o.backchannelLogoutUri,
            grantTypes: o.clientCredentials ? ['client_credentials'] : undefined,
          },
          'cli',
        );
        console.log(`Registered "${o.name}" (${o.auth}). Discovery: ${p.config.publicUrl}/.well-known/openid-configuration`);
        console.log(JSON.stringify({ client_id: r.clientId, client_secret: r.clientSecret, token_endpoint_auth_method: r.auth }));
      }),
    );
  client
    .command('list')
    .description('list the registered sites')
    .action(() =>
      withPlatform({}, async (p) => {
        for (const c of await p.identity.clients.list()) console.log(`${c.clientId}\t${c.disabled ? 'disabled' : 'active'}\t${c.auth}\t${c.name}\t${c.redirectUris.join(' ')}`);
      }),
    );
  client
    .command('disable <client_id>')
    .description('stop a site from signing people in (its tokens stop working within seconds)')
    .action((id: string) => withPlatform({}, async (p) => {
      await p.identity.clients.disable(id, 'cli');
      console.log(`Disabled ${id}.`);
    }));

  const keys = program.command('keys').description('the platform\'s signing keys');
  keys
    .command('rotate')
    .description(`make a new signing key active; the old one stays in the JWKS for ${KEY_KEEP_SECONDS / 60} minutes, until every token it signed has expired. Running nodes pick the new key up within seconds`)
    .addOption(new Option('--purpose <purpose>', 'which keys').choices(['oidc']).default('oidc'))
    .action((o: { purpose: 'oidc' }) =>
      withPlatform({}, async (p) => {
        const r = await p.keys.rotate(o.purpose, 'RS256', KEY_KEEP_SECONDS);
        console.log(`New ${o.purpose} signing key ${r.kid} is active${r.retired ? `; ${r.retired} verifies until its tokens expire` : ''}.`);
      }),
    );

  const staff = program.command('staff').description('staff roles: granted to people (national codes), who sign in with the national identity');
  staff
    .command('grant')
    .description('grant a role to a person: editor of one agency, caseworker in one agency\'s back office, national reviewer, or admin')
    .requiredOption('--national-code <code>', 'the person (10-digit national code, or 12-digit foreign national code)')
    .addOption(new Option('--role <role>', 'what they may do').choices([...STAFF_ROLES]).makeOptionMandatory())
    .option('--organization <code>', 'the agency an editor or caseworker works for (those roles only): its catalogue code, in any letter case (NOCR, POLICE-PASS, 10100000001)')
    .action((o: { nationalCode: string; role: string; organization?: string }) =>
      withPlatform({}, async (p) => {
        // Codes are unique without regard to case: the grant names the code as the catalogue writes it.
        const organization = o.organization ? ((await p.catalog.organizationCode(o.organization.trim())) ?? o.organization) : null;
        const g = await p.identity.staffGrants.grant({ nationalCode: o.nationalCode, role: o.role, organization }, 'cli');
        console.log(`Granted ${g.role}${g.organization ? ` of ${g.organization}` : ''} to ${g.nationalCode} (grant ${g.id}).`);
      }),
    );
  staff
    .command('revoke <grant-id>')
    .description('withdraw a role (it stops working at the person\'s next request)')
    .action((id: string) =>
      withPlatform({}, async (p) => {
        await p.identity.staffGrants.revoke(Number(id), 'cli');
        console.log(`Revoked grant ${id}.`);
      }),
    );
  staff
    .command('list')
    .description('list the roles in force')
    .action(() =>
      withPlatform({}, async (p) => {
        for (const g of await p.identity.staffGrants.active()) console.log(`${g.id}\t${g.nationalCode}\t${g.role}\t${g.organization ?? ''}\t${g.grantedAt}`);
      }),
    );

  program
    .command('breakglass')
    .description("the operator's local admin account, for when the national identity cannot be used")
    .command('add')
    .description('add a break-glass admin; the password is read from PANJAREH_PASSWORD or generated and printed once')
    .requiredOption('--username <name>', 'sign-in name (lowercase letters, digits, . _ -)')
    .option('--name <display name>', 'name shown in the console')
    .action((o: { username: string; name?: string }) =>
      withPlatform({}, async (p) => {
        const generated = !process.env.PANJAREH_PASSWORD;
        const password = process.env.PANJAREH_PASSWORD ?? randomBytes(12).toString('base64url');
        const u = await p.staff.add({ username: o.username, password, role: 'admin', displayName: o.name });
        console.log(`Added break-glass admin ${u.username}.`);
        if (generated) console.log(`Password (shown once): ${password}`);
      }),
    );
}
