import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { buildConsoleSync } from "../console/build.ts";
import { StaffConsole } from "./console.ts";
import { checkWithCdkNag } from "./nag.ts";
import { bundledSchemes } from "../schemes/bundled.ts";
import { intakeRecipients } from "./intake-recipients.ts";
import { BackOfficeStack } from "./stack.ts";
import { stageConfigFromContext } from "./stages.ts";

// `npm test` synthesises the app without bundling the functions (SYNTH_WITHOUT_BUNDLING=1): bundling
// every function took 73 s of each CI run, and test/infra/bundles.test.ts builds every bundle with the
// same esbuild options and proves one byte for byte equal to CDK's. `npm run synth` and deploys bundle.
const app = new App(process.env.SYNTH_WITHOUT_BUNDLING === "1" ? { postCliContext: { "aws:cdk:bundling-stacks": [] } } : {});
const config = stageConfigFromContext((key) => app.node.tryGetContext(key));

// Environment-agnostic: synthesises without credentials; the account and region come from the deploy.
const stack = new BackOfficeStack(app, `SubsidyBackOffice-${config.stage}`, {
  stage: config.stage,
  alarmEmail: config.alarmEmail,
  description: `Subsidy back office (${config.stage})`,
  tags: { project: "subsidy-back-office", stage: config.stage },
});

// R-TH-14: applications arrive by email at each scheme's intake address, and (per stage) at its published address (SES -> S3 raw/ -> intake Lambda).
const schemes = bundledSchemes().all();
const intakeAddresses = schemes.map((s) => s.definition.intake.emailAddress);
stack.addEmailIntake("functions/intake/handler.ts", {
  recipients: intakeRecipients(schemes, config, (key) => app.node.tryGetContext(key)),
  sendsFrom: app.node.tryGetContext("intakeDomain") ?? intakeAddresses[0]!.split("@")[1],
});

// The staff console: built here (into this synthesis's output folder, so a concurrent build for `npm start`
// or the browser tests is left alone) and uploaded to S3 behind CloudFront, with the API as second origin.
new StaffConsole(stack, "Console", { assetDir: buildConsoleSync(join(app.outdir, "staff-console")) });

checkWithCdkNag(app);
