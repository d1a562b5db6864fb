import type { Platform } from '../app.js';
import { loadConfig, type ConfigFlags } from '../platform/config.js';

/**
 * What every command of the command line shares: opening the platform on the configured database
 * and closing it afterwards. Each group of commands lives in a file of its own here and is added to
 * the program by `program.ts`. The platform (every capability, the HTTP server, the OpenID provider)
 * is loaded only here, when a command needs it, so that `--help` and commands that never open it
 * start in a fraction of the time.
 */
export async function withPlatform<T>(flags: ConfigFlags, fn: (p: Platform) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, flags); // a bad setting fails before the platform is loaded
  const { openPlatform } = await import('../app.js');
  const platform = await openPlatform(config);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}
