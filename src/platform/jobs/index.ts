export { Jobs, DEFAULT_MAX_ATTEMPTS, defaultBackoffMs, type JobHandler, type JobKindOptions, type JobRun, type JobStats, type JobsOptions } from './scheduler.js';
export { jobMigrations, type JobTables } from './migrations.js';
export type { Executor, FailedJob } from './store.js';
