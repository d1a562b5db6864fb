export { identityMigrations } from './migrations.js';
export { StaffDirectory, STAFF_ROLES, MAX_FAILED_ATTEMPTS, LOCK_MINUTES, type StaffUser, type StaffRole, type RequestMeta } from './staff.js';
export { NationalIdentity, type IdentityDeps, type ProviderPages } from './national-identity.js';
export type { CivilRegistry, MobileOwnershipRegister, MessageSender, RegistryPerson } from './ports.js';
export { INTERACTION_PREFIX, OIDC_PREFIX, SCOPE_CLAIMS, KEY_KEEP_SECONDS, EXCHANGE_RESOURCE, TTL as OIDC_TTL } from './oidc/provider.js';
export { CITIZEN_API_PATH, CITIZEN_API_SCOPES, SCOPE_PERMISSIONS, citizenApiResource, type CitizenApiScope } from './oidc/provider.js';
export { CitizenTokens, BearerTokenError, type CitizenCaller, type CitizenTokenOptions } from './citizen-token.js';
export { OTP_MINUTES, maskMobile, parsePersonCode, parseMobileNumber } from './signin.js';
export { LOA_HIGH, LOA_SUBSTANTIAL } from './people.js';
export { CLIENT_AUTH_METHODS, PORTAL_CLIENT_ID, type ClientAuth, type ClientSummary, type NewClient } from './oidc/clients.js';
export { describeUserAgent, type DeviceSummary } from './session-devices.js';
export type { ActiveSession, ConnectedSite } from './account.js';
export type { PortalSession } from './portal-sessions.js';
export { StaffGrants, type StaffGrant } from './staff-grants.js';
export {
  Passkeys,
  MAX_PASSKEYS_PER_PERSON,
  PASSKEY_RP_NAME,
  authenticationResponseSchema,
  registrationResponseSchema,
  maskNationalCode,
  type StoredPasskey,
  type PasskeySignIn,
} from './passkeys.js';
export { PasskeyCeremonies, passkeyAmr, type PasskeyLogin } from './passkeys-ceremonies.js';
