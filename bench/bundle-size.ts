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

/**
 * What the function reads at import time: its own literal values, a placeholder for each CloudFormation
 * token (table names...), and the variables Lambda sets that the code looks at (the function's name
 * turns on Powertools' metrics and tracing, functions/runtime/observability.ts).
 */
const runtimeEnv = (name: string, environment: Readonly<Record<string, string>>): Record<string, string> => {
  const env: Record<string, string> = { AWS_REGION: "eu-west-1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512", AWS_LAMBDA_FUNCTION_NAME: name };
  for (const [key, value] of Object.entries(environment)) env[key] = Token.isUnresolved(value) ? `bench-${key.toLowerCase().replace(/_/g, "-")}` : value;
  return env;
};

say(`node ${process.version}, ${runs} runs per measurement; bundles in ${outRoot}`);
const empty = emptyModule(outRoot);
say(`importing every bundle ${runs} times, round robin`);
const subjects = [{ key: "(baseline)", file: empty, env: {} as Record<string, string> }, ...functions.map((fn) => ({ key: fn.name, file: bundles.get(fn.entry)!.file, env: runtimeEnv(fn.name, fn.environment) }))];
const timings = measureImports(subjects, runs);
const baseline = timings.get("(baseline)")!;

/** The bytes zod contributes to a bundle (the schemas' library; issue 15's zod/mini question). */
const zodBytes = (metafile: Metafile) =>
  Object.values(metafile.outputs).reduce((total, output) => total + Object.entries(output.inputs).reduce((sum, [input, { bytesInOutput }]) => sum + (/node_modules\/zod\//.test(input) ? bytesInOutput : 0), 0), 0);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (t: ImportTiming) => `${t.medianMs.toFixed(1)} (${t.minMs.toFixed(1)})`;
const rows = functions.map((fn) => {
  const bundle = bundles.get(fn.entry)!;
  const timing = timings.get(fn.name)!;
  return [fn.name, fn.entry, String(bundle.bytes), `${((zodBytes(bundle.metafile) / bundle.bytes) * 100).toFixed(0)}%`, String(bundle.gzipBytes), kb(bundle.mapBytes), ms(timing), `${(timing.medianMs / baseline.medianMs).toFixed(1)}x`];
});
const header = ["function", "entry", "bytes (minified)", "of it zod", "gzip bytes", "source map (not loaded)", "import ms, median (min)", "ratio"];
console.log(`\nLambda bundles (esbuild ${lambdaEsbuildOptions.format}, ${lambdaEsbuildOptions.target}, minified, SDK bundled), node ${process.version}, median of ${runs} fresh processes\n`);
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log(`| baseline: empty module | | | | | | ${ms(baseline)} | 1.0x |`);
const medians = rows.map((_, i) => timings.get(functions[i]!.name)!.medianMs).sort((a, b) => a - b);
console.log(`\nImport with the function's own environment, as Lambda starts it (no --enable-source-maps). Ratios are medians over the baseline's median. Median over all functions: ${medians[Math.floor(medians.length / 2)]!.toFixed(1)} ms.`);

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
