import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { PartyNotFound, ValidationFailed } from './parties.errors.ts';
import { maskContactPoint, normaliseEmail } from './parties.normalise.ts';
import * as repo from './parties.repository.ts';
import * as consents from './parties.self-service.repository.ts';
import { createPartiesService, updatePartyIn } from './parties.service.ts';
import { validateAddress, validateContactPoint } from './parties.validate.ts';

export type { ConsentPurpose, ConsentRecord } from './parties.self-service.repository.ts';

/** What the citizen sees and changes on "My details". */
export interface OwnDetails {
  partyId: string;
  reference: string;
  givenNames: string;
  familyName: string;
  email: string | null;
  phone: string | null;
  address: { text: string; postcode: string | null } | null;
  preferredChannel: string | null;
  language: 'en' | 'cy' | 'other';
  consents: Record<consents.ConsentPurpose, boolean>;
}

export interface OwnDetailsInput {
  givenNames?: string;
  familyName?: string;
  phone?: string;
  addressText?: string;
  postcode?: string;
  preferredChannel?: string;
  language?: string;
  consents?: Partial<Record<consents.ConsentPurpose, boolean>>;
}

/** Channels a citizen may choose online (in person is arranged with the council, not chosen here). */
export const SELF_SERVICE_CHANNELS = ['email', 'sms', 'phone', 'post'] as const;
export const CONSENT_PURPOSES = ['email_updates', 'sms_updates', 'surveys'] as const;

const MAX_DEPTH = 5;

/** Names that stand in for a person's name when it was not known. */
const PLACEHOLDER_NAMES = new Set([
  'unknown',
  'not known',
  'not given',
  'anonymous',
  'n/a',
  'na',
  'none',
  'resident',
  'occupier',
  'the occupier',
]);

/**
 * Whether a person's recorded name is a proper one: both a given and a family name, neither with
 * digits in it (a name made up for a test or an import's key, like "Walker82037") nor a placeholder.
 */
function hasProperName(person: { givenNames: string | null; familyName: string | null }): boolean {
  return [person.givenNames, person.familyName].every((part) => {
    const name = part?.trim() ?? '';
    return name.length > 0 && !/\d/.test(name) && !PLACEHOLDER_NAMES.has(name.toLowerCase());
  });
}

/**
 * The citizen's own record, for the portal's accounts: linking a verified email address to a person,
 * reading and changing their details, and their consents with the history of each. Every read and
 * change is audited with the citizen as the actor.
 */
export function createSelfServiceParties(db: Executor) {
  const parties = createPartiesService(db);

  /** Follows merges to the surviving party, so an account keeps working after a merge. */
  async function current(tx: Executor, councilId: string, partyId: string): Promise<repo.PartyRecord> {
    let party = await repo.findParty(tx, councilId, partyId);
    for (let depth = 0; party?.status === 'merged' && party.mergedInto && depth < MAX_DEPTH; depth++)
      party = await repo.findParty(tx, councilId, party.mergedInto);
    if (party?.status !== 'active') throw new PartyNotFound();
    return party;
  }

  async function read(tx: Executor, councilId: string, partyId: string): Promise<OwnDetails> {
    const party = await current(tx, councilId, partyId);
    const [points, addresses, history] = await Promise.all([
      repo.listContactPoints(tx, party.id),
      repo.listAddresses(tx, party.id),
      consents.listConsents(tx, councilId, party.id),
    ]);
    const pick = (kind: 'email' | 'phone') =>
      points.find((p) => p.kind === kind && p.isPreferred) ?? points.find((p) => p.kind === kind);
    const home =
      addresses.find((a) => a.role === 'home' && !a.validTo) ?? addresses.find((a) => !a.validTo) ?? null;
    const emails = points.filter((p) => p.kind === 'email');
    const phones = points.filter((p) => p.kind === 'phone');
    const recorded = (purpose: consents.ConsentPurpose) =>
      history.find((c) => c.purpose === purpose)?.granted ?? false;
    return {
      partyId: party.id,
      reference: party.reference,
      givenNames: party.givenNames ?? '',
      familyName: party.familyName ?? '',
      email: pick('email')?.value ?? null,
      phone: pick('phone')?.value ?? null,
      address: home ? { text: home.text, postcode: home.postcode } : null,
      preferredChannel: party.preferredChannel,
      language: party.language as OwnDetails['language'],
      // Email and text consents are the do-not-contact flags notifications honour; surveys is a record.
      // Without a number or address to flag, the last answer recorded stands.
      consents: {
        email_updates: emails.length > 0 ? emails.every((p) => !p.doNotContact) : recorded('email_updates'),
        sms_updates: phones.length > 0 ? phones.every((p) => !p.doNotContact) : recorded('sms_updates'),
        surveys: recorded('surveys'),
      },
    };
  }

  /** As `read`, or null when the party (after any merges) is not active: safe inside a transaction. */
  async function readIfActive(tx: Tx, councilId: string, partyId: string): Promise<OwnDetails | null> {
    try {
      return await read(tx, councilId, partyId);
    } catch (error) {
      if (error instanceof PartyNotFound) return null;
      throw error;
    }
  }

  return {
    /**
     * The person with this verified email address: the one active person who has it as a contact point
     * (now marked verified), or a new person with the name given. When several people share the
     * address none is chosen, so an account never opens someone else's record on a guess. Null when
     * there is no match and no family name to create a person with.
     */
    async linkVerifiedEmail(
      councilId: string,
      input: { email: string; givenNames?: string | null; familyName?: string | null },
      context: AuditContext,
    ): Promise<string | null> {
      const email = normaliseEmail(input.email);
      if (!email)
        throw new ValidationFailed([
          { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
        ]);
      const givenNames = input.givenNames?.trim() ?? '';
      const familyName = input.familyName?.trim() ?? '';
      const found = await inTransaction(db, async (tx) => {
        const matches = await consents.activePeopleWithEmail(tx, councilId, email);
        if (matches.length !== 1 || !matches[0]) return null;
        await consents.markContactVerified(tx, councilId, matches[0], email);
        // The name given at sign-up replaces one the record never properly had (an earlier report
        // gave only a surname, or a made-up one); a proper name is kept, and My details shows the
        // citizen both so they can correct it. The replaced name stays in the record's name history.
        const person = await repo.findParty(tx, councilId, matches[0]);
        const named = Boolean(person && givenNames && familyName && !hasProperName(person));
        if (named) await updatePartyIn(tx, councilId, matches[0], { givenNames, familyName }, context);
        await recordAudit(tx, context, {
          action: 'party.account_linked',
          subjectType: 'party',
          subjectId: matches[0],
          details: { matchedBy: 'verified_email', nameFromSignUp: named },
        });
        return matches[0];
      });
      if (found) return found;
      if (!input.familyName?.trim()) return null;
      const created = await parties.createParty(
        councilId,
        {
          kind: 'person',
          ...(input.givenNames?.trim() ? { givenNames: input.givenNames } : {}),
          familyName: input.familyName,
          contactPoints: [{ kind: 'email', value: email, preferred: true, verified: true }],
        },
        context,
      );
      return created.id;
    },

    /** The surviving party's id (after any merges), or null if it no longer exists. */
    async currentPartyId(councilId: string, partyId: string): Promise<string | null> {
      try {
        return (await current(db, councilId, partyId)).id;
      } catch (error) {
        if (error instanceof PartyNotFound) return null;
        throw error;
      }
    },

    /** The citizen's own details; reading them is audited. */
    async ownDetails(councilId: string, partyId: string, context: AuditContext): Promise<OwnDetails> {
      return inTransaction(db, async (tx) => {
        const details = await read(tx, councilId, partyId);
        await recordAudit(tx, context, {
          action: 'party.viewed',
          subjectType: 'party',
          subjectId: details.partyId,
          purpose: 'self service',
        });
        return details;
      });
    },

    /**
     * Changes the citizen's name, phone, address, communication preferences and consents in one
     * transaction. Each consent that changes is recorded with its time and source.
     */
    async updateOwnDetails(
      councilId: string,
      partyId: string,
      input: OwnDetailsInput,
      context: AuditContext,
      source: consents.ConsentSource = 'web',
    ): Promise<OwnDetails> {
      const errors: FieldError[] = [];
      const givenNames = input.givenNames?.trim() ?? '';
      const familyName = input.familyName?.trim() ?? '';
      if (!givenNames) errors.push({ field: 'givenNames', message: 'Enter your first name' });
      if (!familyName) errors.push({ field: 'familyName', message: 'Enter your last name' });
      const phone = input.phone?.trim()
        ? validateContactPoint({ kind: 'phone', value: input.phone, preferred: true }, 'phone', errors)
        : null;
      const address =
        input.addressText?.trim() || input.postcode?.trim()
          ? validateAddress(
              { text: input.addressText ?? '', postcode: input.postcode ?? '', role: 'home' },
              'address',
              errors,
            )
          : null;
      const channel = input.preferredChannel?.trim() || null;
      if (channel && !(SELF_SERVICE_CHANNELS as readonly string[]).includes(channel))
        errors.push({ field: 'preferredChannel', message: 'Choose how you would like us to contact you' });
      const language = input.language?.trim() || 'en';
      if (language !== 'en' && language !== 'cy')
        errors.push({ field: 'language', message: 'Choose English or Welsh' });
      if (channel === 'sms' && !phone)
        errors.push({ field: 'phone', message: 'Enter a mobile phone number to get text messages' });
      if (errors.length) throw new ValidationFailed(errors);

      return inTransaction(db, async (tx) => {
        const before = await read(tx, councilId, partyId);
        const id = before.partyId;
        await updatePartyIn(
          tx,
          councilId,
          id,
          {
            givenNames,
            familyName,
            communication: { preferredChannel: channel ?? '', language },
          },
          context,
        );
        await replacePhone(tx, councilId, id, before.phone, phone?.value ?? null, context);
        await replaceAddress(tx, councilId, id, before.address, address ?? null, context);
        for (const purpose of CONSENT_PURPOSES) {
          const wanted = input.consents?.[purpose] ?? false;
          const had = before.consents[purpose];
          if (purpose === 'email_updates')
            await consents.setDoNotContact(tx, councilId, id, 'email', !wanted);
          if (purpose === 'sms_updates') await consents.setDoNotContact(tx, councilId, id, 'phone', !wanted);
          // A new phone number takes the answer given with it; record the answer when it changes.
          if (wanted === had && !(purpose === 'sms_updates' && phone && before.phone !== phone.value))
            continue;
          await recordConsent(tx, councilId, id, purpose, wanted, source, context);
        }
        return read(tx, councilId, id);
      });
    },

    /**
     * Withdraws, in the caller's transaction, every consent in force (when a citizen deletes their
     * account): email and text updates become do-not-contact on every email address and phone number,
     * and each consent that was given gets a withdrawal record with its time and source, and an audit
     * event. The person and their requests stay. Returns the purposes withdrawn (none when the
     * person, after any merges, no longer exists).
     */
    async withdrawConsentsIn(
      tx: Tx,
      councilId: string,
      partyId: string,
      context: AuditContext,
      source: consents.ConsentSource = 'web',
    ): Promise<consents.ConsentPurpose[]> {
      const before = await readIfActive(tx, councilId, partyId);
      if (!before) return [];
      const id = before.partyId;
      await consents.setDoNotContact(tx, councilId, id, 'email', true);
      await consents.setDoNotContact(tx, councilId, id, 'phone', true);
      const withdrawn = CONSENT_PURPOSES.filter((purpose) => before.consents[purpose]);
      for (const purpose of withdrawn)
        await recordConsent(tx, councilId, id, purpose, false, source, context);
      return withdrawn;
    },

    /**
     * Makes a newly verified email address the person's preferred one, in the caller's transaction
     * (when a citizen changes their account's address). The earlier address stays on the record, no
     * longer preferred; the new one is contacted as the earlier email addresses were. False when the
     * person (after any merges) no longer exists.
     */
    async addVerifiedEmailIn(
      tx: Tx,
      councilId: string,
      partyId: string,
      emailInput: string,
      context: AuditContext,
    ): Promise<boolean> {
      const email = normaliseEmail(emailInput);
      if (!email)
        throw new ValidationFailed([
          { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
        ]);
      const before = await readIfActive(tx, councilId, partyId);
      if (!before) return false;
      const id = before.partyId;
      const points = await repo.listContactPoints(tx, id);
      let point = points.find((p) => p.kind === 'email' && p.value === email);
      if (!point) {
        await repo.insertContactPoints(tx, councilId, id, [
          {
            kind: 'email',
            value: email,
            label: null,
            isPreferred: false,
            isVerified: true,
            doNotContact: !before.consents.email_updates,
          },
        ]);
        point = (await repo.listContactPoints(tx, id)).find((p) => p.kind === 'email' && p.value === email);
      } else await consents.markContactVerified(tx, councilId, id, email);
      if (point) await repo.changeContactPoint(tx, councilId, id, point.id, 'prefer');
      await recordAudit(tx, context, {
        action: 'party.contact_point_added',
        subjectType: 'party',
        subjectId: id,
        details: { kind: 'email', source: 'self service', verified: true },
      });
      return true;
    },

    /** Every consent given or withdrawn, newest first (for staff and the data protection officer). */
    async consentHistory(councilId: string, partyId: string): Promise<consents.ConsentRecord[]> {
      return consents.listConsents(db, councilId, partyId);
    },
  };
}

/** A consent given or withdrawn: its record, with its time and source, and an audit event. */
async function recordConsent(
  tx: Tx,
  councilId: string,
  partyId: string,
  purpose: consents.ConsentPurpose,
  granted: boolean,
  source: consents.ConsentSource,
  context: AuditContext,
): Promise<void> {
  await consents.insertConsent(tx, councilId, partyId, {
    purpose,
    granted,
    source,
    recordedBy: context.actorLabel,
  });
  await recordAudit(tx, context, {
    action: granted ? 'party.consent_given' : 'party.consent_withdrawn',
    subjectType: 'party',
    subjectId: partyId,
    details: { purpose, source },
  });
}

async function replacePhone(
  tx: Tx,
  councilId: string,
  partyId: string,
  before: string | null,
  after: string | null,
  context: AuditContext,
): Promise<void> {
  if (before === after) return;
  const points = await repo.listContactPoints(tx, partyId);
  const old = points.find((p) => p.kind === 'phone' && p.value === before);
  if (old && after === null) await repo.changeContactPoint(tx, councilId, partyId, old.id, 'remove');
  if (after !== null) {
    const existing = points.find((p) => p.kind === 'phone' && p.value === after);
    if (!existing)
      await repo.insertContactPoints(tx, councilId, partyId, [
        {
          kind: 'phone',
          value: after,
          label: null,
          isPreferred: false,
          isVerified: false,
          doNotContact: false,
        },
      ]);
    const id =
      existing?.id ??
      (await repo.listContactPoints(tx, partyId)).find((p) => p.kind === 'phone' && p.value === after)?.id;
    if (id) await repo.changeContactPoint(tx, councilId, partyId, id, 'prefer');
  }
  await recordAudit(tx, context, {
    action: after === null ? 'party.contact_point_removed' : 'party.contact_point_added',
    subjectType: 'party',
    subjectId: partyId,
    details: {
      kind: 'phone',
      source: 'self service',
      masked: maskContactPoint({ kind: 'phone', value: (after ?? before) as string }),
    },
  });
}

async function replaceAddress(
  tx: Tx,
  councilId: string,
  partyId: string,
  before: OwnDetails['address'],
  after: repo.NewAddress | null,
  context: AuditContext,
): Promise<void> {
  if (
    (before?.text ?? null) === (after?.text ?? null) &&
    (before?.postcode ?? null) === (after?.postcode ?? null)
  )
    return;
  const today = new Date().toISOString().slice(0, 10);
  for (const a of await repo.listAddresses(tx, partyId))
    if (a.role === 'home' && !a.validTo) await repo.endAddress(tx, councilId, partyId, a.id, today);
  if (after) await repo.insertAddresses(tx, councilId, partyId, [{ ...after, validFrom: today }]);
  await recordAudit(tx, context, {
    action: after ? 'party.address_added' : 'party.address_ended',
    subjectType: 'party',
    subjectId: partyId,
    details: { role: 'home', source: 'self service' },
  });
}

export type SelfServiceParties = ReturnType<typeof createSelfServiceParties>;
