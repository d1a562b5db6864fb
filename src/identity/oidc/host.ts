import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { KeyStore } from '../../platform/keys.js';
import { OIDC_PREFIX } from './provider.js';

/**
 * Holds this node's provider and serves it from Fastify. oidc-provider takes its signing keys when it
 * is made, so when another node rotates them (the key slot's version changes) this node makes a new
 * provider with the new key set; requests already inside the old one finish there. All state is in
 * the database, so nothing is lost in the swap.
 */
export class ProviderHost {
  private provider: Provider;
  private handler: (req: FastifyRequest['raw'], res: FastifyReply['raw']) => void;
  private version = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly keys: KeyStore,
    private readonly make: () => Promise<Provider>,
    first: Provider,
    version: number,
  ) {
    this.provider = first;
    this.handler = first.callback() as never;
    this.version = version;
  }

  static async create(keys: KeyStore, make: () => Promise<Provider>): Promise<ProviderHost> {
    const first = await make();
    return new ProviderHost(keys, make, first, await keys.version('oidc'));
  }

  get current(): Provider {
    return this.provider;
  }

  /** Looks for a rotation every `ms`; call `stop()` on shutdown. */
  watch(ms: number, onError: (e: unknown) => void): void {
    this.timer = setInterval(() => void this.reloadIfRotated().catch(onError), ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async reloadIfRotated(): Promise<boolean> {
    const v = await this.keys.version('oidc');
    if (v === this.version) return false;
    this.keys.forget('oidc');
    const next = await this.make();
    this.provider = next;
    this.handler = next.callback() as never;
    this.version = v;
    return true;
  }

  /**
   * Mounts discovery and the provider's endpoints. Their scope has no body parsers: oidc-provider reads
   * the request body itself.
   */
  async mount(app: FastifyInstance): Promise<void> {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      const pass = (req: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        this.handler(req.raw, reply.raw);
      };
      scope.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/.well-known/openid-configuration', handler: pass });
      scope.route({ method: ['GET', 'POST', 'OPTIONS', 'DELETE'], url: `${OIDC_PREFIX}/*`, handler: pass });
    });
  }
}
