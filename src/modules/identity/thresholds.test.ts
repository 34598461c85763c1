import { describe, expect, it } from 'vitest';
import { thresholdAdvice } from './identity.service.ts';

describe('threshold advice from clerical decisions', () => {
  const current = { match: 0.9999, review: 0.5 };

  it('says nothing until a band has enough decisions', () => {
    const advice = thresholdAdvice([{ band: 7, accepted: 2, rejected: 1, pending: 4 }], current);
    expect(advice.decided).toBe(3);
    expect(advice.suggestions).toEqual([
      'Not enough decisions yet: at least 5 in a score band are needed before suggesting a change.',
    ]);
    expect(advice.bands).toHaveLength(10);
    expect(advice.bands[7]).toMatchObject({ label: '0.7 to 0.8', accepted: 2, rejected: 1 });
  });

  it('suggests a lower merge threshold when reviewers accept nearly everything from a band up', () => {
    const advice = thresholdAdvice(
      [
        { band: 9, accepted: 40, rejected: 0, pending: 0 },
        { band: 8, accepted: 19, rejected: 1, pending: 0 },
        { band: 7, accepted: 6, rejected: 4, pending: 0 },
      ],
      current,
    );
    expect(advice.suggestions[0]).toContain('could come down from 0.9999 to 0.80');
  });

  it('suggests a higher review threshold when reviewers reject nearly everything below a band', () => {
    const advice = thresholdAdvice(
      [
        { band: 5, accepted: 0, rejected: 12, pending: 0 },
        { band: 6, accepted: 0, rejected: 8, pending: 0 },
        { band: 7, accepted: 5, rejected: 5, pending: 0 },
      ],
      current,
    );
    expect(advice.suggestions).toContain(
      'Reviewers rejected at least 95% of pairs scoring below 0.7: the review threshold could go up from 0.5 to 0.70.',
    );
    expect(advice.suggestions.some((s) => s.startsWith('Most pairs scoring 0.5 to 0.6 were rejected'))).toBe(
      true,
    );
  });
});
