import type { Localized, Organization, ServiceData, Term, ThematicWindow } from './model.js';

export interface ExportedCatalog {
  organizations: Organization[];
  topics: Term[];
  lifeEvents: Term[];
  windows: ThematicWindow[];
  services: ServiceData[];
}
import * as store from './store.js';
import type { CatalogDb } from './store.js';

/** The whole live catalogue in the import format: exporting and importing again changes nothing. */
export async function exportCatalog(db: CatalogDb): Promise<ExportedCatalog> {
  const ref = await store.loadReference(db);
  const services = (await store.loadLiveServices(db)).map((l) => l.data).sort((a, b) => a.code.localeCompare(b.code));
  return { organizations: ref.organizations, topics: ref.topics, lifeEvents: ref.lifeEvents, windows: ref.windows, services };
}

const lang = (l: Localized) => ({ fa: l.fa, en: l.en });

/**
 * JSON-LD after CPSV-AP 3 (http://data.europa.eu/m8g/): PublicService, PublicOrganisation, Channel,
 * Cost, Requirement/Evidence, Output, LegalResource, Event (life events) and themes.
 */
export async function exportCatalogJsonLd(db: CatalogDb, baseUrl: string): Promise<object> {
  const file = await exportCatalog(db);
  const id = (kind: string, code: string) => `${baseUrl}/id/${kind}/${encodeURIComponent(code)}`;
  const service = (s: ServiceData) => ({
    '@id': id('service', s.code),
    '@type': 'PublicService',
    identifier: s.code,
    name: lang(s.title),
    description: lang(s.description),
    'dct:abstract': lang(s.summary),
    keyword: [...s.keywords.fa.map((k) => ({ '@value': k, '@language': 'fa' })), ...s.keywords.en.map((k) => ({ '@value': k, '@language': 'en' }))],
    hasCompetentAuthority: { '@id': id('organization', s.organization) },
    thematicArea: s.topics.map((t) => ({ '@id': id('topic', t) })),
    isGroupedBy: s.lifeEvents.map((e) => ({ '@id': id('life-event', e) })),
    hasChannel: s.channels.map((c, i) => ({
      '@id': `${id('service', s.code)}#channel-${i + 1}`,
      '@type': 'Channel',
      'dct:type': c.type,
      // Delivered here: the channel's address is a page of this platform (the English page adds /en).
      ...(c.type === 'platform' ? { 'schema:url': `${baseUrl}${c.path}`, 'panjareh:platformPath': c.path } : {}),
      ...(c.type === 'online' ? { 'schema:url': c.url } : {}),
      ...(c.type === 'phone' ? { 'schema:telephone': c.number } : {}),
      ...('instructions' in c && c.instructions ? { description: lang(c.instructions) } : {}),
    })),
    holdsRequirement: s.requirements.map((r, i) => ({ '@id': `${id('service', s.code)}#requirement-${i + 1}`, '@type': 'Requirement', name: lang(r) })),
    hasInput: s.evidence.map((e, i) => ({ '@id': `${id('service', s.code)}#evidence-${i + 1}`, '@type': 'Evidence', name: lang(e) })),
    hasCost: { '@type': 'Cost', value: s.cost.amount, currency: s.cost.currency },
    processingTime: `P${s.processingDays}D`,
    ...(s.output ? { produces: { '@type': 'Output', name: lang(s.output) } } : {}),
    ...(s.legalBasis ? { hasLegalResource: { '@type': 'LegalResource', 'dct:title': lang(s.legalBasis) } } : {}),
    'panjareh:smart': s.smart,
    'schema:url': `${baseUrl}/services/${s.slug}`,
  });
  return {
    '@context': {
      '@vocab': 'http://data.europa.eu/m8g/',
      cpsv: 'http://purl.org/vocab/cpsv#',
      dct: 'http://purl.org/dc/terms/',
      skos: 'http://www.w3.org/2004/02/skos/core#',
      schema: 'http://schema.org/',
      panjareh: `${baseUrl}/ns#`,
      PublicService: 'cpsv:PublicService',
      identifier: 'dct:identifier',
      name: { '@id': 'dct:title', '@container': '@language' },
      description: { '@id': 'dct:description', '@container': '@language' },
      'dct:abstract': { '@container': '@language' },
      'dct:title': { '@container': '@language' },
      prefLabel: { '@id': 'skos:prefLabel', '@container': '@language' },
      keyword: 'dcat:keyword',
      dcat: 'http://www.w3.org/ns/dcat#',
      adms: 'http://www.w3.org/ns/adms#',
      org: 'http://www.w3.org/ns/org#',
      foaf: 'http://xmlns.com/foaf/0.1/',
      hasCompetentAuthority: { '@type': '@id' },
      thematicArea: { '@type': '@id' },
      isGroupedBy: { '@type': '@id' },
      spatial: 'dct:spatial',
    },
    '@graph': [
      ...file.organizations.map((o) => ({
        '@id': id('organization', o.code),
        '@type': 'PublicOrganisation',
        identifier: o.code,
        prefLabel: lang(o.name),
        ...(o.parent ? { 'org:subOrganizationOf': { '@id': id('organization', o.parent) } } : {}),
        ...(o.website ? { 'foaf:homepage': o.website } : {}),
        // The data-exchange members that are this organisation, as identifiers of it (ADMS) and plainly.
        ...(o.exchangeMembers.length
          ? {
              'adms:identifier': o.exchangeMembers.map((m) => ({ '@type': 'adms:Identifier', 'skos:notation': m, 'adms:schemaAgency': 'X-Road member (INSTANCE/CLASS/MEMBER)' })),
              'panjareh:exchangeMember': o.exchangeMembers,
            }
          : {}),
        spatial: 'http://publications.europa.eu/resource/authority/country/IRN',
      })),
      ...file.topics.map((t) => ({ '@id': id('topic', t.code), '@type': 'skos:Concept', identifier: t.code, prefLabel: lang(t.name) })),
      ...file.lifeEvents.map((e) => ({ '@id': id('life-event', e.code), '@type': 'LifeEvent', identifier: e.code, name: lang(e.name) })),
      ...file.services.map(service),
    ],
  };
}
