import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./function.ts";

/**
 * The context of cdk.json (feature flags): tests and benchmarks that build the stack without the CDK
 * CLI pass it to their `App`, so they see the template `cdk synth` produces.
 */
export const cdkJsonContext: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(join(projectRoot, "cdk.json"), "utf8")) as { context: Record<string, unknown> }
).context;
