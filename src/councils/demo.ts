import type { CouncilSetup } from '../modules/governance/index.ts';
import { type CouncilProfile, defaultProfile } from './council-profile.ts';

export const demoProfile: CouncilProfile = {
  ...defaultProfile,
  id: 'demo',
  branding: { serviceName: 'Demo Borough Council services' },
};

/**
 * Demo Borough Council covers 6 km by 6 km of British National Grid around (530000, 180000), which
 * contains lat 51.5072, long -0.1276. The WGS84 box is the same area rounded outwards.
 */
export const demoCouncil: CouncilSetup = {
  council: {
    slug: 'demo-borough',
    name: 'Demo Borough Council',
    profile: 'demo',
    area: {
      minEasting: 527_000,
      minNorthing: 177_000,
      maxEasting: 533_000,
      maxNorthing: 183_000,
      minLat: 51.476,
      minLong: -0.172,
      maxLat: 51.532,
      maxLong: -0.084,
    },
  },
  sites: [
    { name: 'Civic Centre Contact Centre', kind: 'contact_centre', address: 'Civic Centre, 1 Market Square' },
    { name: 'Town Hall One Stop Shop', kind: 'one_stop_shop', address: 'Town Hall, High Street' },
  ],
  teams: [
    { name: 'Customer Services', kind: 'front_office', email: 'customer.services@demo-borough.example' },
    { name: 'Waste and Recycling', kind: 'back_office', email: 'waste@demo-borough.example' },
    { name: 'Highways and Street Lighting', kind: 'back_office', email: 'highways@demo-borough.example' },
    { name: 'Environmental Health', kind: 'back_office', email: 'env.health@demo-borough.example' },
    { name: 'Revenues and Benefits', kind: 'back_office', email: 'revenues@demo-borough.example' },
    { name: 'Housing', kind: 'back_office', email: 'housing@demo-borough.example' },
    { name: 'Information Governance', kind: 'back_office', email: 'dpo@demo-borough.example' },
    // Back-office teams that own the starter library's processes (seeds/data/catalogue).
    { name: 'Parks and Street Care', kind: 'back_office', email: 'parks@demo-borough.example' },
    { name: 'Planning and Building Control', kind: 'back_office', email: 'planning@demo-borough.example' },
    { name: 'Licensing', kind: 'back_office', email: 'licensing@demo-borough.example' },
    { name: 'Leisure and Culture', kind: 'back_office', email: 'leisure@demo-borough.example' },
    { name: 'Education and Schools', kind: 'back_office', email: 'education@demo-borough.example' },
    { name: 'Adult Social Care', kind: 'back_office', email: 'adult.care@demo-borough.example' },
    { name: "Children's Services", kind: 'back_office', email: 'childrens.services@demo-borough.example' },
    { name: 'Registration Service', kind: 'back_office', email: 'registrars@demo-borough.example' },
    { name: 'Transport and Parking', kind: 'back_office', email: 'parking@demo-borough.example' },
    { name: 'Economic Development', kind: 'back_office', email: 'business@demo-borough.example' },
    { name: 'Human Resources', kind: 'back_office', email: 'hr@demo-borough.example' },
    { name: 'Complaints and Feedback', kind: 'back_office', email: 'complaints@demo-borough.example' },
  ],
};

/** One account per role; all share a published password, so production refuses to start while they exist. */
export const DEMO_PASSWORD = 'demo-password-2026';

export const demoUsers = [
  {
    email: 'agent@demo-borough.example',
    displayName: 'Amira Agent',
    role: 'agent',
    team: 'Customer Services',
    site: 'Civic Centre Contact Centre',
  },
  {
    email: 'officer@demo-borough.example',
    displayName: 'Owen Officer',
    role: 'officer',
    team: 'Waste and Recycling',
    site: null,
  },
  {
    email: 'supervisor@demo-borough.example',
    displayName: 'Sita Supervisor',
    role: 'supervisor',
    team: 'Customer Services',
    site: 'Civic Centre Contact Centre',
  },
  { email: 'admin@demo-borough.example', displayName: 'Adam Admin', role: 'admin', team: null, site: null },
  {
    email: 'auditor@demo-borough.example',
    displayName: 'Aisha Auditor',
    role: 'auditor',
    team: 'Information Governance',
    site: null,
  },
  // Integrations call the API with tokens (guildhall token create); this account cannot sign in to pages.
  {
    email: 'integration@demo-borough.example',
    displayName: 'Back-office integration',
    role: 'integration',
    team: null,
    site: null,
  },
] as const;
