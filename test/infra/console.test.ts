import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../functions/api/routes.ts";
import { StaffConsole, apiPathPatterns } from "../../infra/console.ts";
import { cdkJsonContext } from "../../infra/context.ts";
import { BackOfficeStack } from "../../infra/stack.ts";
import { acknowledgementsIn, type Resource } from "./support.ts";

const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** The stack as infra/app.ts builds it, with the console (no bundling: these checks read the template). */
function synthWithConsole(stage: string, assetDir: string) {
  const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
  const stack = new BackOfficeStack(app, `Console-${stage}`, { stage, alarmEmail: stage === "prod" ? "ops@example.org" : undefined });
  new StaffConsole(stack, "Console", { assetDir });
  return { stack, resources: Template.fromStack(stack).toJSON().Resources as Record<string, Resource> };
}

/** The AwsSolutions findings left open under a construct. */
function openFindings(scope: IConstruct): string[] {
  return new AwsSolutionsChecks().validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity ?? "error"} ${v.ruleName} at ${r.constructPath}`));
}

describe("staff console on AWS (S3 behind CloudFront, the API as second origin)", () => {
  let resources: Record<string, Resource>;
  let stacks: ReturnType<typeof synthWithConsole>[];

  beforeAll(() => {
    // A stand-in for the built console: the construct uploads whatever folder it is given.
    const assetDir = join(tmpdir(), `console-asset-${process.pid}`);
    mkdirSync(assetDir, { recursive: true });
    writeFileSync(join(assetDir, "index.html"), "<!doctype html><title>console</title>");
    stacks = ["dev", "prod"].map((stage) => synthWithConsole(stage, assetDir));
    resources = stacks[0]!.resources;
  }, 120_000);

  it("is cdk-nag clean in dev and prod, each acknowledgement with its reason", () => {
    for (const s of stacks) {
      expect(openFindings(s.stack)).toEqual([]);
      for (const a of acknowledgementsIn(s.stack)) expect(a.reason.length, a.id).toBeGreaterThanOrEqual(80);
    }
  });

  it("sends every API path to the API origin uncached with the caller's headers, and everything else to the private bucket", () => {
    const [[, distribution]] = ofType(resources, "AWS::CloudFront::Distribution") as [[string, Resource]];
    const config = distribution.Properties.DistributionConfig;
    const patterns: string[] = config.CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern);
    expect(patterns.sort()).toEqual(apiPathPatterns());
    for (const route of apiRoutes) {
      const glob = (p: string) => new RegExp(`^${p.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
      expect(patterns.some((p) => glob(p).test(route.path.replace(/\{[^}]+\}/g, "x"))), route.path).toBe(true);
    }
    expect(patterns.some((p) => p.startsWith("/console"))).toBe(false);
    for (const b of config.CacheBehaviors) {
      expect(b.CachePolicyId).toBe("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"); // Managed-CachingDisabled
      expect(b.OriginRequestPolicyId).toBe("b689b0a8-53d0-40ab-baf2-68738e2966ac"); // Managed-AllViewerExceptHostHeader
      expect(b.AllowedMethods).toContain("POST");
      expect(b.ViewerProtocolPolicy).toBe("https-only");
    }
    expect(config.DefaultRootObject).toBe("console/index.html");
    expect(ofType(resources, "AWS::CloudFront::OriginAccessControl")).toHaveLength(1);
  });

  it("signs staff in through the hosted UI with the authorization code grant only, back to the console", () => {
    const [[, client]] = ofType(resources, "AWS::Cognito::UserPoolClient") as [[string, Resource]];
    expect(client.Properties.AllowedOAuthFlows).toEqual(["code"]);
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(ofType(resources, "AWS::Cognito::UserPoolDomain")).toHaveLength(1);
  });
});
