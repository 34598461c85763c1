import { createHash } from 'node:crypto';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { DomainError, type FieldError, NotFound } from '../../platform/http/errors.ts';
import {
  countActivePersons,
  findLinkageCandidates,
  type ImportMapping,
  type LinkageProbe,
  type LinkageRecord,
  linkageProbeOf,
  linkageRecordOf,
  linkageRecords,
  type PartiesService,
  type PartyInput,
  type PreparedBulk,
  partiesBySourceKey,
  prepareBulk,
  recordToInput,
  sampleLinkageRecords,
  type ValidParty,
} from '../parties/index.ts';
import { doubleMetaphone } from './double-metaphone.ts';
import type { PairExplanation, Thresholds } from './fellegi-sunter.ts';
import * as repo from './identity.repository.ts';
import { buildRegisterLinker, type LinkFields, LOAD_THRESHOLDS, U_SAMPLE_SIZE } from './register-model.ts';

/**
 * How an extract's mapping marks a council tax single-person discount claim: the column, and the
 * values that mean "claimed" (compared case-insensitively; default Y, YES, TRUE, 1, SPD, 25%).
 */
export interface IdentityMapping extends ImportMapping {
  flags?: { singlePersonDiscount?: { column: string; values?: string[] } };
}

export interface ExtractRow {
  line: number;
  record: Record<string, string>;
}

export interface LoadSummary {
  read: number;
  linked: number;
  created: number;
  updated: number;
  unchanged: number;
  queued: number;
  rejected: { line: number; key: string; reasons: string[] }[];
  /** What happened to each loaded record, with the best match probability when it was linked against the register. */
  outcomes: {
    line: number;
    key: string;
    outcome: repo.SourceOutcome;
    partyId: string;
    probability: number | null;
  }[];
  seconds: number;
}

export interface LoadOptions {
  councilId: string;
  system: string;
  mapping: IdentityMapping;
  rows: readonly ExtractRow[];
  context: AuditContext;
  thresholds?: Thresholds;
  batchSize?: number;
  progress?: (summary: LoadSummary) => void;
}

const DISCOUNT_VALUES = ['y', 'yes', 'true', '1', 'spd', '25%'];

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** Only the fields that differ from what the system sent last time (the kind always). */
function changedInput(before: PartyInput | undefined, after: PartyInput): PartyInput {
  if (!before) return after;
  const diff: Record<string, unknown> = { kind: after.kind };
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    const a = (before as Record<string, unknown>)[k];
    const b = (after as Record<string, unknown>)[k];
    if (JSON.stringify(a) !== JSON.stringify(b)) diff[k] = b ?? '';
  }
  return diff as PartyInput;
}

function linkFields(r: Omit<LinkageRecord, 'id' | 'reference'>): LinkFields {
  return {
    givenNames: r.givenNames,
    familyName: r.familyName,
    dateOfBirth: r.dateOfBirth,
    address: r.address,
    postcode: r.postcode,
    phone: r.phone,
    email: r.email,
    niNumber: r.niNumber,
  };
}

/** One extract row after mapping and validation. */
interface Prepared {
  line: number;
  key: string;
  valueKey: string;
  input: PartyInput;
  party: ValidParty;
  hash: string;
  postcodeInvalid: boolean;
  singlePersonDiscount: boolean;
}

export class ReviewAlreadyDecided extends DomainError {
  constructor() {
    super('identity.review_decided', 'This pair has already been decided', 409);
  }
}

export function createIdentityService(db: Executor, deps: { parties: PartiesService }) {
  const { parties } = deps;

  /** Validates a batch: rows with only a bad postcode load without it (and count as invalid postcodes). */
  function prepareRows(
    rows: readonly ExtractRow[],
    mapping: IdentityMapping,
    system: string,
    seen: Set<string>,
    rejected: LoadSummary['rejected'],
  ): Prepared[] {
    const flag = mapping.flags?.singlePersonDiscount;
    const discountValues = (flag?.values ?? DISCOUNT_VALUES).map((v) => v.toLowerCase());
    const mapped = rows.map((row) => ({
      line: row.line,
      input: recordToInput(row.record, mapping),
      sourceKey: row.record[mapping.key]?.trim() ?? '',
      discount: flag ? discountValues.includes((row.record[flag.column] ?? '').trim().toLowerCase()) : false,
    }));
    const byLine = new Map(mapped.map((m) => [m.line, m]));
    const first = prepareBulk(mapped, system);
    const retry = first.rejected.filter(
      (r) => r.errors.length > 0 && r.errors.every((e) => e.field === 'address.postcode'),
    );
    const stripped = retry.map((r) => {
      const m = byLine.get(r.line) as (typeof mapped)[number];
      const address = m.input.address ? { ...m.input.address, postcode: '' } : undefined;
      return { ...m, input: { ...m.input, ...(address ? { address } : {}) } };
    });
    const second: PreparedBulk = prepareBulk(stripped, system);
    const retried = new Set(retry.map((r) => r.line));
    const reject = (line: number, errors: readonly FieldError[]) =>
      rejected.push({
        line,
        key: byLine.get(line)?.sourceKey ?? '',
        reasons: errors.map((e) => `${e.field}: ${e.message}`),
      });
    for (const r of first.rejected) if (!retried.has(r.line)) reject(r.line, r.errors);
    for (const r of second.rejected) reject(r.line, r.errors);
    const out: Prepared[] = [];
    for (const [list, postcodeInvalid] of [
      [first.fresh, false],
      [second.fresh, true],
    ] as const) {
      for (const f of list) {
        const valueKey = f.source?.valueKey ?? '';
        if (seen.has(valueKey)) {
          reject(f.row.line, [{ field: 'key', message: 'The same key appears earlier in this file' }]);
          continue;
        }
        seen.add(valueKey);
        const m = byLine.get(f.row.line) as (typeof mapped)[number];
        const input = byLine.get(f.row.line)?.input as PartyInput;
        out.push({
          line: f.row.line,
          key: f.source?.value ?? m.sourceKey,
          valueKey,
          input,
          party: f.party,
          hash: hashOf({ input, discount: m.discount }),
          postcodeInvalid,
          singlePersonDiscount: m.discount,
        });
      }
    }
    return out.sort((a, b) => a.line - b.line);
  }

  function sourceRow(
    p: Prepared,
    system: string,
    partyId: string,
    outcome: repo.SourceOutcome,
  ): repo.SourceRecordRow {
    const address = p.party.addresses[0];
    return {
      system,
      sourceKey: p.valueKey,
      partyId,
      kind: p.party.fields.kind,
      input: p.input,
      inputHash: p.hash,
      dateOfBirth: p.party.fields.birthDatePrecision === 'day' ? p.party.fields.dateOfBirth : null,
      addressText: address?.text || null,
      postcodeKey: address?.postcodeKey ?? null,
      postcodeInvalid: p.postcodeInvalid,
      singlePersonDiscount: p.singlePersonDiscount,
      outcome,
    };
  }

  /** The register sample (for u) and size (for the prior), read once per load. */
  type Register = { sample: LinkageRecord[]; size: number };

  async function loadBatch(
    options: LoadOptions,
    rows: readonly ExtractRow[],
    seen: Set<string>,
    summary: LoadSummary,
    register: () => Promise<Register>,
  ): Promise<void> {
    const { councilId, system, mapping, context } = options;
    const thresholds = options.thresholds ?? LOAD_THRESHOLDS;
    const prepared = prepareRows(rows, mapping, system, seen, summary.rejected);
    const keys = prepared.map((p) => p.valueKey);
    const [known, holders] = await Promise.all([
      repo.findSourceRecords(db, councilId, system, keys),
      partiesBySourceKey(db, councilId, system, keys),
    ]);
    const records: repo.SourceRecordRow[] = [];
    const unchanged: string[] = [];
    const fresh: Prepared[] = [];
    // Keys already in the register: update what changed, in place.
    for (const p of prepared) {
      const holder = holders.get(p.valueKey);
      if (!holder) {
        fresh.push(p);
        continue;
      }
      const before = known.get(p.valueKey);
      if (before && before.inputHash === p.hash) {
        unchanged.push(p.valueKey);
        summary.unchanged++;
        continue;
      }
      const result = await parties.upsertBySourceKey(
        councilId,
        system,
        p.key,
        changedInput(before?.input as PartyInput | undefined, p.input),
        context,
      );
      if (result.outcome === 'updated') summary.updated++;
      else summary.unchanged++;
      records.push(sourceRow(p, system, result.id, result.outcome === 'updated' ? 'updated' : 'unchanged'));
    }

    // New keys: people are linked against the register; organisations and households are created.
    const people = fresh.filter((p) => p.party.fields.kind === 'person');
    const decision = new Map<Prepared, { candidate: LinkageRecord; explanation: PairExplanation }>();
    // Pairs within the batch: the source system may hold one person twice.
    const withinPairs = blockWithin(people.map((p, i) => linkageProbeOf(i, p.party)));
    const within: { i: number; j: number; explanation: PairExplanation }[] = [];
    if (people.length > 0) {
      const hits = await findLinkageCandidates(
        db,
        councilId,
        people.map((p, i) => linkageProbeOf(i, p.party)),
      );
      if (hits.length > 0 || withinPairs.length > 0) {
        const ids = [...new Set(hits.map((h) => h.partyId))];
        const [candidates, { sample, size: registerSize }] = await Promise.all([
          linkageRecords(db, councilId, ids),
          register(),
        ]);
        const candidateIndex = new Map(candidates.map((c, i) => [c.id, i]));
        const linker = buildRegisterLinker(
          sample.map(linkFields),
          people.map((p) => linkFields(linkageRecordOf(p.party))),
          candidates.map(linkFields),
          registerSize,
          thresholds,
        );
        for (const hit of hits) {
          const c = candidateIndex.get(hit.partyId);
          if (c === undefined) continue;
          const explanation = linker.explain(c, hit.index);
          const p = people[hit.index] as Prepared;
          const best = decision.get(p);
          if (!best || explanation.finalLog2Odds > best.explanation.finalLog2Odds)
            decision.set(p, { candidate: candidates[c] as LinkageRecord, explanation });
        }
        for (const [i, j] of withinPairs) {
          const explanation = linker.explainIncoming(i, j);
          if (explanation.decision !== 'non-match') within.push({ i, j, explanation });
        }
      }
    }

    if (fresh.length > 0) {
      const created = await parties.commitBulk(
        councilId,
        prepareBulk(
          fresh.map((p) => ({
            line: p.line,
            input: p.postcodeInvalid ? stripPostcode(p.input) : p.input,
            sourceKey: p.key,
          })),
          system,
        ),
        context,
        system,
      );
      const idOf = new Map(created.created.map((c) => [c.line, c.id]));
      const reviews: repo.NewReview[] = [];
      for (const p of fresh) {
        const id = idOf.get(p.line);
        if (!id) continue;
        const best = decision.get(p);
        let outcome: repo.SourceOutcome = 'created';
        if (best && best.explanation.decision === 'match') {
          try {
            await parties.merge(
              councilId,
              best.candidate.id,
              id,
              best.candidate.dateOfBirth === '' && p.party.fields.dateOfBirth
                ? { dateOfBirth: 'merged' }
                : {},
              context,
            );
            outcome = 'linked';
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            // The register changed meanwhile (merged elsewhere): the new record stays, for review.
            outcome = 'queued';
          }
        }
        if (best && (best.explanation.decision === 'review' || outcome === 'queued')) {
          reviews.push({
            leftPartyId: best.candidate.id,
            rightPartyId: id,
            system,
            sourceKey: p.valueKey,
            explanation: {
              ...best.explanation,
              leftRecord: { reference: best.candidate.reference, ...linkFields(best.candidate) },
              rightRecord: { source: `${system} ${p.key}`, ...linkFields(linkageRecordOf(p.party)) },
            },
          });
          outcome = 'queued';
        }
        if (outcome === 'linked') summary.linked++;
        else summary.created++;
        if (outcome === 'queued') summary.queued++;
        records.push(sourceRow(p, system, outcome === 'linked' ? (best?.candidate.id ?? id) : id, outcome));
      }
      // Within the batch, likely pairs are queued, never merged, and only when neither record
      // was merged into the register (then the register pair speaks for them).
      const outcomeOf = new Map(records.map((r) => [r.sourceKey, r]));
      for (const { i, j, explanation } of within) {
        const a = people[i] as Prepared;
        const b = people[j] as Prepared;
        const ra = outcomeOf.get(a.valueKey);
        const rb = outcomeOf.get(b.valueKey);
        if (!ra || !rb || ra.outcome === 'linked' || rb.outcome === 'linked') continue;
        reviews.push({
          leftPartyId: ra.partyId,
          rightPartyId: rb.partyId,
          system,
          sourceKey: b.valueKey,
          explanation: {
            ...explanation,
            leftRecord: { source: `${system} ${a.key}`, ...linkFields(linkageRecordOf(a.party)) },
            rightRecord: { source: `${system} ${b.key}`, ...linkFields(linkageRecordOf(b.party)) },
          },
        });
        if (rb.outcome === 'created') {
          rb.outcome = 'queued';
          summary.queued++;
        }
      }
      if (reviews.length > 0) await inTransaction(db, (tx) => repo.insertReviews(tx, councilId, reviews));
    }
    const probabilityOf = new Map(
      [...decision].map(([p, d]) => [p.valueKey, d.explanation.matchProbability]),
    );
    for (const r of records)
      summary.outcomes.push({
        line: prepared.find((p) => p.valueKey === r.sourceKey)?.line ?? 0,
        key: r.sourceKey,
        outcome: r.outcome,
        partyId: r.partyId,
        probability: probabilityOf.get(r.sourceKey) ?? null,
      });
    for (const key of unchanged) {
      const p = prepared.find((x) => x.valueKey === key);
      summary.outcomes.push({
        line: p?.line ?? 0,
        key,
        outcome: 'unchanged',
        partyId: holders.get(key) ?? '',
        probability: null,
      });
    }
    await inTransaction(db, async (tx) => {
      await repo.upsertSourceRecords(tx, councilId, records);
      await repo.touchSourceRecords(tx, councilId, system, unchanged);
    });
  }

  return {
    /**
     * Loads a back-office extract: known keys update their party when the record changed; new
     * people are linked against the register (merged in above the upper threshold, queued for
     * review between the thresholds, created below); everything else is created.
     */
    async loadExtract(options: LoadOptions): Promise<LoadSummary> {
      const started = performance.now();
      const summary: LoadSummary = {
        read: options.rows.length,
        linked: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        queued: 0,
        rejected: [],
        outcomes: [],
        seconds: 0,
      };
      const seen = new Set<string>();
      const size = options.batchSize ?? 1_000;
      let register: Promise<Register> | undefined;
      const readRegister = () => {
        register ??= Promise.all([
          sampleLinkageRecords(db, options.councilId, U_SAMPLE_SIZE),
          countActivePersons(db, options.councilId),
        ]).then(([sample, count]) => ({ sample, size: count }));
        return register;
      };
      for (let start = 0; start < options.rows.length; start += size) {
        await loadBatch(options, options.rows.slice(start, start + size), seen, summary, readRegister);
        summary.seconds = (performance.now() - started) / 1000;
        options.progress?.(summary);
      }
      summary.rejected.sort((a, b) => a.line - b.line);
      summary.outcomes.sort((a, b) => a.line - b.line);
      await inTransaction(db, (tx) =>
        recordAudit(tx, options.context, {
          action: 'identity.extract_loaded',
          details: {
            system: options.system,
            read: summary.read,
            linked: summary.linked,
            created: summary.created,
            updated: summary.updated,
            queued: summary.queued,
            rejected: summary.rejected.length,
          },
        }),
      );
      summary.seconds = (performance.now() - started) / 1000;
      return summary;
    },

    reviewQueue: (councilId: string, page = 1, pageSize = 20) =>
      repo.listPendingReviews(db, councilId, pageSize, (Math.max(1, page) - 1) * pageSize),

    async getReview(councilId: string, id: string): Promise<repo.ReviewRow> {
      if (!isUuid(id)) throw new NotFound('That pair in the review queue');
      const review = await repo.findReview(db, councilId, id);
      if (!review) throw new NotFound('That pair in the review queue');
      return review;
    },

    /**
     * Accept (merge through the parties module: audited and reversible), reject (remembered as
     * not the same person, never queued again) or skip (back of the queue). Returns what happened
     * to each pair.
     */
    async decide(
      councilId: string,
      ids: readonly string[],
      decision: 'accept' | 'reject' | 'skip',
      context: AuditContext,
    ): Promise<{ id: string; outcome: 'accepted' | 'rejected' | 'skipped' | 'failed'; message?: string }[]> {
      const results: {
        id: string;
        outcome: 'accepted' | 'rejected' | 'skipped' | 'failed';
        message?: string;
      }[] = [];
      for (const id of ids) {
        if (!isUuid(id)) continue;
        const review = await repo.findReview(db, councilId, id);
        if (!review) continue;
        if (review.status !== 'pending') {
          results.push({ id, outcome: 'failed', message: new ReviewAlreadyDecided().message });
          continue;
        }
        if (decision === 'skip') {
          await repo.skipReview(db, councilId, id);
          results.push({ id, outcome: 'skipped' });
          continue;
        }
        if (decision === 'reject') {
          await inTransaction(db, async (tx) => {
            await repo.decideReview(tx, councilId, id, {
              status: 'rejected',
              mergeId: null,
              by: context.actorLabel,
            });
            await recordAudit(tx, context, {
              action: 'identity.pair_rejected',
              subjectType: 'party',
              subjectId: review.leftPartyId,
              details: { reviewId: id, otherPartyId: review.rightPartyId },
            });
          });
          results.push({ id, outcome: 'rejected' });
          continue;
        }
        try {
          const mergeId = await parties.merge(
            councilId,
            review.leftPartyId,
            review.rightPartyId,
            {},
            context,
          );
          await inTransaction(db, async (tx) => {
            await repo.decideReview(tx, councilId, id, {
              status: 'accepted',
              mergeId,
              by: context.actorLabel,
            });
            await recordAudit(tx, context, {
              action: 'identity.pair_accepted',
              subjectType: 'party',
              subjectId: review.leftPartyId,
              details: { reviewId: id, otherPartyId: review.rightPartyId, mergeId },
            });
          });
          results.push({ id, outcome: 'accepted' });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          results.push({ id, outcome: 'failed', message: error.message });
        }
      }
      return results;
    },

    /** Decisions by score band, and where the thresholds could move. */
    async thresholdsReport(councilId: string) {
      const bands = await repo.decisionsByBand(db, councilId);
      return thresholdAdvice(bands, LOAD_THRESHOLDS);
    },

    async signals(councilId: string, limit = 200) {
      const [birthDates, discounts, addresses] = await Promise.all([
        repo.conflictingBirthDates(db, councilId, limit),
        repo.discountWithOtherAdults(db, councilId, limit),
        repo.concurrentAddresses(db, councilId, limit),
      ]);
      return { birthDates, discounts, addresses };
    },

    /** Today's measures and the stored daily snapshots. */
    async quality(councilId: string, days = 30) {
      const [current, history] = await Promise.all([
        repo.currentMeasures(db, councilId),
        repo.listSnapshots(db, councilId, days),
      ]);
      return { current, history };
    },

    /** Stores today's measures for every council (the daily job). */
    async takeQualitySnapshots(on: Date = new Date()): Promise<number> {
      const day = on.toISOString().slice(0, 10);
      const councils = await repo.councilIds(db);
      for (const councilId of councils) {
        const measures = await repo.currentMeasures(db, councilId);
        await inTransaction(db, (tx) => repo.saveSnapshot(tx, councilId, day, measures));
      }
      return councils.length;
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

function stripPostcode(input: PartyInput): PartyInput {
  return input.address ? { ...input, address: { ...input.address, postcode: '' } } : input;
}

/** Candidate pairs within a batch by the same keys as the register's candidates (blocks of up to 50). */
function blockWithin(probes: readonly LinkageProbe[]): [number, number][] {
  const blocks = new Map<string, number[]>();
  const add = (key: string, i: number) => {
    const list = blocks.get(key) ?? [];
    list.push(i);
    blocks.set(key, list);
  };
  for (const p of probes) {
    const g = p.givenKey;
    const f = p.familyKey;
    if (g && f) add(`n|${doubleMetaphone(f)[0]}|${doubleMetaphone(g)[0]}`, p.index);
    if (p.dob && (g || f)) {
      if (g) add(`dg|${p.dob}|${g[0]}`, p.index);
      if (f) add(`df|${p.dob}|${f[0]}`, p.index);
    }
    if (p.postcodeKey && f) add(`p|${p.postcodeKey}|${f[0]}`, p.index);
    if (p.email) add(`e|${p.email}`, p.index);
    if (p.phone) add(`t|${p.phone}`, p.index);
    if (p.ni) add(`ni|${p.ni}`, p.index);
  }
  const seen = new Set<string>();
  const pairs: [number, number][] = [];
  for (const list of blocks.values()) {
    if (list.length < 2 || list.length > 50) continue;
    for (let a = 0; a < list.length; a++)
      for (let b = a + 1; b < list.length; b++) {
        const i = Math.min(list[a] as number, list[b] as number);
        const j = Math.max(list[a] as number, list[b] as number);
        if (i === j || seen.has(`${i}|${j}`)) continue;
        seen.add(`${i}|${j}`);
        pairs.push([i, j]);
      }
  }
  return pairs;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export interface BandAdvice {
  band: number;
  label: string;
  accepted: number;
  rejected: number;
  pending: number;
  acceptedShare: number | null;
}

/**
 * Suggests thresholds from clerical decisions: pairs scoring at or above a band where reviewers
 * (nearly) always accepted could merge automatically; below a band where they (nearly) always
 * rejected, pairs need not be queued. Needs at least 5 decisions per band to say anything.
 */
export function thresholdAdvice(
  rows: readonly { band: number; accepted: number; rejected: number; pending: number }[],
  current: Thresholds,
): { bands: BandAdvice[]; current: Thresholds; suggestions: string[]; decided: number } {
  const bands: BandAdvice[] = [];
  for (let b = 0; b < 10; b++) {
    const row = rows.find((r) => r.band === b) ?? { band: b, accepted: 0, rejected: 0, pending: 0 };
    const decided = row.accepted + row.rejected;
    bands.push({
      ...row,
      label: `${(b / 10).toFixed(1)} to ${b === 9 ? '1.0' : ((b + 1) / 10).toFixed(1)}`,
      acceptedShare: decided > 0 ? row.accepted / decided : null,
    });
  }
  const decided = bands.reduce((n, b) => n + b.accepted + b.rejected, 0);
  const suggestions: string[] = [];
  const MIN = 5;
  // Lowest band from which every band with enough decisions was accepted at least 95% of the time.
  let upper: number | null = null;
  for (let b = 9; b >= 0; b--) {
    const band = bands[b] as BandAdvice;
    const n = band.accepted + band.rejected;
    if (n === 0) continue;
    if (n < MIN || (band.acceptedShare ?? 0) < 0.95) break;
    upper = b / 10;
  }
  if (upper !== null && upper < current.match)
    suggestions.push(
      `Reviewers accepted at least 95% of pairs scoring ${upper.toFixed(1)} or more: the automatic merge threshold could come down from ${current.match} to ${Math.max(upper, current.review).toFixed(2)}.`,
    );
  let lower: number | null = null;
  for (let b = 0; b < 10; b++) {
    const band = bands[b] as BandAdvice;
    const n = band.accepted + band.rejected;
    if (n === 0) continue;
    if (n < MIN || (band.acceptedShare ?? 1) > 0.05) break;
    lower = (b + 1) / 10;
  }
  if (lower !== null && lower > current.review)
    suggestions.push(
      `Reviewers rejected at least 95% of pairs scoring below ${lower.toFixed(1)}: the review threshold could go up from ${current.review} to ${Math.min(lower, current.match).toFixed(2)}.`,
    );
  const mixedHigh = bands.find(
    (b) => b.band / 10 >= current.review && b.accepted + b.rejected >= MIN && (b.acceptedShare ?? 1) < 0.5,
  );
  if (mixedHigh)
    suggestions.push(
      `Most pairs scoring ${mixedHigh.label} were rejected: check the model's weights for the fields that differ in those pairs before lowering any threshold.`,
    );
  if (suggestions.length === 0)
    suggestions.push(
      decided < MIN
        ? `Not enough decisions yet: at least ${MIN} in a score band are needed before suggesting a change.`
        : 'The decisions so far support the current thresholds.',
    );
  return { bands, current, suggestions, decided };
}
