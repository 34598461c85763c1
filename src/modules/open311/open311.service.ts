import type { CatalogueService, ServiceDefinition } from '../catalogue/index.ts';
import { toOpen311Attributes } from '../catalogue/index.ts';
import { checkJurisdiction, Open311ServiceNotFound } from './open311.errors.ts';
import type { Open311Value } from './open311.format.ts';

export interface Open311Council {
  id: string;
  slug: string;
  name: string;
}

export interface Open311Deps {
  catalogue: CatalogueService;
  /** The council this deployment serves (one per deployment today). */
  council: () => Promise<Open311Council>;
}

export const GEOREPORT_V2_SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

/** A service Open311 clients may request: published, not information-only, with the open311 channel. */
function offered(definition: ServiceDefinition): boolean {
  return !definition.informationOnly && definition.channels.includes('open311');
}

function keywords(definition: ServiceDefinition): string {
  const seen = new Set<string>();
  for (const word of [...definition.keywords, ...definition.synonyms]) {
    const clean = word.trim();
    if (clean && !seen.has(clean.toLowerCase())) seen.add(clean.toLowerCase());
  }
  return [...seen].join(', ');
}

export function createOpen311Service(deps: Open311Deps) {
  async function council(jurisdictionId: string | undefined): Promise<Open311Council> {
    return checkJurisdiction(await deps.council(), jurisdictionId);
  }

  /** The newest change to any requestable service, so clients know when to refresh their cache. */
  async function changeset(councilId: string): Promise<Date> {
    let latest = new Date(0);
    let cursor: string | undefined;
    do {
      const page = await deps.catalogue.list(councilId, {
        status: 'all',
        informationOnly: false,
        limit: 2000,
        ...(cursor ? { cursor } : {}),
      });
      for (const s of page.results) if (s.updatedAt > latest) latest = s.updatedAt;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return latest;
  }

  return {
    /** GET discovery: where the GeoReport v2 endpoint is and what it speaks. */
    async discovery(baseUrl: string): Promise<Open311Value> {
      const current = await deps.council();
      const changed = await changeset(current.id);
      return {
        changeset: changed,
        contact: `${current.name}. Ask the council for help with this API.`,
        key_service: `API keys (api_key) are issued by ${current.name}: an administrator creates one with "guildhall token create --name NAME --role integration".`,
        endpoints: [
          {
            specification: GEOREPORT_V2_SPECIFICATION,
            url: `${baseUrl}/open311/v2`,
            changeset: changed,
            type: 'production',
            formats: ['text/xml', 'application/json'],
          },
        ],
      };
    },

    /** GET services: every service an Open311 client may report, as the spec lists them. */
    async services(jurisdictionId?: string): Promise<Open311Value> {
      const current = await council(jurisdictionId);
      const definitions = await deps.catalogue.exportDefinitions(current.id);
      return definitions.filter(offered).map((d) => ({
        service_code: d.code,
        service_name: d.name,
        description: d.summary,
        metadata: d.questions.length > 0,
        // Guildhall creates the request, and its id, while the client waits.
        type: 'realtime',
        keywords: keywords(d),
        group: d.serviceArea,
      }));
    },

    /** GET services/{code}: the questions of one service as GeoReport v2 attributes. */
    async definition(code: string, jurisdictionId?: string): Promise<Open311Value> {
      const current = await council(jurisdictionId);
      let view: Awaited<ReturnType<CatalogueService['get']>>;
      try {
        view = await deps.catalogue.get(current.id, code);
      } catch {
        throw new Open311ServiceNotFound(code);
      }
      if (view.service.publishedVersion === null || view.version.version !== view.service.publishedVersion)
        throw new Open311ServiceNotFound(code);
      if (!offered(view.definition)) throw new Open311ServiceNotFound(code);
      const attributes = toOpen311Attributes(view.definition.questions).map((a) => ({
        variable: a.variable,
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        datatype_description: a.datatype_description,
        order: a.order,
        description: a.description,
        ...(a.values ? { values: a.values.map((v) => ({ key: v.key, name: v.name })) } : {}),
      }));
      return { service_code: view.service.code, attributes };
    },
  };
}

export type Open311Service = ReturnType<typeof createOpen311Service>;
