import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, buildSync } from "esbuild";

/** Where the built console goes (gitignored): the local server serves it at `/`, the CDK app uploads it to S3. */
export const consoleDistDir = fileURLToPath(new URL("./dist/", import.meta.url));
const sourceDir = fileURLToPath(new URL("./src/", import.meta.url));

const options = (outDir: string) =>
  ({
    entryPoints: [join(sourceDir, "main.tsx")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    outfile: join(outDir, "app.js"),
    sourcemap: "linked",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  }) satisfies BuildOptions;

function copyStatic(outDir: string) {
  copyFileSync(join(sourceDir, "index.html"), join(outDir, "index.html"));
  copyFileSync(join(sourceDir, "app.css"), join(outDir, "app.css"));
  copyFileSync(fileURLToPath(import.meta.resolve("uplot/dist/uPlot.min.css")), join(outDir, "uplot.css"));
}

/**
 * Builds the staff console: one minified ES module (preact + uplot + our code), its CSS and
 * index.html. Content-hashed names would let CloudFront cache for a year; the console is small
 * enough that short caching of three files does the job, so names stay fixed.
 */
export async function buildConsole(outDir = consoleDistDir): Promise<{ outDir: string; bytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const result = await build(options(outDir));
  copyStatic(outDir);
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { outDir, bytes };
}

/** The same, synchronously: the CDK app builds the console while it synthesises (BucketDeployment needs the folder). */
export function buildConsoleSync(outDir = consoleDistDir): string {
  mkdirSync(outDir, { recursive: true });
  buildSync(options(outDir));
  copyStatic(outDir);
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outDir, bytes } = await buildConsole(process.argv[2] ?? consoleDistDir);
  // The port is local/main.ts's to choose (--port): it prints the console's address once it listens.
  console.log(`[console] built into ${outDir} (${(bytes / 1024).toFixed(0)} KB); the local back office serves it at its API's address`);
}
