import { execFile, spawnSync } from 'node:child_process';
import { nodeEntry } from './entry.js';

/** The command line in end-to-end tests, run as an operator runs it: a real process, its output and its exit code. */

export interface CliResult {
  /** The exit code; null when the process was killed (after `TIMEOUT_MS`). */
  code: number | null;
  out: string;
  err: string;
}

/** Where the commands work: a test's database (`freshDatabase()` of ./harness.js). */
export interface CliDatabase {
  dataDir: string;
  pgSchema?: string;
}

/**
 * Runs `panjareh ARGS` in a process of its own on `db`, with `env` added to this process's environment.
 *
 * It does not block this process, which may also run the node under test: with spawnSync that node
 * froze for as long as a command took (seconds each on a busy machine), so its keep-alive timers fired
 * only afterwards, as the next fetch reused a connection they then closed ("fetch failed"). Independent
 * commands may also run side by side.
 *
 * oidc-provider warns on standard error about Node 20 whenever it is loaded; that line is not the
 * command's, so it is left out of `err`.
 */
export function runCli(db: CliDatabase, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...CLI, ...args], { env: cliEnv(db, env), encoding: 'utf8', timeout: TIMEOUT_MS }, (_e, out, err) =>
      resolve({ code: child.exitCode, out, err: withoutNodeWarning(err) }),
    );
  });
}

/**
 * The same, blocking this process until the command ends, and with it any node under test this
 * process serves (see `runCli`). Only test/exchange-cli.e2e.test.ts still uses it, because its tests
 * read the results synchronously; new tests use `runCli`.
 */
export function runCliSync(db: CliDatabase, args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [...CLI, ...args], { env: cliEnv(db, env), encoding: 'utf8', timeout: TIMEOUT_MS });
  return { code: r.status, out: r.stdout, err: withoutNodeWarning(r.stderr) };
}

const CLI = nodeEntry('src/cli.ts');

/**
 * A command that hangs is killed, and its test fails, well within the runner's ten minutes per test.
 * A minute was too little: on a busy machine (two cores, two test files, each starting processes)
 * loading the platform alone has taken 50 seconds.
 */
const TIMEOUT_MS = 240_000;

function cliEnv(db: CliDatabase, env: Record<string, string>): NodeJS.ProcessEnv {
  const schemaEnv = db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {};
  return { ...process.env, PANJAREH_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', ...schemaEnv, ...env };
}

const withoutNodeWarning = (err: string) => err.split('\n').filter((l) => !l.startsWith('oidc-provider WARNING')).join('\n');

