export { identityMigrations } from './migrations.js';
export { StaffDirectory, STAFF_ROLES, MAX_FAILED_ATTEMPTS, LOCK_MINUTES, type StaffUser, type StaffRole, type RequestMeta } from './staff.js';
