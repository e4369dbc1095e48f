import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as z from "zod";
import { canonicalJson } from "../events/canonical-json.ts";
import { SchemeDefinition } from "./definition.ts";

export { canonicalJson };

export type LoadedScheme = {
  definition: SchemeDefinition;
  /** `sha256:<hex>` of the canonical JSON of the definition: events record it, so a decision can be traced to the exact rules it used. */
  version: string;
  /** Where the definition came from, e.g. `schemes/technohubs-2020.json`. */
  source: string;
};

export type SchemeCatalogue = {
  get(id: string): LoadedScheme | undefined;
  all(): LoadedScheme[];
};

/** A scheme definition that failed validation; `issues` holds one `path: message` per problem. */
export class SchemeDefinitionError extends Error {
  override readonly name = "SchemeDefinitionError";
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(issues.map((issue) => `${source}: ${issue}`).join("\n"));
  }
}

const HERE = fileURLToPath(new URL(".", import.meta.url));

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // zod reports unknown keys on the parent object; name each key so the bad field is visible.
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => `${[...path, key].join(".")}: unknown field (misspelt?)`);
    return [`${path.length > 0 ? path.join(".") : "(root)"}: ${issue.message}`];
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Validates one definition (already parsed from JSON) and versions it; throws SchemeDefinitionError. */
export function parseSchemeDefinition(json: unknown, source: string): LoadedScheme {
  const result = SchemeDefinition.safeParse(json);
  if (!result.success) throw new SchemeDefinitionError(source, formatIssues(result.error.issues));
  const definition = deepFreeze(result.data);
  const version = `sha256:${createHash("sha256").update(canonicalJson(definition)).digest("hex")}`;
  return { definition, version, source };
}

/**
 * Loads every `*.json` in `dir` as a scheme definition and fails fast on the first bad file,
 * naming the file and the path of each bad field. The file name must be the scheme id.
 *
 * @example
 * const catalogue = loadSchemeCatalogue();
 * catalogue.get("technohubs-2020")?.definition.paymentSchedule.tranches.length; // 2
 */
export function loadSchemeCatalogue(dir: string = HERE): SchemeCatalogue {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => entry.name)
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no scheme definitions (*.json) found`);

  const loaded = files.map((file) => {
    const source = `${basename(dir)}/${file}`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (error) {
      throw new SchemeDefinitionError(source, [`(root): not valid JSON: ${(error as Error).message}`]);
    }
    return { file, scheme: parseSchemeDefinition(json, source) };
  });

  // Duplicates first: with two files claiming one id, that is the error to report, not the name.
  const byId = new Map<string, LoadedScheme>();
  for (const { scheme } of loaded) {
    const { id } = scheme.definition;
    const clash = byId.get(id);
    if (clash) throw new SchemeDefinitionError(scheme.source, [`id: duplicate scheme id "${id}" (also in ${clash.source})`]);
    byId.set(id, scheme);
  }
  for (const { file, scheme } of loaded) {
    if (file !== `${scheme.definition.id}.json`)
      throw new SchemeDefinitionError(scheme.source, [`id: "${scheme.definition.id}" does not match the file name`]);
  }

  const all = [...byId.values()];
  return {
    get: (id) => byId.get(id),
    all: () => [...all],
  };
}
