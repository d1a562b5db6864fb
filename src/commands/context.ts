import { openPlatform, type Platform } from '../app.js';
import { loadConfig, type ConfigFlags } from '../platform/config.js';

/**
 * What every command of the command line shares: opening the platform on the configured database
 * and closing it afterwards. Each group of commands lives in a file of its own here and is added to
 * the program by `src/cli.ts`.
 */
export async function withPlatform<T>(flags: ConfigFlags, fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(loadConfig(process.env, flags));
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}
