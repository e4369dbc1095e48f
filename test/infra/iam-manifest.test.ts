import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../functions/api/routes.ts";
import { busRules } from "../../functions/bus/routing.ts";
import { projectRoot } from "../../infra/function.ts";
import { formatManifest, manifestFromAssembly, manifestPath, synthesiseWithoutBundling } from "../../infra/iam-manifest.ts";
import { INTAKE_FUNCTION, type IamManifest, RELAY_FUNCTION, functionIdOf, projectorFunction, reactionFunction, routeFunction } from "../../local/iam-parity.ts";

/**
 * infra/iam-manifest.json is what the local runtime enforces (local/iam-parity.ts). It must be
 * exactly what the stack synthesises: regenerated here from a fresh template and compared byte for
 * byte, so a grant changed in infra/stack.ts without regenerating fails the run.
 */

const cdkOut = join(projectRoot, "cdk.out");
/** What the template is built from (cdk.json's watch list, plus the lockfile that pins CDK). */
const inputs = ["infra", "functions", "domain", "events", "schemes", "cdk.json", "package-lock.json"];

function newestInput(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestInput(join(path, entry))));
}

/**
 * `npm test` runs `cdk synth` (without bundling) just before vitest, so cdk.out is fresh there and is read as is. When it
 * is missing or older than the sources (vitest run on its own after an edit), the app is synthesised
 * here, without bundling (IAM does not depend on the code's bytes; the test shows both agree).
 */
function freshAssembly(): { directory: string; source: string; dispose: () => void } {
  const manifest = join(cdkOut, "manifest.json");
  const sameStack = existsSync(join(cdkOut, `${committed.stack}.template.json`));
  if (sameStack && existsSync(manifest) && statSync(manifest).mtimeMs > Math.max(...inputs.map((input) => newestInput(join(projectRoot, input))))) {
    return { directory: cdkOut, source: "cdk.out (npm test's synth)", dispose: () => undefined };
  }
  const synthesised = synthesiseWithoutBundling();
  return { ...synthesised, source: "a synth without bundling" };
}

let assembly: ReturnType<typeof freshAssembly>;
let synthesised: IamManifest;
const committedText = readFileSync(manifestPath, "utf8");
const committed = JSON.parse(committedText) as IamManifest;

beforeAll(() => {
  assembly = freshAssembly();
  synthesised = manifestFromAssembly(assembly.directory);
}, 180_000);

afterAll(() => assembly?.dispose());

describe("the IAM manifest (infra/iam-manifest.json)", () => {
  it("is exactly the synthesised stack's: every function's statements (regenerate with `npx tsx infra/iam-manifest.ts`)", () => {
    const fresh = formatManifest(synthesised);
    if (fresh !== committedText) {
      const changed = Object.keys({ ...committed.functions, ...synthesised.functions }).filter(
        (id) => JSON.stringify(committed.functions[id]) !== JSON.stringify(synthesised.functions[id]),
      );
      expect.fail(
        `infra/iam-manifest.json differs from ${assembly.source} (functions: ${changed.join(", ") || "none; the header or placeholders"}). ` +
          "Run `npx tsx infra/iam-manifest.ts` and commit it: the local runtime enforces that file.",
      );
    }
  });

  it("names the function of every API route, every projection's projector, the relay (by the events stream) and the email intake (by the mail bucket)", () => {
    for (const route of apiRoutes) expect(functionIdOf(committed, routeFunction(route)), route.id).toBe(`${route.id}Api`);
    for (const projection of new Set(busRules.map((rule) => rule.target.projection))) expect(functionIdOf(committed, projectorFunction(projection))).toMatch(/Projector$/);
    expect(functionIdOf(committed, RELAY_FUNCTION)).toBe("Relay");
    expect(committed.functions.Relay!.invokedBy).toEqual(["dynamodb-stream:Events"]);
    expect(functionIdOf(committed, INTAKE_FUNCTION)).toBe("Intake");
    expect(committed.functions.Intake!.invokedBy).toEqual(["s3:Storage/Mail/raw/*"]);
    // Issue 13: the letters reaction, by its REACTION.
    expect(functionIdOf(committed, reactionFunction("letters"))).toBe("Letters");
    expect(functionIdOf(committed, reactionFunction("letter-bounces"))).toBe("LetterBounces");
  });

  it("holds every Lambda of the stack; only CDK's deploy-time handlers, which never run locally, have an AWS managed policy", () => {
    // + the relay, the intake, the letters reaction and its bounces (issue 13) and the personal-data retention run (issue 16).
    const runtime = apiRoutes.length + new Set(busRules.map((r) => r.target.projection)).size + 5;
    const deployTime = Object.entries(committed.functions).filter(([, f]) => f.managedPolicyArns.length > 0);
    expect(Object.keys(committed.functions).length).toBe(runtime + deployTime.length);
    for (const [id, f] of deployTime) expect(f.invokedBy.length > 0 && f.invokedBy.every((how) => how.startsWith("cloudformation:")), id).toBe(true);
  });

  it("finds each local resource by the environment variable the code reads it from: one placeholder per variable in every function", () => {
    for (const variable of ["EVENTS_TABLE", "READ_MODELS_TABLE", "EVENT_BUS_NAME", "MAIL_BUCKET"]) {
      const values = new Set(Object.values(committed.functions).flatMap((f) => (f.environment[variable] ? [f.environment[variable]] : [])));
      expect([...values], variable).toHaveLength(1);
      expect([...values][0], variable).toMatch(/^\$\{[^}]+\}$/);
    }
    expect(committed.placeholders.Events).toBe("AWS::DynamoDB::Table");
    expect(committed.placeholders.ReadModels).toBe("AWS::DynamoDB::Table");
  });
});
