import { DateTime } from 'luxon';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { type FieldError, ValidationFailed } from '../../platform/http/errors.ts';
import { ResourceNotFound } from './bookings.errors.ts';
import * as repo from './bookings.repository.ts';

/** Monday = 1, as ISO and Luxon count them. */
export const WEEKDAYS = [
  { day: 1, name: 'Monday' },
  { day: 2, name: 'Tuesday' },
  { day: 3, name: 'Wednesday' },
  { day: 4, name: 'Thursday' },
  { day: 5, name: 'Friday' },
  { day: 6, name: 'Saturday' },
  { day: 7, name: 'Sunday' },
] as const;

export const RESOURCE_KIND_LABELS: Record<repo.ResourceKind, string> = {
  court: 'Court',
  pitch: 'Pitch',
  room: 'Room',
  class: 'Class or session',
  appointment: 'Appointment slots (for example, a repair team)',
  other: 'Something else',
};

/** What the admin form sends: every value as typed. Opening hours are "08:00-12:00, 13:00-17:00" per day. */
export type ResourceForm = Record<string, string | undefined>;

const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/;
const ZONE = 'Europe/London';

const pad = (time: string) => {
  const [h = '0', m = '0'] = time.split(/[:.]/);
  return `${h.padStart(2, '0')}:${m}`;
};

/** The form's values for a resource (what the edit page starts from). */
export function resourceToForm(r: repo.ResourceRecord): ResourceForm {
  const form: ResourceForm = {
    serviceCode: r.serviceCode,
    name: r.name,
    kind: r.kind,
    location: r.location ?? '',
    capacity: String(r.capacity),
    slotMinutes: String(r.slotMinutes),
    advanceDays: String(r.advanceDays),
    closedDates: r.closedDates
      .map((d) => DateTime.fromISO(d, { zone: ZONE }).toFormat('d/M/yyyy'))
      .join('\n'),
    public: r.public ? 'yes' : 'no',
    active: r.active ? 'yes' : 'no',
  };
  for (const { day } of WEEKDAYS) {
    form[`hours-${day}`] = r.opening
      .filter((o) => o.day === day)
      .map((o) => `${o.open}-${o.close}`)
      .join(', ');
  }
  return form;
}

function wholeNumber(
  value: string | undefined,
  field: string,
  label: string,
  min: number,
  max: number,
  errors: FieldError[],
): number {
  const text = (value ?? '').trim();
  if (!text) errors.push({ field, message: `Enter ${label}` });
  else if (!/^\d+$/.test(text)) errors.push({ field, message: `${capital(label)} must be a whole number` });
  else if (Number(text) < min || Number(text) > max)
    errors.push({ field, message: `${capital(label)} must be between ${min} and ${max}` });
  return Number(text);
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Checks the admin form and turns it into a resource definition, or lists what is wrong with it. */
export function parseResourceForm(
  form: ResourceForm,
  serviceCodes: ReadonlySet<string> | null,
): { definition: repo.ResourceDefinition; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const serviceCode = (form.serviceCode ?? '').trim();
  if (!serviceCode)
    errors.push({ field: 'serviceCode', message: 'Select the service people book it through' });
  else if (serviceCodes && !serviceCodes.has(serviceCode))
    errors.push({ field: 'serviceCode', message: 'Select a booking service from the list' });
  const name = (form.name ?? '').trim();
  if (!name) errors.push({ field: 'name', message: 'Enter a name' });
  else if (name.length > 200)
    errors.push({ field: 'name', message: 'The name must be 200 characters or fewer' });
  const kind = (form.kind ?? '') as repo.ResourceKind;
  if (!(repo.RESOURCE_KINDS as readonly string[]).includes(kind))
    errors.push({ field: 'kind', message: 'Select what kind of thing it is' });
  const location = (form.location ?? '').trim();
  if (location.length > 200)
    errors.push({ field: 'location', message: 'The site must be 200 characters or fewer' });
  const capacity = wholeNumber(form.capacity, 'capacity', 'the number of places', 1, 1000, errors);
  const slotMinutes = wholeNumber(form.slotMinutes, 'slotMinutes', 'the slot length', 5, 480, errors);
  const advanceDays = wholeNumber(
    form.advanceDays,
    'advanceDays',
    'how many days ahead people may book',
    1,
    365,
    errors,
  );

  const opening: repo.OpeningHours[] = [];
  for (const { day, name: dayName } of WEEKDAYS) {
    const field = `hours-${day}`;
    const text = (form[field] ?? '').trim();
    if (!text) continue;
    const periods = text.split(/\s*[,;]\s*/).filter(Boolean);
    const parsed: repo.OpeningHours[] = [];
    for (const period of periods) {
      const [open = '', close = '', extra] = period.split(/\s*(?:-|–|to)\s*/);
      if (extra !== undefined || !TIME.test(open) || !TIME.test(close)) {
        errors.push({
          field,
          message: `Enter ${dayName}’s opening hours as times from and to, like 09:00-17:00`,
        });
        break;
      }
      const hours = { day, open: pad(open), close: pad(close) };
      if (hours.close <= hours.open) {
        errors.push({ field, message: `${dayName}’s closing time must be after its opening time` });
        break;
      }
      parsed.push(hours);
    }
    parsed.sort((a, b) => a.open.localeCompare(b.open));
    if (parsed.some((p, i) => i > 0 && p.open < (parsed[i - 1]?.close ?? '')))
      errors.push({ field, message: `${dayName}’s opening hours must not overlap` });
    opening.push(...parsed);
  }
  if (opening.length === 0 && !errors.some((e) => e.field.startsWith('hours-')))
    errors.push({ field: 'hours-1', message: 'Enter the opening hours for at least one day' });
  else if (
    Number.isInteger(slotMinutes) &&
    !errors.some((e) => e.field === 'slotMinutes') &&
    opening.length > 0 &&
    !opening.some((o) => minutes(o.close) - minutes(o.open) >= slotMinutes)
  )
    errors.push({ field: 'slotMinutes', message: 'The slot length must fit within the opening hours' });

  const closedDates: string[] = [];
  for (const line of (form.closedDates ?? '').split(/[\n,]+/)) {
    const text = line.trim();
    if (!text) continue;
    const date = [
      DateTime.fromFormat(text, 'd/M/yyyy', { zone: ZONE }),
      DateTime.fromISO(text, { zone: ZONE }),
    ].find((d) => d.isValid && /^\d/.test(text));
    if (!date) {
      errors.push({ field: 'closedDates', message: `“${text.slice(0, 30)}” is not a date, like 25/12/2026` });
      break;
    }
    closedDates.push(date.toISODate() ?? '');
  }
  if (closedDates.length > 400)
    errors.push({ field: 'closedDates', message: 'Enter 400 closed dates or fewer' });

  if (form.public !== 'yes' && form.public !== 'no')
    errors.push({ field: 'public', message: 'Select whether the public can book it online' });
  return {
    definition: {
      serviceCode,
      name,
      kind,
      location: location || null,
      capacity,
      slotMinutes,
      advanceDays,
      opening,
      closedDates: [...new Set(closedDates)].sort(),
      public: form.public === 'yes',
      active: form.active !== 'no',
    },
    errors,
  };
}

const minutes = (time: string) => {
  const [h = 0, m = 0] = time.split(':').map(Number);
  return h * 60 + m;
};

/** Staff administration of bookable resources: list, create and edit, each change audited. */
export function resourceAdmin(
  db: Executor,
  deps: {
    bookableServices?: ((councilId: string) => Promise<{ code: string; name: string }[]>) | undefined;
  },
) {
  const services = async (councilId: string): Promise<{ code: string; name: string }[]> =>
    deps.bookableServices ? deps.bookableServices(councilId) : [];

  async function save(
    councilId: string,
    id: string | null,
    form: ResourceForm,
    context: AuditContext,
  ): Promise<repo.ResourceRecord> {
    const known = deps.bookableServices ? new Set((await services(councilId)).map((s) => s.code)) : null;
    if (id !== null && !/^[0-9a-f-]{36}$/i.test(id)) throw new ResourceNotFound();
    // The service a resource already has stays valid, even if the catalogue has since changed it.
    const before = id ? await repo.findResource(db, councilId, id) : undefined;
    if (id && !before) throw new ResourceNotFound();
    if (before) known?.add(before.serviceCode);
    const { definition, errors } = parseResourceForm(form, known);
    if (errors.length) throw new ValidationFailed(errors);
    const nameTaken = {
      field: 'name',
      message: 'This service already has a resource with that name',
    };
    return inTransaction(db, async (tx) => {
      let resourceId = id;
      if (resourceId === null) {
        resourceId = (await repo.insertResource(tx, councilId, definition)) ?? null;
        if (!resourceId) throw new ValidationFailed([nameTaken]);
      } else if (!(await repo.updateResource(tx, councilId, resourceId, definition))) {
        throw new ValidationFailed([nameTaken]);
      }
      const after = await repo.findResource(tx, councilId, resourceId);
      if (!after) throw new ResourceNotFound();
      const changed = before
        ? (Object.keys(definition) as (keyof repo.ResourceDefinition)[]).filter(
            (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
          )
        : [];
      await recordAudit(tx, context, {
        action: before ? 'booking_resource.updated' : 'booking_resource.created',
        subjectType: 'bookable_resource',
        subjectId: resourceId,
        details: before ? { changed } : { serviceCode: after.serviceCode, name: after.name },
      });
      return after;
    });
  }

  return {
    /** Every resource, withdrawn ones too, for the admin list. */
    allResources: (councilId: string) => repo.listResources(db, councilId, { withInactive: true }),
    /** One resource for the admin form, withdrawn or not. */
    async resourceForAdmin(councilId: string, id: string): Promise<repo.ResourceRecord> {
      const found = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findResource(db, councilId, id) : undefined;
      if (!found) throw new ResourceNotFound();
      return found;
    },
    bookableServices: services,
    createResource: (councilId: string, form: ResourceForm, context: AuditContext) =>
      save(councilId, null, form, context),
    updateResource: (councilId: string, id: string, form: ResourceForm, context: AuditContext) =>
      save(councilId, id, form, context),
  };
}
