/** Issued documents: Persian PDF, PAdES signature, SD-JWT VC, verification and revocation. */
export { Documents, maskName, PLATFORM_NAME, type DocumentsOptions, type RevokingActor } from './service.js';
export { documentMigrations } from './migrations.js';
export { documentApiRoutes, type DocumentApiOptions } from './routes.js';
export { formatNumber, parseDocumentNumber } from './number.js';
export { CREDENTIAL_KEY_PURPOSE, credentialType, statusListUri } from './credential.js';
export { PDF_KEY_PURPOSE } from './certificate.js';
export type { DocumentField, DocumentStatus, IssueRequest, IssuedDocument, Localized, Verification } from './model.js';
export {
  connectDocumentsToExchange,
  DEMO_BANK,
  DOCUMENTS_BACKEND_PREFIX,
  registerVerificationService,
  seedDemoVerifier,
  VERIFICATION_PATH,
  VERIFICATION_SERVICE,
  verificationOpenApi,
  type DocumentsOnExchange,
  type VerificationServiceSeed,
} from './exchange-service.js';
export { documentBackendRoutes, type DocumentBackendOptions } from './backend-routes.js';
