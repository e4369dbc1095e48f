import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { App, type CfnElement, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { cdkJsonContext } from "../../infra/context.ts";
import { BackOfficeFunction, bundleFileName, lambdaEsbuildOptions, projectRoot } from "../../infra/function.ts";
import { type Synthesised, synth } from "./support.ts";

/** Our own guard for cold starts (Lambda's own limit is 250 MB unzipped): a bundle past it pulled in something big. */
const BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

const scratch = join(projectRoot, ".bundle-check");

/**
 * Every entry's bundle, built in memory with the exported options in one esbuild run (entries share
 * the parsing of common modules; each output is still its own bundle, named `index.mjs` as in the asset).
 */
async function bundleAll(entries: ReadonlyArray<string>): Promise<Map<string, { code: Uint8Array; sources: string[] }>> {
  const outOf = (entry: string) => join(entry.replace(/\.ts$/, ""), bundleFileName.replace(/\.mjs$/, ""));
  const result = await build({
    ...lambdaEsbuildOptions,
    entryPoints: entries.map((entry) => ({ in: join(projectRoot, entry), out: outOf(entry) })),
    outdir: scratch,
    outExtension: { ".js": ".mjs" },
    absWorkingDir: projectRoot,
    write: false,
  });
  const file = (path: string) => result.outputFiles.find((f) => f.path === path)!;
  return new Map(
    entries.map((entry) => {
      const path = join(scratch, `${outOf(entry)}.mjs`);
      const map = JSON.parse(file(`${path}.map`).text) as { sources: string[] };
      return [entry, { code: file(path).contents, sources: map.sources.map((source) => resolve(path, "..", source)) }];
    }),
  );
}

describe("Lambda bundles", () => {
  let stack: Synthesised["stack"];
  let bundles: Awaited<ReturnType<typeof bundleAll>>;

  beforeAll(async () => {
    // The stack's function list, without CDK bundling all of them (cdk synth does that): esbuild runs here, in process.
    ({ stack } = synth("dev"));
    bundles = await bundleAll([...new Set(stack.functions.map((f) => f.entry))]);
  }, 120_000);

  it("come out of CDK's bundling byte for byte as esbuild builds them with the options infra/function.ts exports", async () => {
    // One function in a stack of its own: CDK bundles it exactly as it bundles the back office's functions.
    const app = new App({ context: { ...cdkJsonContext } });
    const single = new Stack(app, "BundleCheck");
    const relay = new BackOfficeFunction(single, "Relay", { entry: "functions/relay/handler.ts", logRetention: RetentionDays.ONE_DAY, logRemovalPolicy: RemovalPolicy.DESTROY });
    const fnId = single.getLogicalId(relay.fn.node.defaultChild as CfnElement);
    const s3Key: string = Template.fromStack(single).toJSON().Resources[fnId].Properties.Code.S3Key;
    const deployed = readFileSync(join(app.outdir, `asset.${s3Key.replace(/\.zip$/, "")}`, bundleFileName));
    expect(Buffer.from(bundles.get(relay.entry)!.code).equals(deployed)).toBe(true);
  }, 60_000);

  it("are built from each function's own entry module (the last module of the bundle)", () => {
    for (const f of stack.functions) expect(bundles.get(f.entry)!.sources.at(-1), `${f.node.id}: ${bundles.get(f.entry)!.sources.slice(-3).join(" ")}`).toBe(join(projectRoot, f.entry));
  });

  it("issue 15: carry none of zod's locales but English (the namespace import lets esbuild drop them: about 350 KB a bundle)", () => {
    for (const f of stack.functions) {
      const locales = bundles.get(f.entry)!.sources.filter((source) => /[\\/]zod[\\/].*[\\/]locales[\\/]/.test(source) && !/[\\/]en\.js$/.test(source));
      expect(locales, f.node.id).toEqual([]);
    }
  });

  it("point Node at no source map (issue 15: the map stays in the asset, unread at import)", () => {
    for (const f of stack.functions) expect(Buffer.from(bundles.get(f.entry)!.code).toString("utf8"), f.node.id).not.toContain("sourceMappingURL");
    for (const f of stack.functions) expect(f.environment.NODE_OPTIONS ?? "", f.node.id).not.toContain("--enable-source-maps");
  });

  it(`stay under ${BUNDLE_BUDGET_BYTES / 1024 / 1024} MiB each (sizes printed)`, () => {
    const rows = stack.functions.map((f) => {
      const { code } = bundles.get(f.entry)!;
      return { name: f.node.id, entry: f.entry, bytes: code.length, gzipBytes: gzipSync(code).length };
    });
    console.info(
      `Lambda bundles (minified ESM, SDK bundled; bench/bundle-size.ts adds import times):\n` +
        rows.map((r) => `  ${r.name.padEnd(32)} ${String(r.bytes).padStart(9)} B ${String(r.gzipBytes).padStart(8)} B gzip  ${r.entry}`).join("\n"),
    );
    expect(rows.length).toBe(stack.functions.length);
    for (const row of rows) expect(row.bytes, row.name).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it("issue 13, issue 15: pdf-lib only where a PDF is made: the application form, the letters reaction and the letter download (GetOpenApi serves the committed document, importing no route); not in the routes and projectors that list letters, nor in the intake's main bundle (its worker reads forms)", () => {
    const withPdfLib = stack.functions.filter((f) => bundles.get(f.entry)!.sources.some((source) => source.includes(join("node_modules", "pdf-lib")))).map((f) => f.node.id);
    expect(withPdfLib.sort()).toEqual(["GetApplicationFormApi", "GetLetterPdfApi", "Letters"]);
  });
});
