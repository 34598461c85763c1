import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AccountLocked,
  type AccountRecord,
  type AccountsService,
  MAX_PASSWORD_LENGTH,
  OidcError,
  type OidcProvider,
  RESET_HOURS,
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
  'Enter your email address': 'account.error.emailMissing',
  'Enter your password': 'account.error.passwordMissing',
  'Enter your current password': 'account.error.currentPasswordMissing',
  'Your password is not right': 'account.error.passwordWrong',
  [`Your password must be ${MAX_PASSWORD_LENGTH} characters or fewer`]: 'account.error.passwordTooLong',
  'Enter your new password again': 'account.error.confirmPasswordMissing',
  'The passwords do not match': 'account.error.confirmPasswordMismatch',
  'Enter your new email address': 'account.error.newEmailMissing',
  'This is already your email address': 'account.error.emailSame',
  'This email address already has an account': 'account.error.emailTaken',
  'You have asked for too many links. Wait an hour, then try again': 'account.error.tooManyLinks',
  'Your email address comes from the provider you sign in with': 'account.error.emailFromProvider',
  'Select that you understand your account will be deleted': 'account.error.confirmDelete',
  'Sign in again': 'account.error.signInAgain',
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

/**
 * The name given at sign-up and the one on the linked record, when they differ: the account was
 * linked to a person already known by its email address, whose proper name was kept. My details
 * shows both, so the citizen can correct the record.
 */
function namesApart(
  account: { givenName: string | null; familyName: string | null },
  record: { givenNames: string; familyName: string },
): { nameAtSignUp?: string; nameOnRecord?: string } {
  const full = (given: string | null, family: string | null) =>
    [given, family]
      .map((part) => part?.trim() ?? '')
      .filter(Boolean)
      .join(' ')
      .replace(/\s+/g, ' ');
  const signUp = full(account.givenName, account.familyName);
  const onRecord = full(record.givenNames, record.familyName);
  if (!signUp || signUp.toLowerCase() === onRecord.toLowerCase()) return {};
  return { nameAtSignUp: signUp, nameOnRecord: onRecord };
}

/** An OIDC sign-in must come back within this time. */
const OIDC_PENDING_MS = 10 * 60_000;

/**
 * Citizen accounts: create, verify, sign in and out, a forgotten password, My requests, My details (with
 * a new password or email address, and deleting the account), and OIDC sign-in.
 */
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

  /** A domain error's field errors in the page's language (a lock says for how long); others rethrown. */
  function pageErrors(page: PortalPage, error: unknown): FieldError[] {
    if (!(error instanceof DomainError) || error.status >= 500) throw error;
    if (error instanceof AccountLocked) {
      const minutes = Math.max(1, Math.ceil((error.lockedUntil.getTime() - Date.now()) / 60_000));
      return error.fieldErrors.map((e) => ({
        field: e.field,
        message: page.t('account.error.locked', { minutes }),
      }));
    }
    return translated(page, error.fieldErrors, {
      min: MIN_PASSWORD_LENGTH,
      max: MAX_PASSWORD_LENGTH,
      provider: deps.oidc?.name ?? page.t('account.common.yourProvider'),
    });
  }

  /** A form page again, with the GOV.UK error summary and each field's message. */
  function withErrors(errors: readonly FieldError[]) {
    return { errors: errorSummary(errors), fieldErrors: fieldErrorMessages(errors) };
  }

  const field = (request: FastifyRequest, name: string, max = 1000): string => {
    const value = (request.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.slice(0, max) : '';
  };
  const tokenOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 100) : '');

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
      passwordReset: query.reset === '1',
      emailChanged: query.emailChanged === '1',
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
        passwordChanged: query.passwordChanged === '1',
        emailChanged: query.emailChanged === '1',
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
    account: AccountRecord,
    details: Omit<Partial<OwnDetails>, 'consents'> & { consents: Record<string, boolean> },
    extra: Record<string, unknown> = {},
  ) {
    return {
      ...page,
      details,
      credentials: { email: account.email, hasPassword: Boolean(account.passwordHash) },
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
          ...detailsView(page, account, { consents: {} }),
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
        detailsView(page, account, details ?? { email: account.email, language: page.locale, consents: {} }, {
          ...(details ? namesApart(account, details) : {}),
        }),
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
          detailsView(page, account, details, {
            errors: errorSummary(errors),
            fieldErrors: fieldErrorMessages(errors),
          }),
        );
      }
      return reply.redirect('/account?saved=1', 303);
    }),
  );

  // ---------- Forgotten password ----------

  app.get('/account/password-reset', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    return reply.view('portal/views/account-password-reset.njk', { ...page, values: {} });
  });

  app.post('/account/password-reset', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const email = field(request, 'email', 254).trim();
    try {
      await accounts.requestPasswordReset(
        page.council.id,
        email,
        page.locale,
        context(request, page.council.id),
      );
    } catch (error) {
      return reply.code(400).view('portal/views/account-password-reset.njk', {
        ...page,
        values: { email },
        ...withErrors(pageErrors(page, error)),
      });
    }
    return reply.redirect('/account/password-reset/sent', 303);
  });

  app.get('/account/password-reset/sent', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    return reply.view('portal/views/account-password-reset-sent.njk', { ...page, hours: RESET_HOURS });
  });

  /** The link's page: asks for the new password (spending the link is the POST, so mail scanners cannot). */
  const expiredReset = (page: PortalPage) => ({ ...page, kind: 'reset' });

  app.get('/account/password-reset/new', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = tokenOf((request.query as Record<string, unknown>).token);
    if (!(await accounts.passwordResetUsable(page.council.id, token)))
      return reply.code(400).view('portal/views/account-link-expired.njk', expiredReset(page));
    return reply.view('portal/views/account-password-new.njk', {
      ...page,
      token,
      minLength: MIN_PASSWORD_LENGTH,
    });
  });

  app.post('/account/password-reset/new', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = tokenOf((request.body as Record<string, unknown> | undefined)?.token);
    let account: AccountRecord | null;
    try {
      account = await accounts.resetPassword(
        page.council.id,
        token,
        { password: field(request, 'password'), confirmPassword: field(request, 'confirmPassword') },
        context(request, page.council.id),
      );
    } catch (error) {
      const errors = pageErrors(page, error);
      if (!(await accounts.passwordResetUsable(page.council.id, token)))
        return reply.code(400).view('portal/views/account-link-expired.njk', expiredReset(page));
      return reply.code(400).view('portal/views/account-password-new.njk', {
        ...page,
        token,
        minLength: MIN_PASSWORD_LENGTH,
        ...withErrors(errors),
      });
    }
    if (!account) return reply.code(400).view('portal/views/account-link-expired.njk', expiredReset(page));
    // Every session of the account has ended, this browser's too if it was signed in to it.
    return reply.redirect('/account/sign-in?reset=1', 303);
  });

  // ---------- Change the password ----------

  app.get('/account/password', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) =>
      reply.view('portal/views/account-password.njk', {
        ...page,
        hasPassword: Boolean(account.passwordHash),
        oidcName: deps.oidc?.name,
        minLength: MIN_PASSWORD_LENGTH,
      }),
    ),
  );

  app.post('/account/password', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account, state }) => {
      if (!account.passwordHash) return reply.redirect('/account/password', 303);
      try {
        await accounts.changePassword(
          page.council.id,
          account.id,
          {
            currentPassword: field(request, 'currentPassword'),
            password: field(request, 'password'),
            confirmPassword: field(request, 'confirmPassword'),
          },
          context(request, page.council.id),
        );
      } catch (error) {
        return reply.code(400).view('portal/views/account-password.njk', {
          ...page,
          hasPassword: true,
          minLength: MIN_PASSWORD_LENGTH,
          ...withErrors(pageErrors(page, error)),
        });
      }
      // Every session of the account ended with the change; this browser gets a new one.
      await state.rotate();
      return reply.redirect('/account?passwordChanged=1', 303);
    }),
  );

  // ---------- Change the email address ----------

  const fromProvider = (account: AccountRecord) => Boolean(account.oidcSubject) || !account.passwordHash;

  app.get('/account/email', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) =>
      reply.view('portal/views/account-email.njk', {
        ...page,
        current: account.email,
        fromProvider: fromProvider(account),
        oidcName: deps.oidc?.name,
        values: {},
      }),
    ),
  );

  app.post('/account/email', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) => {
      const email = field(request, 'email', 254).trim();
      try {
        await accounts.requestEmailChange(
          page.council.id,
          account.id,
          { email, currentPassword: field(request, 'currentPassword') },
          page.locale,
          context(request, page.council.id),
        );
      } catch (error) {
        return reply.code(400).view('portal/views/account-email.njk', {
          ...page,
          current: account.email,
          fromProvider: fromProvider(account),
          oidcName: deps.oidc?.name,
          values: { email },
          ...withErrors(pageErrors(page, error)),
        });
      }
      return reply.redirect('/account/email/check', 303);
    }),
  );

  app.get('/account/email/check', pub, (request, reply) =>
    withAccount(request, reply, async ({ page }) =>
      reply.view('portal/views/account-email-check.njk', { ...page }),
    ),
  );

  app.get('/account/email/confirm', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = tokenOf((request.query as Record<string, unknown>).token);
    if (!(await accounts.emailChangeUsable(page.council.id, token)))
      return reply.code(400).view('portal/views/account-link-expired.njk', { ...page, kind: 'email' });
    return reply.view('portal/views/account-email-confirm.njk', { ...page, token });
  });

  app.post('/account/email/confirm', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const token = tokenOf((request.body as Record<string, unknown> | undefined)?.token);
    const result = await accounts.confirmEmailChange(
      page.council.id,
      token,
      page.locale,
      context(request, page.council.id),
    );
    if (!result.ok)
      return reply.code(400).view('portal/views/account-link-expired.njk', {
        ...page,
        kind: result.reason === 'taken' ? 'emailTaken' : 'email',
      });
    const state = await session(request, reply, page.council.id);
    return reply.redirect(
      state.data.accountId === result.account.id
        ? '/account?emailChanged=1'
        : '/account/sign-in?emailChanged=1',
      303,
    );
  });

  // ---------- Delete the account ----------

  app.get('/account/delete', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account }) =>
      reply.view('portal/views/account-delete.njk', {
        ...page,
        email: account.email,
        hasPassword: Boolean(account.passwordHash),
      }),
    ),
  );

  app.post('/account/delete', pub, (request, reply) =>
    withAccount(request, reply, async ({ page, account, state }) => {
      try {
        await accounts.deleteAccount(
          page.council.id,
          account.id,
          {
            currentPassword: field(request, 'currentPassword'),
            confirmed: field(request, 'confirmed') === 'yes',
          },
          context(request, page.council.id),
        );
      } catch (error) {
        return reply.code(400).view('portal/views/account-delete.njk', {
          ...page,
          email: account.email,
          hasPassword: Boolean(account.passwordHash),
          ...withErrors(pageErrors(page, error)),
        });
      }
      // The account's sessions went with it; this browser forgets the cookie too.
      await state.end();
      return reply.redirect('/account/deleted', 303);
    }),
  );

  app.get('/account/deleted', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    return reply.view('portal/views/account-deleted.njk', { ...page });
  });
}
