/**
 * What identity needs from the registries, as the civil-registration agency and the mobile
 * operators' ownership register answer it. In the demo the demo agencies serve these directly;
 * the data exchange will serve them the same way. A person's identity data always comes from here,
 * never from the person.
 */

// The registries' shapes are the agencies' own (src/agencies): one definition, read through their index.
export type { RegistryPerson, CivilRegistry, MobileOwnershipRegister } from '../agencies/index.js';

/** Sends a text message (SMS); the outbound-message service of the platform answers this. */
export interface MessageSender {
  send(m: { channel: 'sms' | 'email'; to: string; body: string; purpose: string }): Promise<{ id: string }>;
}
