/**
 * What IAM parity checked in a run: every local runtime writes its counts to IAM_PARITY_STATS_DIR
 * when it stops (local/back-office.ts), and this adds them up.
 *
 *   IAM_PARITY_STATS_DIR=.local/iam-stats npx vitest run && npx tsx local/iam-parity-report.ts .local/iam-stats
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckCount, Denial, IamManifest } from "./iam-parity.ts";
import { loadCommittedManifest } from "./iam-parity.ts";

interface Statistics {
  readonly checks: CheckCount[];
  readonly invocations?: Array<{ functionId: string; caller: string | undefined; count: number }>;
  readonly unattributed: Record<string, number>;
  readonly unrestricted: Record<string, number>;
  readonly denials: Denial[];
}

export interface Report {
  readonly runtimes: number;
  readonly checks: number;
  readonly functions: number;
  readonly functionActions: number;
  readonly routeFunctions: { readonly exercised: number; readonly of: number; readonly missing: string[] };
  /** Distinct (route function, caller role) pairs whose AWS calls were checked, and those invoked at all. */
  readonly routeCallerPairs: number;
  readonly routeCallerPairsInvoked: number;
  readonly invocations: number;
  readonly denials: Array<{ functionId: string; action: string; resource: string; count: number }>;
  readonly unattributed: Record<string, number>;
  readonly unrestricted: Record<string, number>;
  readonly byFunction: Array<{ functionId: string; checks: number; actions: string[]; callers: string[] }>;
}

export function report(directory: string, manifest: IamManifest = loadCommittedManifest()): Report {
  const files = readdirSync(directory).filter((f) => f.endsWith(".json"));
  const all = files.map((f) => JSON.parse(readFileSync(join(directory, f), "utf8")) as Statistics);
  const checks = all.flatMap((s) => s.checks);
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const unattributed: Record<string, number> = {};
  const unrestricted: Record<string, number> = {};
  for (const s of all) {
    add(unattributed, s.unattributed);
    add(unrestricted, s.unrestricted);
  }
  const routeIds = Object.entries(manifest.functions).filter(([, f]) => f.invokedBy.some((how) => how.startsWith("api:"))).map(([id]) => id);
  const invoked = all.flatMap((s) => s.invocations ?? []);
  const exercised = new Set([...checks.map((c) => c.functionId), ...invoked.map((i) => i.functionId)]);
  const denials = new Map<string, { functionId: string; action: string; resource: string; count: number }>();
  for (const c of checks.filter((c) => c.decision !== "allow")) {
    const key = `${c.functionId} ${c.action} ${c.resource}`;
    denials.set(key, { functionId: c.functionId, action: c.action, resource: c.resource, count: (denials.get(key)?.count ?? 0) + c.count });
  }
  const byFunction = [...exercised].sort().map((functionId) => {
    const own = checks.filter((c) => c.functionId === functionId);
    return {
      functionId,
      checks: own.reduce((n, c) => n + c.count, 0),
      actions: [...new Set(own.map((c) => c.action))].sort(),
      callers: [...new Set(own.map((c) => c.caller ?? "-"))].sort(),
    };
  });
  return {
    runtimes: files.length,
    checks: checks.reduce((n, c) => n + c.count, 0),
    functions: exercised.size,
    functionActions: new Set(checks.map((c) => `${c.functionId} ${c.action}`)).size,
    routeFunctions: { exercised: routeIds.filter((id) => exercised.has(id)).length, of: routeIds.length, missing: routeIds.filter((id) => !exercised.has(id)) },
    routeCallerPairs: new Set(checks.filter((c) => routeIds.includes(c.functionId)).map((c) => `${c.functionId} ${c.caller}`)).size,
    routeCallerPairsInvoked: new Set(invoked.filter((i) => routeIds.includes(i.functionId)).map((i) => `${i.functionId} ${i.caller}`)).size,
    invocations: invoked.reduce((n, i) => n + i.count, 0),
    denials: [...denials.values()],
    unattributed,
    unrestricted,
    byFunction,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const directory = process.argv[2];
  if (!directory) {
    console.error("usage: npx tsx local/iam-parity-report.ts <IAM_PARITY_STATS_DIR>");
    process.exit(2);
  }
  const r = report(directory);
  console.log(`${r.runtimes} local runtimes; ${r.checks} checks; ${r.functions} functions, ${r.functionActions} (function, action) pairs`);
  console.log(`API route functions exercised: ${r.routeFunctions.exercised} of ${r.routeFunctions.of}${r.routeFunctions.missing.length ? ` (not: ${r.routeFunctions.missing.join(", ")})` : ""}`);
  console.log(`${r.invocations} function invocations; (route function, caller role) pairs invoked: ${r.routeCallerPairsInvoked}, with checked AWS calls: ${r.routeCallerPairs}`);
  console.log(`denied: ${r.denials.length ? "" : "none"}`);
  for (const d of r.denials) console.log(`  ${d.functionId} ${d.action} ${d.resource} x${d.count}`);
  console.log(`unattributed (tests and scripts, unchecked): ${JSON.stringify(r.unattributed)}`);
  console.log(`unrestricted: ${JSON.stringify(r.unrestricted)}`);
  for (const f of r.byFunction) console.log(`  ${f.functionId}: ${f.checks} checks; ${f.actions.join(", ")}; callers ${f.callers.join(", ")}`);
}
