import type { PortableMigration } from '../platform/migrations.js';

/** The demo country's agencies: civil registry, mobile lines, traffic police, post, social security, ministry of science; driving licences. */
export const agencyMigrations: PortableMigration[] = [
  {
    name: '20261123-10-agencies-registers',
    async up(db) {
      await db.schema
        .createTable('agency_people')
        .addColumn('national_code', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('first_name_fa', 'text', (c) => c.notNull())
        .addColumn('first_name_en', 'text', (c) => c.notNull())
        .addColumn('last_name_fa', 'text', (c) => c.notNull())
        .addColumn('last_name_en', 'text', (c) => c.notNull())
        .addColumn('father_name_fa', 'text', (c) => c.notNull())
        .addColumn('father_name_en', 'text', (c) => c.notNull())
        .addColumn('gender', 'text', (c) => c.notNull())
        .addColumn('birth_date', 'text', (c) => c.notNull())
        .addColumn('alive', 'integer', (c) => c.notNull())
        .addColumn('death_date', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agency_mobile_lines')
        .addColumn('mobile', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull().references('agency_people.national_code'))
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agency_mobile_lines_person').on('agency_mobile_lines').column('national_code').execute();
      await db.schema
        .createTable('agency_vehicles')
        .addColumn('plate_id', 'text', (c) => c.primaryKey())
        .addColumn('plate', 'text', (c) => c.notNull().unique())
        .addColumn('national_code', 'text', (c) => c.notNull().references('agency_people.national_code'))
        .addColumn('make_fa', 'text', (c) => c.notNull())
        .addColumn('make_en', 'text', (c) => c.notNull())
        .addColumn('model_year', 'integer', (c) => c.notNull())
        .addColumn('color_fa', 'text', (c) => c.notNull())
        .addColumn('color_en', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agency_vehicles_owner').on('agency_vehicles').column('national_code').execute();
      await db.schema
        .createTable('agency_fines')
        .addColumn('fine_number', 'text', (c) => c.primaryKey())
        .addColumn('plate_id', 'text', (c) => c.notNull().references('agency_vehicles.plate_id'))
        .addColumn('committed_at', 'text', (c) => c.notNull())
        .addColumn('violation_code', 'text', (c) => c.notNull())
        .addColumn('violation_fa', 'text', (c) => c.notNull())
        .addColumn('violation_en', 'text', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull())
        .addColumn('location_fa', 'text', (c) => c.notNull())
        .addColumn('location_en', 'text', (c) => c.notNull())
        .addColumn('paid', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agency_fines_plate').on('agency_fines').columns(['plate_id', 'committed_at']).execute();
      await db.schema
        .createTable('agency_addresses')
        .addColumn('postal_code', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.references('agency_people.national_code'))
        .addColumn('province_fa', 'text', (c) => c.notNull())
        .addColumn('province_en', 'text', (c) => c.notNull())
        .addColumn('city_fa', 'text', (c) => c.notNull())
        .addColumn('city_en', 'text', (c) => c.notNull())
        .addColumn('street_fa', 'text', (c) => c.notNull())
        .addColumn('street_en', 'text', (c) => c.notNull())
        .addColumn('building_number', 'text', (c) => c.notNull())
        .addColumn('unit', 'text')
        .execute();
      await db.schema.createIndex('agency_addresses_resident').on('agency_addresses').column('national_code').execute();
      await db.schema
        .createTable('agency_insurance_records')
        .addColumn('national_code', 'text', (c) => c.notNull().references('agency_people.national_code'))
        .addColumn('period', 'integer', (c) => c.notNull())
        .addColumn('employer_fa', 'text', (c) => c.notNull())
        .addColumn('employer_en', 'text', (c) => c.notNull())
        .addColumn('workshop_code', 'text', (c) => c.notNull())
        .addColumn('start_date', 'text', (c) => c.notNull())
        .addColumn('end_date', 'text')
        .addColumn('months', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('agency_insurance_records_pk', ['national_code', 'period'])
        .execute();
      await db.schema
        .createTable('agency_certificates')
        .addColumn('certificate_number', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull().references('agency_people.national_code'))
        .addColumn('university_fa', 'text', (c) => c.notNull())
        .addColumn('university_en', 'text', (c) => c.notNull())
        .addColumn('degree', 'text', (c) => c.notNull())
        .addColumn('field_fa', 'text', (c) => c.notNull())
        .addColumn('field_en', 'text', (c) => c.notNull())
        .addColumn('graduation_date', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agency_certificates_holder').on('agency_certificates').column('national_code').execute();
      await db.schema
        .createTable('agency_seeds')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('seeded_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    // Added after the first demo countries were loaded: the seed fills it for a country already there (service.ts).
    name: '20261207-77-agencies-driving-licences',
    async up(db) {
      await db.schema
        .createTable('agency_driving_licences')
        .addColumn('licence_number', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull().references('agency_people.national_code'))
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agency_driving_licences_holder').on('agency_driving_licences').column('national_code').execute();
    },
  },
];
