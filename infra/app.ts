import { App } from "aws-cdk-lib";
import { checkWithCdkNag } from "./nag.ts";
import { bundledSchemes } from "../schemes/bundled.ts";
import { BackOfficeStack } from "./stack.ts";
import { stageConfigFromContext } from "./stages.ts";

const app = new App();
const config = stageConfigFromContext((key) => app.node.tryGetContext(key));

// Environment-agnostic: synthesises without credentials; the account and region come from the deploy.
const stack = new BackOfficeStack(app, `SubsidyBackOffice-${config.stage}`, {
  stage: config.stage,
  alarmEmail: config.alarmEmail,
  description: `Subsidy back office (${config.stage})`,
  tags: { project: "subsidy-back-office", stage: config.stage },
});

// R-TH-14: applications arrive by email at each scheme's intake address (SES -> S3 raw/ -> intake Lambda).
const intakeAddresses = bundledSchemes().all().map((s) => s.definition.intake.emailAddress);
stack.addEmailIntake("functions/intake/handler.ts", {
  recipients: intakeAddresses,
  sendsFrom: app.node.tryGetContext("intakeDomain") ?? intakeAddresses[0]!.split("@")[1],
});

checkWithCdkNag(app);
