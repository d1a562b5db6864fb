/** The demo agencies' tables, as Kysely sees them. Booleans are 0/1 integers (SQLite has no boolean); dates are ISO text. */
export interface AgencyTables {
  agency_people: {
    national_code: string;
    kind: 'citizen' | 'foreign';
    first_name_fa: string;
    first_name_en: string;
    last_name_fa: string;
    last_name_en: string;
    father_name_fa: string;
    father_name_en: string;
    gender: 'male' | 'female';
    birth_date: string;
    alive: number;
    death_date: string | null;
    created_at: string;
  };
  agency_mobile_lines: { mobile: string; national_code: string; operator: string; registered_at: string };
  agency_vehicles: {
    plate_id: string;
    plate: string;
    national_code: string;
    make_fa: string;
    make_en: string;
    model_year: number;
    color_fa: string;
    color_en: string;
    registered_at: string;
  };
  agency_fines: {
    fine_number: string;
    plate_id: string;
    committed_at: string;
    violation_code: string;
    violation_fa: string;
    violation_en: string;
    /** Iranian rials */
    amount: number;
    location_fa: string;
    location_en: string;
    paid: number;
  };
  agency_addresses: {
    postal_code: string;
    /** The registered resident, if any. */
    national_code: string | null;
    province_fa: string;
    province_en: string;
    city_fa: string;
    city_en: string;
    street_fa: string;
    street_en: string;
    building_number: string;
    unit: string | null;
  };
  agency_insurance_records: {
    national_code: string;
    /** 1, 2, … in the order of the periods */
    period: number;
    employer_fa: string;
    employer_en: string;
    workshop_code: string;
    start_date: string;
    end_date: string | null;
    months: number;
  };
  agency_certificates: {
    certificate_number: string;
    national_code: string;
    university_fa: string;
    university_en: string;
    degree: string;
    field_fa: string;
    field_en: string;
    graduation_date: string;
  };
  agency_driving_licences: {
    licence_number: string;
    national_code: string;
    /** LICENCE_CLASSES */
    class: string;
    issued_at: string;
    expires_at: string;
  };
  /** One row once the synthetic country has been loaded, so a restart does not load it again. */
  agency_seeds: { name: string; seeded_at: string };
}

export type AgencyTable = keyof AgencyTables;
