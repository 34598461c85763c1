import type { NavItem, SearchProvider } from '../../platform/search/search.ts';
import type { GazetteerService } from './gazetteer.service.ts';

export { bngToWgs84, wgs84ToBng } from './gazetteer.coordinates.ts';
export {
  AssetNotFound,
  ImportFailed,
  LocationNotPlaced,
  NoResponsibleBody,
  PropertyNotFound,
  StreetNotFound,
} from './gazetteer.errors.ts';
export { formatAddress, formatPostcode, isFullPostcode, postcodeKey } from './gazetteer.format.ts';
export {
  addressBaseHeader,
  addressBaseLine,
  addressBaseTrailer,
  DEMO_COUNTY_CODE,
  DEMO_DISTRICT_CODE,
  generateTown,
} from './gazetteer.generator.ts';
export {
  allowTiles,
  type GazetteerRouteOptions,
  gazetteerRoutes,
  mapTiles,
  type PartiesAtProperty,
} from './gazetteer.routes.ts';
export type {
  AddressSearch,
  AddressSearchResult,
  Asset,
  GazetteerService,
  Location,
  PlacedLocation,
  PropertyDetail,
  PropertySummary,
  ResponsibleBody,
  StreetDetail,
} from './gazetteer.service.ts';
export { createGazetteerService } from './gazetteer.service.ts';

export const gazetteerNavigation: readonly NavItem[] = [
  { href: '/staff/addresses', text: 'Addresses', permission: 'gazetteer.read' },
];

/**
 * Which body is responsible for a category of service at a UPRN, USRN or point: the catalogue and
 * cases call this to route a request (two-tier splits are data, see docs/gazetteer.md).
 */
export function responsibleBodyFor(
  service: GazetteerService,
  councilId: string,
  at: import('./gazetteer.service.ts').Location,
  serviceCategory: string,
) {
  return service.responsibleBodyFor(councilId, at, serviceCategory);
}

/** Lets the header search box find addresses by words, postcode or UPRN. */
export function addressSearchProvider(service: GazetteerService): SearchProvider {
  return {
    id: 'addresses',
    title: 'Addresses',
    permission: 'gazetteer.read',
    async search(principal, query, limit) {
      const found = await service.searchAddresses(principal.councilId, query, limit);
      const reason = {
        uprn: 'UPRN matches',
        postcode: 'Postcode matches',
        postcode_prefix: 'Postcode starts with this',
        text: 'Address matches',
        empty: '',
      }[found.kind];
      return found.results.map((r, i) => ({
        title: r.address ?? `UPRN ${r.uprn}`,
        href: `/staff/addresses/${r.uprn}`,
        summary: [`UPRN ${r.uprn}`, r.classificationDescription, r.ward?.name ? `${r.ward.name} ward` : null]
          .filter(Boolean)
          .join(' · '),
        reason: r.matchedAlternative ? 'Matches another name for this address' : reason,
        score: (found.kind === 'text' ? 0.55 : 0.9) - i * 0.001,
      }));
    },
  };
}
