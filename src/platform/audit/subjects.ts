/**
 * What an audit event's subject is, in words an auditor reads: "Jane Smith (P-9KEV-X927)" rather than
 * a uuid. Modules that own a kind of record provide an `AuditSubjectProvider` (through their
 * `index.ts`); the audit trail asks each provider once per page for all of that type's ids.
 *
 * Describing a subject here is not a read of a person's record in the audit sense: the auditor is
 * already allowed to see who was looked at, so providers must not write audit events.
 */
export interface AuditSubject {
  /** A name or title: a person's display name, a service's name. */
  readonly label: string;
  /** The record's human reference, where it has one (P-9KEV-X927, GH-7KQ2-M4XD). */
  readonly reference?: string;
  /** The staff page for the record. */
  readonly href?: string;
}

export interface AuditSubjectProvider {
  /** The `subject_type` its module writes on audit events, e.g. `party` or `case`. */
  readonly subjectType: string;
  /** The records with these ids that exist, in one look-up; ids it does not know are left out. */
  describe(councilId: string, ids: readonly string[]): Promise<ReadonlyMap<string, AuditSubject>>;
  /**
   * The id of the record a human reference names, if the text is one of this type's references
   * (typed loosely: any case, dashes optional). Undefined when it is not, or no record has it.
   */
  idForReference?(councilId: string, text: string): Promise<string | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Subjects described by their providers, keyed `type:id`; one call per subject type present. */
export async function describeAuditSubjects(
  providers: readonly AuditSubjectProvider[],
  councilId: string,
  events: readonly { subjectType: string | null; subjectId: string | null }[],
): Promise<Map<string, AuditSubject>> {
  const idsByType = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.subjectType || !e.subjectId) continue;
    const ids = idsByType.get(e.subjectType) ?? new Set<string>();
    ids.add(e.subjectId);
    idsByType.set(e.subjectType, ids);
  }
  const described = new Map<string, AuditSubject>();
  await Promise.all(
    providers.map(async (provider) => {
      const ids = idsByType.get(provider.subjectType);
      if (!ids) return;
      const found = await provider.describe(councilId, [...ids]);
      for (const [id, subject] of found) described.set(`${provider.subjectType}:${id}`, subject);
    }),
  );
  return described;
}

/**
 * The subject id to filter on for what someone typed in "Record": a uuid as it is, a reference any
 * provider recognises as the id of its record, and anything else as typed (some subjects are codes).
 */
export async function auditSubjectIdFor(
  providers: readonly AuditSubjectProvider[],
  councilId: string,
  text: string,
): Promise<string> {
  const trimmed = text.trim();
  if (UUID.test(trimmed)) return trimmed.toLowerCase();
  for (const provider of providers) {
    const id = await provider.idForReference?.(councilId, trimmed);
    if (id) return id;
  }
  return trimmed;
}
