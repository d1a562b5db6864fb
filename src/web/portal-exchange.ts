import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../platform/db.js';
import { PORTAL_CLIENT, storedPortalKey } from './inquiries/credentials.js';
import { ExchangeClient } from './inquiries/exchange-client.js';

/**
 * The portal's client of the national data exchange, shared by every page that reads a registry
 * (inquiries, application prefill): one consumer subsystem, one key, one connection pool per node.
 */

export interface PortalExchangeOptions {
  database: DatabaseHandle;
  publicUrl: string;
  /** This node plays the gateway role: call it on this node's own address, not through PUBLIC_URL and the load balancer. */
  localGateway: boolean;
}

/** The address a request to this node's own gateway goes to: the listening address, a wildcard read as loopback. */
function ownOrigin(address: AddressInfo | string | null, fallback: string): string {
  if (!address || typeof address === 'string') return fallback;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

// Keyed by the node's HTTP server, which every encapsulated plugin context shares.
const clients = new WeakMap<object, ExchangeClient>();

/** The node's portal client (made on first use, closed with the server). */
export function portalExchange(app: FastifyInstance, opts: PortalExchangeOptions): ExchangeClient {
  const existing = clients.get(app.server);
  if (existing) return existing;
  // The key is read from the store and kept a minute (a few seconds while there is none, so a node that starts before the seed finishes soon sees it).
  let cached: { key: string | null; at: number } | null = null;
  const key = async (fresh: boolean) => {
    const ttl = cached?.key ? 60_000 : 5_000;
    if (fresh || !cached || Date.now() - cached.at > ttl) cached = { key: await storedPortalKey(opts.database.db), at: Date.now() };
    return cached.key;
  };
  const client = new ExchangeClient({
    client: PORTAL_CLIENT,
    gatewayBase: () => (opts.localGateway ? ownOrigin(app.server.address(), opts.publicUrl) : opts.publicUrl),
    key,
  });
  clients.set(app.server, client);
  app.addHook('onClose', async () => {
    clients.delete(app.server);
    await client.close();
  });
  return client;
}
