import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AccountRecord,
  type AccountsService,
  OidcError,
  type OidcProvider,
} from '../../modules/accounts/index.ts';
import { isOpen, type ServiceRequests } from '../../modules/cases/index.ts';
import {
  CONSENT_PURPOSES,
  type OwnDetails,
  SELF_SERVICE_CHANNELS,
  type SelfServiceParties,
} from '../../modules/parties/index.ts';
import type { AuditContext } from '../../platform/audit/audit.ts';
import { MIN_PASSWORD_LENGTH } from '../../platform/auth/passwords.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import type { PortalPage } from './portal.requests.ts';
import { openPortalSession, type PortalSessions } from './portal.sessions.ts';

export interface AccountRouteDeps {
  accounts: AccountsService;
  parties: SelfServiceParties;
  requests: ServiceRequests;
  oidc: OidcProvider | undefined;
  sessions: PortalSessions;
  secureCookies: boolean;
  pageContext: (request: FastifyRequest, reply: FastifyReply) => Promise<PortalPage>;
}

/** Field names the services use, and the message key each error on that field shows in the portal. */
const ERROR_KEYS: Record<string, string> = {
  givenNames: 'account.error.givenNames',
  familyName: 'account.error.familyName',
  email: 'account.error.email',
  password: 'account.error.password',
  phone: 'account.error.phone',
  'address.text': 'account.error.addressText',
  'address.postcode': 'account.error.postcode',
  preferredChannel: 'account.error.preferredChannel',
  language: 'account.error.language',
};
/** Messages more particular than their field's usual one. */
const MESSAGE_KEYS: Record<string, string> = {
  'Enter a mobile phone number to get text messages': 'account.error.smsNeedsPhone',
};
/** Where each service field is on the page (the address fields have their own ids). */
const FIELD_IDS: Record<string, string> = { 'address.text': 'addressText', 'address.postcode': 'postcode' };

/** What the report journey asks of accounts: who the signed-in citizen is, to prefill and to credit. */
export interface JourneyAccount {
  /** The party the account is linked to (verified accounts only). */
  partyOf(councilId: string, accountId: string): Promise<string | null>;
  /** The citizen's name, email and phone for the details step ("asked once"). */
  details(
    councilId: string,
    accountId: string,
    context: AuditContext,
  ): Promise<{ firstName: string; lastName: string; email: string; phone: string } | null>;
}

export function accountDetailsForJourney(
  accounts: AccountsService,
  parties: SelfServiceParties,
): JourneyAccount {
  const partyOf = async (councilId: string, accountId: string) => {
    const account = await accounts.get(councilId, accountId);
    return account?.emailVerifiedAt ? account.partyId : null;
  };
  return {
    partyOf,
    async details(councilId, accountId, context) {
      const partyId = await partyOf(councilId, accountId);
      if (!partyId) return null;
      const own = await parties.ownDetails(councilId, partyId, accounts.citizenContext(context, accountId));
      return {
        firstName: own.givenNames,
        lastName: own.familyName,
        email: own.email ?? '',
        phone: own.phone ?? '',
      };
    },
  };
}

/** An OIDC sign-in must come back within this time. */
const OIDC_PENDING_MS = 10 * 60_000;

/** Citizen accounts: create, verify, sign in and out, My requests, My details, and OIDC sign-in. */
export async function accountRoutes(app: FastifyInstance, deps: AccountRouteDeps): Promise<void> {
  const pub = { config: { public: true } } as const;
  const { accounts } = deps;

  const session = (request: FastifyRequest, reply: FastifyReply, councilId: string) =>
    openPortalSession(deps.sessions, request, reply, councilId, deps.secureCookies);

  const context = (request: FastifyRequest, councilId: string): AuditContext => ({
    councilId,
    actorType: 'anonymous',
    actorId: null,
    actorLabel: 'citizen portal',
    correlationId: request.id,
    ip: request.ip,
  });

  /** Service field errors in the page's language. */
  function translated(
    page: PortalPage,
    errors: readonly FieldError[],
    values: Record<string, string | number> = {},
  ) {
    return errors.map((e) => {
      const key = MESSAGE_KEYS[e.message] ?? ERROR_KEYS[e.field];
      return { field: FIELD_IDS[e.field] ?? e.field, message: key ? page.t(key, values) : e.message };
    });
  }

  type Signed = {
    page: PortalPage;
    account: AccountRecord;
    state: Awaited<ReturnType<typeof session>>;
  };

  /** The signed-in citizen's page, account and session; otherwise off to sign in. */
  async function withAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (ctx: Signed) => Promise<unknown>,
  ) {
    const page = await deps.pageContext(request, reply);
    const state = await session(request, reply, page.council.id);
    const account = state.data.accountId ? await accounts.get(page.council.id, state.data.accountId) : null;
    if (!account) return reply.redirect('/account/sign-in', 303);
    return run({ page, account, state });
  }

  async function signedInAs(state: Signed['state'], account: AccountRecord) {
    state.data.accountId = account.id;
    delete state.data.oidc;
    await state.rotate();
  }

  // ---------- Create an account ----------

  app.get('/account/create', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    return reply.view('portal/views/account-create.njk', {
      ...page,
      values: {},
      minLength: MIN_PASSWORD_LENGTH,
      oidcName: deps.oidc?.name,
    });
  });

  app.post('/account/create', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const input = {
      givenNames: (body.givenNames ?? '').slice(0, 100),
      familyName: (body.familyName ?? '').slice(0, 100),
      email: (body.email ?? '').slice(0, 254),
      password: (body.password ?? '').slice(0, 1000),
    };
    try {
      await accounts.create(
        page.council.id,
        { ...input, language: page.locale },
        context(request, page.council.id),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      const errors = translated(page, error.fieldErrors, { min: MIN_PASSWORD_LENGTH });
      return reply.code(400).view('portal/views/account-create.njk', {
        ...page,
        values: { ...input, password: '' },
        minLength: MIN_PASSWORD_LENGTH,
        oidcName: deps.oidc?.name,
        errors: errorSummary(errors),
        fieldErrors: fieldErrorMessages(errors),
      });
    }
    return reply.redirect('/account/check-email', 303);
  });

  app.get('/account/check-email', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    return reply.view('portal/views/account-check-email.njk', { ...page });
  });

  // ---------- Verify the email address (the link's GET asks; a POST spends it, so mail scanners cannot) ----------

  app.get('/account/verify', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = String((request.query as Record<string, unknown>).token ?? '').slice(0, 100);
    return reply.view('portal/views/account-verify.njk', { ...page, token });
  });

  app.post('/account/verify', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = String((request.body as Record<string, unknown> | undefined)?.token ?? '').slice(0, 100);
    const account = await accounts.verify(page.council.id, token, context(request, page.council.id));
    if (!account)
      return reply.code(400).view('portal/views/account-verify.njk', { ...page, token: '', failed: true });
    const state = await session(request, reply, page.council.id);
    return reply.redirect(
      state.data.accountId === account.id ? '/account?verified=1' : '/account/sign-in?verified=1',
      303,
    );
  });

  app.post('/account/verify/resend', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) => {
      await accounts.resendVerification(
        page.council.id,
        account.id,
        page.locale,
        context(request, page.council.id),
      );
      return reply.redirect('/account?resent=1', 303);
    }),
  );

  // ---------- Sign in and out ----------

  app.get('/account/sign-in', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const query = request.query as Record<string, unknown>;
    return reply.view('portal/views/account-sign-in.njk', {
      ...page,
      values: {},
      verified: query.verified === '1',
      signedOut: query.signedOut === '1',
      oidcName: deps.oidc?.name,
    });
  });

  app.post('/account/sign-in', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const email = (body.email ?? '').trim().slice(0, 254);
    const password = (body.password ?? '').slice(0, 1000);
    const errors: FieldError[] = [];
    if (!email) errors.push({ field: 'email', message: page.t('account.error.emailMissing') });
    if (!password) errors.push({ field: 'password', message: page.t('account.error.passwordMissing') });
    if (errors.length === 0) {
      const result = await accounts.signIn(
        page.council.id,
        email,
        password,
        context(request, page.council.id),
      );
      if (result.ok) {
        const state = await session(request, reply, page.council.id);
        await signedInAs(state, result.account);
        return reply.redirect('/account', 303);
      }
      if (result.reason === 'locked') {
        const minutes = Math.max(1, Math.ceil((result.lockedUntil.getTime() - Date.now()) / 60_000));
        errors.push({ field: 'email', message: page.t('account.error.locked', { minutes }) });
      } else errors.push({ field: 'email', message: page.t('account.error.signIn') });
    }
    return reply.code(400).view('portal/views/account-sign-in.njk', {
      ...page,
      values: { email },
      oidcName: deps.oidc?.name,
      errors: errorSummary(errors),
      fieldErrors: fieldErrorMessages(errors),
    });
  });

  app.post('/account/sign-out', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const state = await session(request, reply, page.council.id);
    await state.end();
    return reply.redirect('/account/sign-in?signedOut=1', 303);
  });

  app.post('/account/sign-out-everywhere', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account, state }) => {
      await deps.sessions.endAllForAccount(page.council.id, account.id);
      await state.end();
      return reply.redirect('/account/sign-in?signedOut=1', 303);
    }),
  );

  // ---------- Sign in with an OpenID Connect provider (GOV.UK One Login) ----------

  app.post('/account/oidc/start', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    if (!deps.oidc) return reply.code(404).view('portal/views/not-found.njk', { ...page });
    const { url, pending } = await deps.oidc.start({ locale: page.locale });
    const state = await session(request, reply, page.council.id);
    state.data.oidc = { ...pending, at: Date.now() };
    await state.save();
    return reply.redirect(url, 303);
  });

  app.get('/account/oidc/callback', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    if (!deps.oidc) return reply.code(404).view('portal/views/not-found.njk', { ...page });
    const state = await session(request, reply, page.council.id);
    const pending = state.data.oidc;
    const fail = async (reason: string) => {
      request.log.info({ reason }, 'OIDC sign-in failed');
      delete state.data.oidc;
      await state.save();
      return reply.code(400).view('portal/views/account-sign-in.njk', {
        ...page,
        values: {},
        oidcName: deps.oidc?.name,
        errors: [{ text: page.t('account.error.oidc', { provider: deps.oidc?.name ?? '' }), href: '#oidc' }],
      });
    };
    if (!pending || Date.now() - pending.at > OIDC_PENDING_MS) return fail('no sign-in under way');
    let identity: Awaited<ReturnType<OidcProvider['complete']>>;
    try {
      identity = await deps.oidc.complete(request.query as Record<string, string | undefined>, pending);
    } catch (error) {
      if (error instanceof OidcError) return fail(error.message);
      throw error;
    }
    let account: AccountRecord;
    try {
      account = await accounts.signInWithOidc(page.council.id, identity, context(request, page.council.id));
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) return fail(error.message);
      throw error;
    }
    await signedInAs(state, account);
    return reply.redirect('/account', 303);
  });

  // ---------- Your account, My requests, My details ----------

  app.get('/account', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) => {
      const query = request.query as Record<string, unknown>;
      return reply.view('portal/views/account.njk', {
        ...page,
        account: {
          email: account.email,
          verified: Boolean(account.emailVerifiedAt),
          linked: Boolean(account.partyId),
        },
        verifiedNow: query.verified === '1',
        resent: query.resent === '1',
        saved: query.saved === '1',
      });
    }),
  );

  app.get('/account/requests', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account, state }) => {
      const councilId = page.council.id;
      const rows: {
        reference: string;
        serviceName: string;
        status: string;
        open: boolean;
        submittedAt: Date;
        dueAt: Date | null;
      }[] = [];
      if (account.partyId) {
        const listed = await deps.requests.list(councilId, {
          partyId: account.partyId,
          sort: 'submitted',
          direction: 'desc',
          pageSize: 100,
        });
        for (const r of listed.items)
          rows.push({
            reference: r.reference,
            serviceName: r.serviceName,
            status: r.status,
            open: isOpen(r.status),
            submittedAt: r.submittedAt,
            dueAt: r.dueAt,
          });
      }
      // Requests made in this browser (all an unverified account can see) that are not listed already.
      const listedRefs = new Set(rows.map((r) => r.reference));
      for (const reference of state.data.requests.filter((r) => !listedRefs.has(r))) {
        try {
          const { record } = await deps.requests.get(councilId, reference);
          rows.push({
            reference: record.reference,
            serviceName: record.serviceName,
            status: record.status,
            open: isOpen(record.status),
            submittedAt: record.submittedAt,
            dueAt: record.dueAt,
          });
        } catch (error) {
          if (!(error instanceof DomainError && error.status < 500)) throw error;
        }
      }
      rows.sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime());
      return reply.view('portal/views/account-requests.njk', {
        ...page,
        rows,
        verified: Boolean(account.emailVerifiedAt),
      });
    }),
  );

  const channelItems = (page: PortalPage, chosen: string | null) =>
    SELF_SERVICE_CHANNELS.map((c) => ({
      value: c,
      text: page.t(`account.channel.${c}`),
      checked: chosen === c,
    }));

  function detailsView(
    page: PortalPage,
    details: Omit<Partial<OwnDetails>, 'consents'> & { consents: Record<string, boolean> },
    extra: Record<string, unknown> = {},
  ) {
    return {
      ...page,
      details,
      channels: channelItems(page, details.preferredChannel ?? null),
      consentItems: CONSENT_PURPOSES.map((p) => ({
        value: p,
        text: page.t(`account.consent.${p}`),
        hint: { text: page.t(`account.consent.${p}Hint`) },
        checked: details.consents[p] === true,
      })),
      ...extra,
    };
  }

  app.get('/account/details', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) => {
      if (!account.emailVerifiedAt)
        return reply.view('portal/views/account-details.njk', {
          ...detailsView(page, { consents: {} }),
          unverified: true,
        });
      const details = account.partyId
        ? await deps.parties.ownDetails(
            page.council.id,
            account.partyId,
            accounts.citizenContext(context(request, page.council.id), account.id),
          )
        : null;
      return reply.view(
        'portal/views/account-details.njk',
        detailsView(page, details ?? { email: account.email, language: page.locale, consents: {} }),
      );
    }),
  );

  app.post('/account/details', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) => {
      if (!account.emailVerifiedAt) return reply.redirect('/account/details', 303);
      const body = (request.body ?? {}) as Record<string, string | string[] | undefined>;
      const one = (name: string) => {
        const v = body[name];
        return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).slice(0, 500);
      };
      const chosen = new Set([body.consents ?? []].flat());
      const input = {
        givenNames: one('givenNames'),
        familyName: one('familyName'),
        phone: one('phone'),
        addressText: one('addressText'),
        postcode: one('postcode'),
        preferredChannel: one('preferredChannel'),
        language: one('language'),
        consents: Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, chosen.has(p)])),
      };
      const ctx = accounts.citizenContext(context(request, page.council.id), account.id);
      try {
        let partyId = account.partyId;
        if (!partyId) {
          // A verified account with no person yet (no name was known): the name given here makes one.
          if (input.givenNames.trim() && input.familyName.trim())
            partyId =
              (
                await accounts.linkWithName(
                  page.council.id,
                  account.id,
                  { givenNames: input.givenNames, familyName: input.familyName },
                  ctx,
                )
              )?.partyId ?? null;
        }
        if (!partyId) {
          const errors: FieldError[] = [];
          if (!input.givenNames.trim()) errors.push({ field: 'givenNames', message: '' });
          if (!input.familyName.trim()) errors.push({ field: 'familyName', message: '' });
          throw new DomainError('ValidationFailed', 'A name is needed', 400, errors);
        }
        await deps.parties.updateOwnDetails(page.council.id, partyId, input, ctx);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status >= 500) throw error;
        const errors = translated(page, error.fieldErrors);
        const details = {
          givenNames: input.givenNames,
          familyName: input.familyName,
          email: account.email,
          phone: input.phone,
          address: { text: input.addressText, postcode: input.postcode },
          preferredChannel: input.preferredChannel || null,
          language: (input.language === 'cy' ? 'cy' : 'en') as 'en' | 'cy',
          consents: input.consents,
        };
        return reply.code(400).view(
          'portal/views/account-details.njk',
          detailsView(page, details, {
            errors: errorSummary(errors),
            fieldErrors: fieldErrorMessages(errors),
          }),
        );
      }
      return reply.redirect('/account?saved=1', 303);
    }),
  );
}
