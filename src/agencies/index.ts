/** The demo country's agencies: their synthetic data, the registries the identity provider asks, and their back-ends. */
export type { RegistryPerson, CivilRegistry, MobileOwnershipRegister, Localized, Operator, Plate } from './model.js';
export { OPERATORS, operatorOf, parsePlateId, plateFromParts, PLATE_LETTERS } from './model.js';
export { agencyMigrations } from './migrations.js';
export { DemoAgencies, seedDemoAgencies, type NewPerson, type NameInput, type SeedResult } from './service.js';
export { DEMO_FIXTURES, DEMO_REFERENCE_DATE, generateDemoWorld } from './generator.js';
export { agencyBackends, isLoopback, type AgencyBackendOptions } from './routes.js';
export { DEMO_AGENCIES, DEMO_AGENCIES_PREFIX, type DemoAgencyDescriptor, type DemoServiceDescriptor, type Classification } from './definitions.js';
