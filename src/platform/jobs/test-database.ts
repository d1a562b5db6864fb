import { freshDatabase } from '../../../test/harness.js';
import { loadConfig } from '../config.js';
import { openDatabase, type DatabaseHandle } from '../db.js';
import { migrate, type PortableMigration } from '../migrations.js';

/**
 * For the platform's unit tests (clock, jobs, files): a fresh database on the dialect under test with
 * only the given migrations, and `open()` for more connections to it, each as another node would have.
 */
export async function testDatabase(migrations: PortableMigration[]): Promise<{ open(): DatabaseHandle; dispose(): Promise<void> } & DatabaseHandle> {
  const shared = await freshDatabase();
  const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: shared.dataDir, LOG_LEVEL: 'silent' });
  const handles: DatabaseHandle[] = [];
  const open = () => {
    const h = openDatabase(config, { pgSchema: shared.pgSchema });
    handles.push(h);
    return h;
  };
  const first = open();
  await migrate(first.db, first.dialect, migrations);
  return {
    ...first,
    open,
    async dispose() {
      for (const h of handles) await h.close();
      await shared.drop();
    },
  };
}
