import type { Kysely } from 'kysely';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { writeAudit } from '../platform/audit.js';
import type { KeyStore } from '../platform/keys.js';
import { Accounts } from './account.js';
import { CitizenTokens } from './citizen-token.js';
import { sweepExpiredPayloads } from './oidc/adapter.js';
import { PORTAL_CLIENT_ID, RelyingParties } from './oidc/clients.js';
import { ProviderHost } from './oidc/host.js';
import { citizenApiResource, createProvider } from './oidc/provider.js';
import { PasskeyCeremonies } from './passkeys-ceremonies.js';
import { Passkeys } from './passkeys.js';
import { People, type SignInOutcome } from './people.js';
import { PortalSessions } from './portal-sessions.js';
import { SessionDevices } from './session-devices.js';
import type { CivilRegistry, MessageSender, MobileOwnershipRegister } from './ports.js';
import { SignIn, DEFAULT_LIMITS, type SignInLimits } from './signin.js';
import { StaffGrants } from './staff-grants.js';

/** The identity capability as one object: people, sign-in, relying parties and the OpenID provider. */

export interface IdentityDeps {
  registry: CivilRegistry;
  mobiles: MobileOwnershipRegister;
  messages: MessageSender;
  /** The secret one-time codes are hashed under (a platform secret shared by every node). */
  pepper: () => Promise<string>;
  /** Asks the catalogue whether an agency exists (staff grants name one); identity does not read the catalogue's tables. */
  organizationExists: (code: string) => Promise<boolean>;
  limits?: SignInLimits;
  onSendError?: (e: unknown) => void;
}

export interface ProviderPages {
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): string;
  logoutPage(ctx: KoaContextWithOIDC, form: string): string;
  loggedOutPage(ctx: KoaContextWithOIDC): string;
}

export interface ProviderOptions {
  issuer: string;
  keys: KeyStore;
  cookieKeys: string[];
  secureCookies: boolean;
  trustProxy: boolean;
  pages: ProviderPages;
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export class NationalIdentity {
  readonly people: People;
  readonly signIn: SignIn;
  readonly clients: RelyingParties;
  readonly accounts: Accounts;
  readonly portalSessions: PortalSessions;
  readonly staffGrants: StaffGrants;
  readonly devices: SessionDevices;
  host: ProviderHost | undefined;
  /** Passkeys: made by enablePasskeys once the platform's address (the WebAuthn relying party) is known. */
  passkeys: PasskeyCeremonies | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private tokens: CitizenTokens | undefined;

  constructor(
    private readonly db: Kysely<any>,
    deps: IdentityDeps,
  ) {
    this.people = new People(db, deps.registry);
    this.clients = new RelyingParties(db);
    this.portalSessions = new PortalSessions(db);
    this.devices = new SessionDevices(db);
    this.accounts = new Accounts(db, this.clients, () => this.host, this.portalSessions, this.devices);
    this.staffGrants = new StaffGrants(db, deps.organizationExists);
    this.signIn = new SignIn(db, this.people, deps.mobiles, deps.messages, deps.pepper, deps.limits ?? DEFAULT_LIMITS, deps.onSendError);
  }

  /**
   * Tells `o` of every sign-in event (metrics): the method (otp, passkey), the outcome and the kind of
   * site it was for (the portal, another relying party through OpenID Connect, or none), never who.
   */
  observeSignIns(o: (method: string, outcome: SignInOutcome, site: 'portal' | 'relying_party' | 'none') => void): void {
    this.people.onSignIn = (e) => o(e.method, e.outcome, e.clientId === null ? 'none' : e.clientId === PORTAL_CLIENT_ID ? 'portal' : 'relying_party');
  }

  /** True once passkeys are on (the sign-in page then offers them, My Panjareh lists them). */
  get passkeysEnabled(): boolean {
    return this.passkeys !== undefined;
  }

  /**
   * Turns passkeys on for the platform at `publicUrl` (PUBLIC_URL): its host is the WebAuthn RP ID,
   * its origin the only one accepted. Both web roles call this with the same address; a second,
   * different address is a wiring mistake, since passkeys are bound to one RP ID for good.
   */
  enablePasskeys(publicUrl: string): PasskeyCeremonies {
    const service = new Passkeys(this.db, { publicUrl });
    if (this.passkeys) {
      if (this.passkeys.passkeys.origin !== service.origin) throw new Error(`passkeys are already enabled for ${this.passkeys.passkeys.origin}, not ${service.origin}`);
      return this.passkeys;
    }
    this.passkeys = new PasskeyCeremonies(this.db, service, this.people, this.signIn.throttle);
    return this.passkeys;
  }

  /** Makes this node's OpenID provider (and remakes it when another node rotates the signing keys). */
  async startProvider(o: ProviderOptions): Promise<ProviderHost> {
    this.enablePasskeys(o.issuer);
    const make = async () =>
      createProvider({
        issuer: o.issuer,
        db: this.db,
        people: this.people,
        clients: this.clients,
        devices: this.devices,
        keys: await o.keys.verificationKeys('oidc', 'RS256'),
        cookieKeys: o.cookieKeys,
        secureCookies: o.secureCookies,
        trustProxy: o.trustProxy,
        ...o.pages,
      });
    this.host = await ProviderHost.create(o.keys, make);
    this.sweeper = setInterval(() => {
      void sweepExpiredPayloads(this.db).catch(() => undefined);
      void this.devices.sweep().catch(() => undefined);
    }, 10 * 60_000);
    this.sweeper.unref();
    return this.host;
  }

  /**
   * The verifier of the citizen API's access tokens (citizen-token.ts), one per node: made on first
   * call with the platform's address (the provider's issuer) and key store, the same ones every later
   * call must name.
   */
  citizenTokens(o: { issuer: string; keys: KeyStore }): CitizenTokens {
    if (!this.tokens) this.tokens = new CitizenTokens({ issuer: o.issuer, keys: o.keys, people: this.people, clients: this.clients });
    else if (this.tokens.audience !== citizenApiResource(o.issuer)) throw new Error(`citizen tokens are already verified for ${this.tokens.audience}`);
    return this.tokens;
  }

  stop(): void {
    this.host?.stop();
    clearInterval(this.sweeper);
  }

  /** Records what a person allowed a site to receive, as the provider's grant. */
  async grantConsent(provider: Provider, details: InteractionDetails): Promise<string> {
    const { prompt, params, session } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error('grant not found');
    const d = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    return grant.save();
  }

  async audit(e: { action: string; accountId?: string; clientId?: string | null; detail?: Record<string, unknown>; ip: string | null; userAgent: string | null }): Promise<void> {
    const person = e.accountId ? await this.people.bySubject(e.accountId) : null;
    const who = person ? `person:${person.nationalCode}` : 'anonymous';
    await writeAudit(this.db, { actor: who, action: e.action, subject: e.clientId ? `oidc-client:${e.clientId}` : who, detail: { ...e.detail, clientId: e.clientId ?? null }, ip: e.ip, userAgent: e.userAgent });
  }
}
