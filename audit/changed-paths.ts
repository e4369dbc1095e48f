import { canonicalJson } from "../events/canonical-json.ts";

/** One leaf at which two JSON values differ; `undefined` on the side that lacks it. */
export interface Change {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const join = (at: string, key: string) => (at ? `${at}.${key}` : key);

/**
 * The leaves at which two JSON values differ, with both values: what an auditor reads to see which
 * field of an event or a document changed, and how.
 *
 * @example
 * changes({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }); // [{ path: "b.c.1", before: 2, after: 3 }]
 */
export function changes(before: unknown, after: unknown, at = ""): Change[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => changes(before[i], after[i], join(at, String(i)))).flat();
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changes(before[key], after[key], join(at, key)));
  }
  const same = before === undefined || after === undefined ? before === after : canonicalJson(before) === canonicalJson(after);
  return same ? [] : [{ path: at || "(root)", before, after }];
}

/** The dotted paths at which two JSON values differ, e.g. `["payload.amountCents"]`. */
export const changedPaths = (before: unknown, after: unknown): string[] => changes(before, after).map((c) => c.path);
