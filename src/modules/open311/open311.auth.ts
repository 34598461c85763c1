import type { Principal, PrincipalResolver } from '../../platform/auth/principal.ts';
import { InvalidApiKey } from './open311.errors.ts';

/**
 * Open311's `api_key`: an API token (see `guildhall token create`) whose role is integration. Returns
 * the token's principal; a missing, unknown, revoked or non-integration key is refused with 403.
 */
export async function requireApiKey(resolver: PrincipalResolver, apiKey: unknown): Promise<Principal> {
  if (typeof apiKey !== 'string' || apiKey.trim() === '')
    throw new InvalidApiKey('api_key is required: send the API key the council issued for this client');
  const principal = await resolver.fromApiToken(apiKey.trim());
  if (!principal) throw new InvalidApiKey('api_key is not valid: it is unknown, revoked or mistyped');
  if (principal.role !== 'integration')
    throw new InvalidApiKey('api_key is not valid for Open311: ask the council for an integration key');
  return principal;
}
