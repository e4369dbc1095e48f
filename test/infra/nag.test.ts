import { App, Stack } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkWithCdkNag } from "../../infra/nag.ts";
import { acknowledgementsIn, type Synthesised, synth } from "./support.ts";

interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

/** The AwsSolutions findings in a construct tree; with `ignoringAcknowledgements`, also the acknowledged ones. */
function findings(scope: IConstruct, ignoringAcknowledgements = false): Finding[] {
  const pack = new AwsSolutionsChecks();
  // cdk-nag 3 has no switch for this: replacing its private check shows what the acknowledgements hide.
  if (ignoringAcknowledgements) Object.assign(pack, { isAcknowledged: () => false });
  return pack
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, severity: v.severity ?? "error", path: r.constructPath ?? "(unknown)" })));
}

describe("cdk-nag AwsSolutions", () => {
  const stacks: Record<string, Synthesised> = {};

  beforeAll(() => {
    // No bundling: the rules read the templates, not the code.
    stacks.dev = synth("dev");
    stacks.prod = synth("prod", { alarmEmail: "ops@example.org" });
    stacks["dev with email intake"] = synth("dev", { intake: true });
  }, 120_000);

  for (const name of ["dev", "prod", "dev with email intake"]) {
    it(`reports no unacknowledged error or warning on the ${name} stack`, () => {
      const { stack } = stacks[name]!;
      const open = findings(stack);
      expect(open.map((f) => `${f.severity} ${f.rule} at ${f.path}`)).toEqual([]);
      // The pack did look: without the acknowledgements it has findings to report.
      expect(findings(stack, true).length).toBeGreaterThan(0);
    });
  }

  it("acknowledges only AwsSolutions rules, each with a specific written reason", () => {
    const all = Object.values(stacks).flatMap(({ stack }) => acknowledgementsIn(stack));
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(id, path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      // A sentence that says why, not "not needed" or "ok".
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(80);
    }
  });

  it("has no stale acknowledgement: each one silences a finding the pack would otherwise report", () => {
    for (const [name, { stack }] of Object.entries(stacks)) {
      const hidden = findings(stack, true);
      for (const { path, id } of acknowledgementsIn(stack)) {
        const silenced = hidden.filter((f) => f.rule === id && (f.path === path || f.path.startsWith(`${path}/`)));
        expect(silenced.length, `${name}: ${id} at ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it("acknowledges the dev-only relaxation (optional MFA) in dev and nowhere in prod", () => {
    const ids = (name: string) => new Set(acknowledgementsIn(stacks[name]!.stack).map((a) => a.id));
    expect(ids("dev").has("AwsSolutions-COG2")).toBe(true);
    expect(ids("prod").has("AwsSolutions-COG2")).toBe(false);
  });

  it("stops synthesis on an unacknowledged finding, registered the way infra/app.ts registers it", () => {
    const app = new App();
    const stack = new Stack(app, "Careless");
    new Queue(stack, "Plain"); // no dead-letter queue, no TLS-only policy: AwsSolutions-SQS3, SQS4
    checkWithCdkNag(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
