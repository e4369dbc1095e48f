import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";

/**
 * cdk-nag's AwsSolutions pack as a synthesis validation (cdk-nag 3: a policy validation plugin, not an
 * aspect). Any finding not acknowledged with `Validations.of(construct).acknowledge({ id, reason })`
 * stops `cdk synth` and `cdk deploy`; test/infra/nag.test.ts runs the same pack offline.
 */
export function checkWithCdkNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
