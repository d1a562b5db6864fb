import { parsePattern, type ContractRule } from './matching.js';
import type { Classification, Endpoint, SubjectLocation } from './model.js';
import * as store from './store.js';
import { CHANGE_KINDS, type ChangeKind } from './tables.js';

/**
 * What one node keeps in memory so the gateway reads no table on its hot path: the registry, the
 * active contracts, the active API keys (hashes only) and the ids of revoked consents. Every write
 * bumps its kind's row in `exchange_versions` in the same transaction; each node polls that small
 * table (every `syncMs`, 250 ms by default) and reloads a kind whose version moved. A version is
 * read before the data it describes, so a change made meanwhile is caught on the next poll. The
 * node that made a change reloads at once.
 */

export interface LiveService {
  id: string;
  subsystem: string;
  member: string;
  /** `http://host:port` of the upstream, the key of its connection pool. */
  origin: string;
  /** The upstream base URL's path without a trailing "/" ('' for the root). */
  basePath: string;
  classification: Classification;
  subject: SubjectLocation | null;
  templates: Array<{ pattern: string[]; index: number }>;
  endpoints: Endpoint[];
  hasOpenApi: boolean;
  disabled: boolean;
}

export interface LiveContract {
  id: number;
  client: string;
  service: string;
  rule: ContractRule;
  methods: string[];
  paths: string[];
  ratePerSecond: number;
  dailyQuota: number | null;
  legalBasis: string | null;
  legalBasisCoversPersonalData: boolean;
}

export interface LiveKey {
  id: number;
  subsystem: string;
  /** SHA-256 of the whole key. */
  hash: Buffer;
  expiresAt: number | null;
}

export const pairKey = (client: string, service: string): string => `${client} ${service}`;

export class ExchangeState {
  members = new Map<string, { id: string; name: string; nameFa: string | null }>();
  subsystems = new Map<string, { id: string; member: string; name: string | null; nameFa: string | null }>();
  services = new Map<string, LiveService>();
  /** Active contracts by `client service` (at most one each). */
  contracts = new Map<string, LiveContract>();
  /** Active keys by their public prefix. */
  keys = new Map<string, LiveKey>();
  revokedConsents = new Set<string>();
  /** When each kind was last reloaded (ms), for tests and health. */
  readonly loadedAt: Record<string, number> = {};
  private readonly seen: Record<string, number> = {};
  private readonly chains: Record<string, Promise<void>> = {};
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly db: store.ExchangeDb) {}

  async loadAll(): Promise<void> {
    await Promise.all(CHANGE_KINDS.map((k) => this.reload(k)));
  }

  /** Reloads one kind; reloads of one kind run one after another, so an older read never lands last. */
  reload(kind: ChangeKind): Promise<void> {
    const next = (this.chains[kind] ?? Promise.resolve()).catch(() => undefined).then(() => this.load(kind));
    this.chains[kind] = next;
    return next;
  }

  start(intervalMs: number, onError: (e: unknown) => void): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      this.poll()
        .catch(onError)
        .finally(() => (this.polling = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads every kind whose version moved since this node last read it. */
  async poll(): Promise<void> {
    const v = await store.versions(this.db);
    await Promise.all(CHANGE_KINDS.filter((k) => v[k] !== this.seen[k]).map((k) => this.reload(k)));
  }

  private async load(kind: ChangeKind): Promise<void> {
    const version = (await store.versions(this.db))[kind] ?? 0;
    if (kind === 'registry') await this.loadRegistry();
    else if (kind === 'contracts') await this.loadContracts();
    else if (kind === 'keys') await this.loadKeys();
    else await this.loadConsents();
    this.seen[kind] = version;
    this.loadedAt[kind] = Date.now();
  }

  private async loadRegistry(): Promise<void> {
    const r = await store.loadRegistry(this.db);
    const members = new Map(r.members.map((m) => [m.id, { id: m.id, name: m.name, nameFa: m.name_fa ?? null }]));
    const subsystems = new Map(r.subsystems.map((s) => [s.id, { id: s.id, member: s.member_id, name: s.name, nameFa: s.name_fa ?? null }]));
    const services = new Map<string, LiveService>();
    for (const s of r.services) {
      const u = new URL(s.upstream_url);
      services.set(s.id, {
        id: s.id,
        subsystem: s.subsystem_id,
        member: subsystems.get(s.subsystem_id)?.member ?? '',
        origin: u.origin,
        basePath: u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, ''),
        classification: s.classification as Classification,
        subject: store.subjectOfRow(s),
        templates: JSON.parse(s.subject_templates) as LiveService['templates'],
        endpoints: JSON.parse(s.endpoints) as Endpoint[],
        hasOpenApi: Number(s.has_openapi) === 1,
        disabled: s.disabled_at !== null,
      });
    }
    this.members = members;
    this.subsystems = subsystems;
    this.services = services;
  }

  private async loadContracts(): Promise<void> {
    const rows = await store.loadActiveContracts(this.db);
    const out = new Map<string, LiveContract>();
    for (const row of rows) {
      const c = store.toContract(row);
      // Patterns were checked when written; one that no longer parses allows nothing rather than everything.
      const patterns = c.paths.map(parsePattern).filter((p): p is string[] => p !== null);
      out.set(pairKey(c.client, c.service), {
        id: c.id,
        client: c.client,
        service: c.service,
        rule: { methods: new Set(c.methods), patterns, expiresAt: c.expiresAt ? Date.parse(c.expiresAt) : null },
        methods: c.methods,
        paths: c.paths,
        ratePerSecond: c.ratePerSecond,
        dailyQuota: c.dailyQuota,
        legalBasis: c.legalBasis,
        legalBasisCoversPersonalData: c.legalBasisCoversPersonalData,
      });
    }
    this.contracts = out;
  }

  private async loadKeys(): Promise<void> {
    const rows = await store.loadActiveKeys(this.db);
    this.keys = new Map(rows.map((k) => [k.prefix, { id: Number(k.id), subsystem: k.subsystem, hash: Buffer.from(k.secret_hash, 'hex'), expiresAt: k.expires_at ? Date.parse(k.expires_at) : null }]));
  }

  private async loadConsents(): Promise<void> {
    this.revokedConsents = new Set(await store.loadRevokedConsentIds(this.db, new Date().toISOString()));
  }
}
