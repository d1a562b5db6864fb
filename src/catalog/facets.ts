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
  platform: { fa: 'در همین درگاه', en: 'Here on Panjareh' },
  online: { fa: 'برخط (اینترنتی)', en: 'Online' },
  'in-person': { fa: 'حضوری', en: 'In person' },
  phone: { fa: 'تلفنی', en: 'By phone' },
};
const SMART_NAMES: Record<string, Localized> = {
  true: { fa: 'هوشمند (بدون مراجعه و کاغذ)', en: 'Smart (no visit, no paper)' },
  false: { fa: 'نیازمند مراجعه یا مدرک کاغذی', en: 'Needs a visit or paper' },
};

type Dimension = keyof Facets;
const DIMENSIONS: Dimension[] = ['organization', 'topic', 'lifeEvent', 'channel', 'smart'];

/**
 * Counts facets over result sets. Every facet value (an organisation, a topic, "online"…) gets a small
 * integer once, and every service the list of its values' integers, so counting a result of thousands
 * of services is array increments rather than string-keyed map updates.
 */
export class FacetCounter {
  private ids = new Map<string, number>();
  private values: Array<{ dimension: Dimension; code: string }> = [];
  /** Keyed by the service object: a published change brings a new object, so entries never go stale. */
  private ofService = new WeakMap<ServiceData, number[]>();

  constructor(private readonly names: Record<'organization' | 'topic' | 'lifeEvent', (code: string) => Localized | undefined>) {}

  private id(dimension: Dimension, code: string): number {
    const key = `${dimension}\u0000${code}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push({ dimension, code });
      this.ids.set(key, id);
    }
    return id;
  }

  private idsOf(s: ServiceData): number[] {
    let ids = this.ofService.get(s);
    if (!ids) {
      ids = [
        this.id('organization', s.organization),
        ...s.topics.map((t) => this.id('topic', t)),
        ...s.lifeEvents.map((l) => this.id('lifeEvent', l)),
        ...[...new Set(s.channels.map((c) => c.type))].map((t) => this.id('channel', t)),
        this.id('smart', String(s.smart)),
      ];
      this.ofService.set(s, ids);
    }
    return ids;
  }

  count(matched: ServiceData[]): Facets {
    const ids = matched.map((s) => this.idsOf(s));
    const counts = new Uint32Array(this.values.length);
    for (const list of ids) for (const id of list) counts[id]!++;
    const facets: Facets = { organization: [], topic: [], lifeEvent: [], channel: [], smart: [] };
    counts.forEach((count, id) => {
      if (count === 0) return;
      const { dimension, code } = this.values[id]!;
      facets[dimension].push({ code, count, name: this.name(dimension, code) ?? { fa: code, en: code } });
    });
    for (const d of DIMENSIONS) facets[d].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    facets.channel.sort((a, b) => CHANNEL_TYPES.indexOf(a.code as ChannelType) - CHANNEL_TYPES.indexOf(b.code as ChannelType));
    return facets;
  }

  private name(dimension: Dimension, code: string): Localized | undefined {
    if (dimension === 'channel') return CHANNEL_NAMES[code as ChannelType];
    if (dimension === 'smart') return SMART_NAMES[code];
    return this.names[dimension](code);
  }
}
