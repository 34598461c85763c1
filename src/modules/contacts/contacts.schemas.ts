import { type Static, Type } from 'typebox';

export const CONTACT_CHANNELS = ['phone', 'face_to_face', 'web', 'email', 'sms', 'letter', 'social'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const CHANNEL_LABELS: Record<ContactChannel, string> = {
  phone: 'Phone',
  face_to_face: 'Face to face',
  web: 'Web',
  email: 'Email',
  sms: 'SMS',
  letter: 'Letter',
  social: 'Social media',
};

export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const DIRECTION_LABELS: Record<Direction, string> = {
  inbound: 'Inbound (the customer contacted us)',
  outbound: 'Outbound (we contacted the customer)',
};

export const OUTCOMES = ['resolved', 'request_raised', 'referred', 'signposted', 'callback_booked'] as const;
export type ContactOutcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<ContactOutcome, string> = {
  resolved: 'Resolved at first contact',
  request_raised: 'Request raised',
  referred: 'Referred to a partner',
  signposted: 'Signposted',
  callback_booked: 'Callback booked',
};

export const AVOIDABLE_REASONS = [
  'chasing_progress',
  'repeat',
  'misdirected',
  'unclear_information',
  'failure_to_act',
  'other',
] as const;
export type AvoidableReason = (typeof AVOIDABLE_REASONS)[number];
export const AVOIDABLE_REASON_LABELS: Record<AvoidableReason, string> = {
  chasing_progress: 'Chasing progress',
  repeat: 'Repeat contact',
  misdirected: 'Misdirected (wrong organisation or team)',
  unclear_information: 'Unclear information from the council',
  failure_to_act: 'Council did not do what it said',
  other: 'Other',
};

// The API accepts strings and checks their meaning in the service, so that each bad value gets a
// message naming the field and what is allowed.
export const ContactBody = Type.Object(
  {
    partyId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    channel: Type.String({ description: CONTACT_CHANNELS.join(', '), maxLength: 20 }),
    direction: Type.Optional(Type.String({ description: 'inbound (default) or outbound', maxLength: 10 })),
    outcome: Type.String({ description: OUTCOMES.join(', '), maxLength: 20 }),
    caseIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    notes: Type.Optional(Type.String({ maxLength: 5000 })),
    startedAt: Type.Optional(Type.String({ description: 'RFC 3339; defaults to now', maxLength: 40 })),
    endedAt: Type.Optional(Type.String({ description: 'RFC 3339; defaults to now', maxLength: 40 })),
    siteId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    interactionType: Type.Optional(
      Type.Union([Type.String({ description: 'LGIL interaction type', maxLength: 40 }), Type.Null()]),
    ),
    serviceCodes: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })),
    avoidable: Type.Optional(Type.Boolean()),
    avoidableReason: Type.Optional(
      Type.Union([Type.String({ description: AVOIDABLE_REASONS.join(', '), maxLength: 40 }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);
export type ContactBodyType = Static<typeof ContactBody>;

export const ContactIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const ContactListQuery = Type.Object(
  {
    partyId: Type.Optional(Type.String({ maxLength: 64 })),
    agent: Type.Optional(Type.String({ description: 'a staff user id, or "me"', maxLength: 64 })),
    from: Type.Optional(Type.String({ description: 'date or RFC 3339 time, inclusive', maxLength: 40 })),
    to: Type.Optional(
      Type.String({ description: 'date (inclusive) or RFC 3339 time (exclusive)', maxLength: 40 }),
    ),
    before: Type.Optional(
      Type.String({ description: 'paging: contacts started before this', maxLength: 40 }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

export const TimelineParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const TimelineQueryString = Type.Object(
  {
    before: Type.Optional(Type.String({ description: 'paging: items before this time', maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
