import type { ChannelType, Localized, ServiceData } from './model.js';
import { CHANNEL_TYPES } from './model.js';

/** Facet counts over a result set: how many matching services each organisation, topic, life event, channel and smart value has. */

export interface FacetValue {
  code: string;
  name: Localized;
  count: number;
}

export interface Facets {
  organization: FacetValue[];
  topic: FacetValue[];
  lifeEvent: FacetValue[];
  channel: FacetValue[];
  smart: FacetValue[];
}

const CHANNEL_NAMES: Record<ChannelType, Localized> = {
  online: { fa: 'برخط (اینترنتی)', en: 'Online' },
  'in-person': { fa: 'حضوری', en: 'In person' },
  phone: { fa: 'تلفنی', en: 'By phone' },
};
const SMART_NAMES: Record<string, Localized> = {
  true: { fa: 'هوشمند (بدون مراجعه و کاغذ)', en: 'Smart (no visit, no paper)' },
  false: { fa: 'نیازمند مراجعه یا مدرک کاغذی', en: 'Needs a visit or paper' },
};

export function countFacets(matched: ServiceData[], names: Record<'organization' | 'topic' | 'lifeEvent', (code: string) => Localized | undefined>): Facets {
  const org = new Map<string, number>();
  const topic = new Map<string, number>();
  const life = new Map<string, number>();
  const channel = new Map<string, number>();
  const smart = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const s of matched) {
    inc(org, s.organization);
    for (const t of s.topics) inc(topic, t);
    for (const l of s.lifeEvents) inc(life, l);
    for (const t of new Set(s.channels.map((c) => c.type))) inc(channel, t);
    inc(smart, String(s.smart));
  }
  const list = (m: Map<string, number>, name: (code: string) => Localized | undefined): FacetValue[] =>
    [...m].map(([code, count]) => ({ code, count, name: name(code) ?? { fa: code, en: code } })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return {
    organization: list(org, names.organization),
    topic: list(topic, names.topic),
    lifeEvent: list(life, names.lifeEvent),
    channel: list(channel, (c) => CHANNEL_NAMES[c as ChannelType]).sort((a, b) => CHANNEL_TYPES.indexOf(a.code as ChannelType) - CHANNEL_TYPES.indexOf(b.code as ChannelType)),
    smart: list(smart, (c) => SMART_NAMES[c]),
  };
}
