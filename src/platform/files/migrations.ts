import type { PortableMigration } from '../migrations.js';

export interface FileTables {
  stored_files: {
    id: string;
    /** Who the file belongs to, as the capability that stored it names them (an application id, a person …). */
    owner: string;
    /** The name it was uploaded under, cleaned, for display only: never a path, never the type. */
    name: string;
    /** What the content is, as recognised from its bytes. */
    media_type: string;
    size: number;
    /** Hex SHA-256 of the bytes. */
    sha256: string;
    created_at: string;
    bytes: Buffer;
  };
}

export const fileMigrations: PortableMigration[] = [
  {
    name: '20261207-24-platform-files',
    async up(db, dialect) {
      // In the database, so every node of a PostgreSQL deployment reads the same attachments (no shared disk needed).
      await db.schema
        .createTable('stored_files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('stored_files_owner').on('stored_files').column('owner').execute();
    },
  },
];
