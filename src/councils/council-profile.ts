/**
 * Per-council differences, in the spirit of FixMyStreet's cobrands but typed: branding, feature flags
 * and named hooks. Shared code asks the profile; it never compares council names.
 */
export interface CouncilProfile {
  /** Matches council.profile in the database. */
  readonly id: string;
  readonly branding: {
    /** Shown in the citizen portal's header. */
    readonly serviceName: string;
  };
  /** Service codes shown as "most popular" on the portal's start page, in this order. */
  readonly topTasks: readonly string[];
  readonly features: {
    /** Offer Welsh alongside English in the citizen portal. */
    readonly welsh: boolean;
  };
}

export const defaultProfile: CouncilProfile = {
  id: 'default',
  branding: { serviceName: 'Council services' },
  topTasks: ['missed-bin', 'street-light-fault', 'pothole', 'fly-tipping', 'pay-council-tax', 'bulky-waste'],
  features: { welsh: true },
};
