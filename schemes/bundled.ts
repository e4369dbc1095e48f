import sterk from "./sterk-techniekonderwijs-2020.json" with { type: "json" };
import technohubs from "./technohubs-2020.json" with { type: "json" };
import verduurzamen from "./verduurzamen-2025.json" with { type: "json" };
import { type LoadedScheme, type SchemeCatalogue, parseSchemeDefinition } from "./load.ts";

let catalogue: SchemeCatalogue | undefined;

/**
 * The scheme definitions compiled into the bundle (a Lambda has no `schemes/` folder to read),
 * validated on first use exactly as the loader validates files.
 */
export function bundledSchemes(): SchemeCatalogue {
  if (catalogue) return catalogue;
  const loaded: LoadedScheme[] = [
    parseSchemeDefinition(technohubs, "schemes/technohubs-2020.json"),
    parseSchemeDefinition(verduurzamen, "schemes/verduurzamen-2025.json"),
    parseSchemeDefinition(sterk, "schemes/sterk-techniekonderwijs-2020.json"),
  ];
  const byId = new Map(loaded.map((s) => [s.definition.id, s]));
  catalogue = { get: (id) => byId.get(id), all: () => [...loaded] };
  return catalogue;
}
