import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { App, Token } from "aws-cdk-lib";
import { build, type Metafile } from "esbuild";
import { bundleFileName, lambdaEsbuildOptions, projectRoot } from "../infra/function.ts";
import { cdkJsonContext } from "../infra/context.ts";
import { BackOfficeStack } from "../infra/stack.ts";
import { emptyModule, type ImportTiming, measureImports } from "./cold-start.ts";

/**
 * Builds every Lambda bundle of the stack with the stack's own esbuild options (infra/function.ts),
 * prints its size, and measures the cold-start proxy (bench/cold-start.ts) against an empty module.
 *
 *   npx tsx bench/bundle-size.ts [--runs 5] [--keep]
 */
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, keep: { type: "boolean", default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const keep = values.keep;
const say = (message: string) => process.stderr.write(`[bundle-size] ${message}\n`);

// The function list comes from the stack itself (no bundling needed to read it).
const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
const stack = new BackOfficeStack(app, "BundleSize", { stage: "dev" });
const functions = stack.functions.map((f) => ({ name: f.node.id, entry: f.entry, environment: f.environment }));

const outRoot = mkdtempSync(join(tmpdir(), "bundle-size-"));
const bundles = new Map<string, { file: string; bytes: number; gzipBytes: number; mapBytes: number; metafile: Metafile }>();
for (const entry of new Set(functions.map((f) => f.entry))) {
  const outdir = join(outRoot, entry.replace(/[^A-Za-z0-9]+/g, "-"));
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, bundleFileName);
  // The deployed options unchanged; the metafile only adds a report of what went in.
  const result = await build({ ...lambdaEsbuildOptions, entryPoints: [join(projectRoot, entry)], outfile: file, absWorkingDir: projectRoot, metafile: true });
  const code = readFileSync(file);
  bundles.set(entry, { file, bytes: code.length, gzipBytes: gzipSync(code).length, mapBytes: statSync(`${file}.map`).size, metafile: result.metafile });
}

/** What the function reads at import time: its own literal values, a placeholder for each CloudFormation token (table names...). */
const runtimeEnv = (environment: Readonly<Record<string, string>>, withSourceMaps: boolean): Record<string, string> => {
  const env: Record<string, string> = { AWS_REGION: "eu-west-1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" };
  for (const [key, value] of Object.entries(environment)) env[key] = Token.isUnresolved(value) ? `bench-${key.toLowerCase().replace(/_/g, "-")}` : value;
  if (!withSourceMaps) delete env.NODE_OPTIONS;
  return env;
};

say(`node ${process.version}, ${runs} runs per measurement; bundles in ${outRoot}`);
const empty = emptyModule(outRoot);
// Both variants in one round robin too, so a change in the machine's load does not favour either.
say(`importing every bundle ${runs} times with and ${runs} times without --enable-source-maps, round robin`);
const subjects = [{ key: "(baseline)", file: empty, environment: {} as Readonly<Record<string, string>> }, ...functions.map((fn) => ({ key: fn.name, file: bundles.get(fn.entry)!.file, environment: fn.environment }))];
const measured = measureImports(
  subjects.flatMap((s) => [
    { key: `deployed ${s.key}`, file: s.file, env: s.key === "(baseline)" ? { NODE_OPTIONS: "--enable-source-maps" } : runtimeEnv(s.environment, true) },
    { key: `plain ${s.key}`, file: s.file, env: s.key === "(baseline)" ? {} : runtimeEnv(s.environment, false) },
  ]),
  runs,
);
const timings = new Map(subjects.map((s) => [s.key, { deployed: measured.get(`deployed ${s.key}`)!, plain: measured.get(`plain ${s.key}`)! }]));
const baseline = timings.get("(baseline)")!;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (t: ImportTiming) => `${t.medianMs.toFixed(1)} (${t.minMs.toFixed(1)})`;
const rows = functions.map((fn) => {
  const bundle = bundles.get(fn.entry)!;
  const timing = timings.get(fn.name)!;
  return [
    fn.name,
    fn.entry,
    String(bundle.bytes),
    String(bundle.gzipBytes),
    kb(bundle.mapBytes),
    ms(timing.deployed),
    `${(timing.deployed.medianMs / baseline.deployed.medianMs).toFixed(1)}x`,
    ms(timing.plain),
    `${(timing.plain.medianMs / baseline.plain.medianMs).toFixed(1)}x`,
  ];
});
const header = ["function", "entry", "bytes (minified)", "gzip bytes", "source map", "import ms, median (min), as deployed", "ratio", "import ms, median (min), no source maps", "ratio"];
console.log(`\nLambda bundles (esbuild ${lambdaEsbuildOptions.format}, ${lambdaEsbuildOptions.target}, minified, SDK bundled), node ${process.version}, median of ${runs} fresh processes\n`);
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log(`| baseline: empty module | | | | | ${ms(baseline.deployed)} | 1.0x | ${ms(baseline.plain)} | 1.0x |`);
console.log("\n'as deployed' runs with NODE_OPTIONS=--enable-source-maps, as the functions do; 'no source maps' without it. Ratios are medians over the baseline's median.");

// What makes a bundle big: the largest packages (or project folders), with how many bundles carry them.
const byPackage = new Map<string, { bundles: number; maxBytes: number }>();
for (const { metafile } of bundles.values()) {
  const inThisBundle = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match ? match[1]! : `(project) ${input.split("/")[0]}/`;
      inThisBundle.set(key, (inThisBundle.get(key) ?? 0) + bytesInOutput);
    }
  }
  for (const [key, bytes] of inThisBundle) {
    const seen = byPackage.get(key) ?? { bundles: 0, maxBytes: 0 };
    byPackage.set(key, { bundles: seen.bundles + 1, maxBytes: Math.max(seen.maxBytes, bytes) });
  }
}
console.log(`\nLargest contributors (${bundles.size} distinct bundles):`);
for (const [name, { bundles: count, maxBytes }] of [...byPackage].sort((a, b) => b[1].maxBytes - a[1].maxBytes).slice(0, 10)) {
  console.log(`  ${name.padEnd(32)} up to ${kb(maxBytes).padStart(10)} per bundle, in ${count} of ${bundles.size}`);
}

if (!keep) rmSync(outRoot, { recursive: true, force: true });
