import { type CouncilProfile, defaultProfile } from './council-profile.ts';
import { demoProfile } from './demo.ts';

export type { CouncilProfile } from './council-profile.ts';

const PROFILES: readonly CouncilProfile[] = [defaultProfile, demoProfile];

export function profileFor(id: string): CouncilProfile {
  return PROFILES.find((p) => p.id === id) ?? defaultProfile;
}
