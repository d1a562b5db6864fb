/**
 * `npm run bench:gateway` sets up the gateway's world with this script (run in the repository whose
 * gateway is measured, on the database named by the environment): two members, their subsystems, a
 * personal-data service with its subject in the path, a contract whose legal basis covers personal data,
 * with no practical rate limit or quota, and an API key, which it prints as `key <key>`.
 */
import { openPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';

const [client, service, upstream] = process.argv.slice(2) as [string, string, string];
const p = await openPlatform(loadConfig(process.env), { pgSchema: process.env.BENCH_PG_SCHEMA || undefined });
try {
  const { registry, contracts, apiKeys } = p.exchange;
  const provider = service.split('/').slice(0, 4).join('/');
  await registry.addMember({ id: provider.split('/').slice(0, 3).join('/'), name: 'Civil registry' }, 'bench');
  await registry.addMember({ id: client.split('/').slice(0, 3).join('/'), name: 'Bank' }, 'bench');
  await registry.addSubsystem({ id: provider }, 'bench');
  await registry.addSubsystem({ id: client }, 'bench');
  const openapi = { openapi: '3.0.3', info: { title: 'Civil registry', version: '1' }, paths: { '/persons/{nationalCode}': { get: { responses: {} } } } };
  await registry.addService({ id: service, upstream: `${upstream}/base`, classification: 'personal', subject: { in: 'path', name: 'nationalCode' }, openapi }, 'bench');
  await contracts.grant({ client, service, purpose: 'Benchmark', paths: ['/persons/*'], legalBasis: 'Social Security Act, art. 38', legalBasisCoversPersonalData: true, ratePerSecond: 1_000_000, dailyQuota: null }, 'bench');
  console.log(`key ${(await apiKeys.create(client, { label: 'bench' }, 'bench')).key}`);
} finally {
  await p.close();
}
