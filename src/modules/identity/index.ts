import type { NavItem } from '../../platform/search/search.ts';

// Public surface of the identity module: the linkage engine and the `guildhall link` command.
export type { BlockingRule, CandidatePairs, RuleStats } from './blocking.ts';
export type { ClusteringMethod, ClusteringOptions, ScoredPairs } from './clustering.ts';
export { bestProbabilityInCluster, clusterRecords } from './clustering.ts';
export type { Comparison, ComparisonKind } from './comparisons.ts';
export { doubleMetaphone, metaphoneMatch } from './double-metaphone.ts';
export type { PairwiseScores } from './evaluation.ts';
export { blockingRecall, pairwiseScores } from './evaluation.ts';
export type {
  ComparisonParameters,
  Decision,
  FellegiSunterModel,
  PairExplanation,
  Thresholds,
  WaterfallStep,
} from './fellegi-sunter.ts';
export { decide, explainPair } from './fellegi-sunter.ts';
export { type IdentityRouteOptions, identityRoutes } from './identity.routes.ts';
export type {
  ExtractRow,
  IdentityMapping,
  IdentityService,
  LoadOptions,
  LoadSummary,
} from './identity.service.ts';
export { createIdentityService, thresholdAdvice } from './identity.service.ts';
export { damerauLevenshtein, jaro, jaroWinkler } from './jaro-winkler.ts';
export { LINK_USAGE, runLinkCommand } from './link.command.ts';
export type {
  LinkageColumns,
  LinkageOptions,
  LinkageResult,
  LinkMode,
  NamedColumn,
} from './linkage.engine.ts';
export { DEFAULT_THRESHOLDS, linkRecords } from './linkage.engine.ts';
export { IDENTITY_USAGE, readExtract, runIdentityCommand } from './load.command.ts';
export { areNameVariants, canonicalName, nameVariantGroups } from './name-variants.ts';
export { normaliseName, parseDate, postcodeParts, splitFullName } from './normalise.ts';
export { LOAD_THRESHOLDS } from './register-model.ts';

export const identityNavigation: readonly NavItem[] = [
  { href: '/staff/identity/review', text: 'Record linkage review', permission: 'identity.review' },
];
