import { sql } from 'kysely';
import type { PortableMigration } from '../migrations.js';

/** The official holidays, kept by the operator (`panjareh calendar holidays …`); Fridays are not stored. */
export const calendarMigrations: PortableMigration[] = [
  {
    name: '20261207-31-platform-calendar-holidays',
    async up(db) {
      await db.schema
        .createTable('calendar_holidays')
        // The Gregorian day (YYYY-MM-DD) is the key: lookups come from instants, and two holidays on one day are one row.
        .addColumn('gregorian_date', 'text', (c) => c.primaryKey())
        .addColumn('jalali_date', 'text', (c) => c.notNull())
        .addColumn('name_fa', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('solar', 'lunar', 'other')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
