import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { DEMO_AGENCIES } from '../agencies/index.js';
import { seedDemoExchange } from './seed.js';

/** Persian names of members, subsystems and services: kept beside the registered name, given to demo rows registered without one. */

let tp: TestPlatform;
before(async () => {
  tp = await testPlatform();
});
after(() => tp.dispose());

test('a name in Persian is kept beside the registered one; an update that does not mention it keeps it; the seed fills in what is missing', async () => {
  const { registry } = tp.exchange;
  const nocr = DEMO_AGENCIES.find((a) => a.id === 'IR/GOV/NOCR/registry')!;
  const service = nocr.services[0]!;
  // Registered as before Persian names were kept: English only.
  await registry.addMember({ id: 'IR/GOV/NOCR', name: nocr.name.en }, 'test');
  await registry.addSubsystem({ id: nocr.id, name: nocr.name.en }, 'test');
  await registry.addService({ id: service.id, name: service.name.en, upstream: 'http://127.0.0.1:9/demo-agencies/nocr', classification: 'internal' }, 'test');
  assert.equal((await registry.service(service.id))!.nameFa, null);

  await seedDemoExchange(registry, { loopbackBaseUrl: 'http://127.0.0.1:9' });
  assert.equal((await registry.service(service.id))!.nameFa, service.name.fa, 'the seed gave the service its Persian name');
  assert.equal((await registry.members()).find((m) => m.id === 'IR/GOV/NOCR')!.nameFa, nocr.name.fa);
  assert.equal((await registry.subsystems()).find((s) => s.id === nocr.id)!.nameFa, nocr.name.fa);
  const post = DEMO_AGENCIES.find((a) => a.id === 'IR/GOV/POST/postal')!;
  assert.equal((await registry.service(post.services[0]!.id))!.nameFa, post.services[0]!.name.fa, 'a service the seed adds has it from the start');

  // An operator's Persian name stays: the seed fills only what is missing, and an update without one keeps it.
  await tp.database.db.updateTable('exchange_services' as never).set({ name_fa: 'نام دستگاه' } as never).where('id' as never, '=', service.id as never).execute();
  assert.equal(await registry.namePersian('service', service.id, 'نام دیگر', 'test'), false);
  const current = (await registry.service(service.id))!;
  await registry.updateService({ id: service.id, name: current.name, upstream: current.upstream, classification: current.classification, subject: current.subject }, 'test');
  assert.equal((await registry.service(service.id))!.nameFa, 'نام دستگاه');
  // Each node's copy of the registry (the consent pages read names from it) carries the names too.
  await tp.exchange.state.reload('registry');
  assert.equal(tp.exchange.state.members.get('IR/GOV/NOCR')!.nameFa, nocr.name.fa);
  assert.equal(tp.exchange.state.subsystems.get(nocr.id)!.nameFa, nocr.name.fa);
});
