import { App } from "aws-cdk-lib";
import { BackOfficeStack } from "./stack.ts";

const app = new App();
const stage: unknown = app.node.tryGetContext("stage") ?? "dev";
// The stage names the stack and its resources: keep it to what every AWS name accepts.
if (typeof stage !== "string" || !/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
  throw new Error(`context "stage" must be a short lower-case name (dev, test, prod, ...), got ${JSON.stringify(stage)}`);
}

// Environment-agnostic: synthesises without credentials; the account and region come from the deploy.
new BackOfficeStack(app, `SubsidyBackOffice-${stage}`, {
  stage,
  description: `Subsidy back office (${stage})`,
  tags: { project: "subsidy-back-office", stage },
});
