import proj4 from 'proj4';

/**
 * British National Grid (EPSG:27700) ↔ WGS84 with proj4. The towgs84 seven-parameter Helmert
 * transformation is the published OSGB36→WGS84 approximation of OSTN15; it is good to a few metres,
 * which is what a CRM map pin or a "nearest lamp post" needs. (Exact OSTN15 needs the grid file.)
 */
export const BNG = 'EPSG:27700';
proj4.defs(
  BNG,
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
    '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
);
const toWgs = proj4(BNG, 'WGS84');

export interface LatLong {
  lat: number;
  long: number;
}

export interface GridReference {
  easting: number;
  northing: number;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** BNG metres to WGS84 degrees, rounded to 7 decimal places (about 1 cm). */
export function bngToWgs84(easting: number, northing: number): LatLong {
  const [long, lat] = toWgs.forward([easting, northing]) as [number, number];
  return { lat: round(lat, 7), long: round(long, 7) };
}

/** WGS84 degrees to BNG metres, rounded to the centimetre. */
export function wgs84ToBng(lat: number, long: number): GridReference {
  const [easting, northing] = toWgs.inverse([long, lat]) as [number, number];
  return { easting: round(easting, 2), northing: round(northing, 2) };
}

/** Inside the extent of the National Grid (Great Britain and its waters). */
export function isOnNationalGrid(easting: number, northing: number): boolean {
  return easting >= 0 && easting <= 700_000 && northing >= 0 && northing <= 1_300_000;
}

/** Inside the box that holds Great Britain, in WGS84. */
export function isInGreatBritain(lat: number, long: number): boolean {
  return lat >= 49.7 && lat <= 61 && long >= -8.8 && long <= 2.1;
}

/** Distance in metres between a stated lat/long and the one the grid reference converts to. */
export function latLongDisagreementMetres(easting: number, northing: number, stated: LatLong): number {
  const grid = wgs84ToBng(stated.lat, stated.long);
  return Math.hypot(grid.easting - easting, grid.northing - northing);
}
