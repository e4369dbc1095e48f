import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Cold-start proxy: the time a fresh Node process takes to `import()` a bundle (parse, compile and run
 * its top level: SDK clients, schemas, scheme data). It leaves out what Lambda adds (fetching the code,
 * starting the runtime), so it compares bundles with each other and with an empty module measured the
 * same way in the same run, not with an absolute Lambda init duration.
 */
export interface ImportTiming {
  /** Median milliseconds from before `import()` to after it, inside the child process. */
  readonly medianMs: number;
  /** The fastest run: the least disturbed by other load on the machine. */
  readonly minMs: number;
  readonly runsMs: ReadonlyArray<number>;
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Milliseconds one fresh `node` process with exactly `env` (nothing inherited but PATH) takes to `import()` `file`. */
export function importOnce(file: string, env: Readonly<Record<string, string>>): number {
  const url = pathToFileURL(resolve(file)).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`importing ${file} failed (exit ${child.status}):\n${child.stderr}`);
  const ms = Number(child.stdout.trim().split("\n").at(-1));
  if (!Number.isFinite(ms)) throw new Error(`importing ${file} printed ${JSON.stringify(child.stdout)}`);
  return ms;
}

export const timingOf = (runsMs: ReadonlyArray<number>): ImportTiming => ({ medianMs: median(runsMs), minMs: Math.min(...runsMs), runsMs });

/** `runs` imports of `file`, one after the other. */
export function measureImport(file: string, env: Readonly<Record<string, string>>, runs = 5): ImportTiming {
  return timingOf(Array.from({ length: runs }, () => importOnce(file, env)));
}

/**
 * Round robin: run i imports every subject once before run i+1 starts, so a burst of load on the
 * machine spreads over all subjects instead of landing on whichever was being measured.
 */
export function measureImports<K>(subjects: ReadonlyArray<{ key: K; file: string; env: Readonly<Record<string, string>> }>, runs = 5): Map<K, ImportTiming> {
  const samples = new Map<K, number[]>(subjects.map((s) => [s.key, []]));
  for (let run = 0; run < runs; run++) for (const s of subjects) samples.get(s.key)!.push(importOnce(s.file, s.env));
  return new Map([...samples].map(([key, runsMs]) => [key, timingOf(runsMs)]));
}

/** An empty ES module next to the bundles: the baseline every import is divided by. */
export function emptyModule(dir: string): string {
  const file = join(dir, "empty.mjs");
  writeFileSync(file, "export {};\n");
  return file;
}

// `npx tsx bench/cold-start.ts path/to/index.mjs ...`: the same measurement for bundles built elsewhere.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: tsx bench/cold-start.ts <bundle.mjs> ...   (set the environment the bundles read at import time)");
    process.exit(2);
  }
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const baseline = measureImport(emptyModule(resolve(files[0]!, "..")), env);
  console.log(`baseline (empty module): ${baseline.medianMs.toFixed(1)} ms`);
  for (const file of files) {
    const timing = measureImport(file, env);
    console.log(`${file}: ${timing.medianMs.toFixed(1)} ms (${(timing.medianMs / baseline.medianMs).toFixed(1)}x baseline)`);
  }
}
