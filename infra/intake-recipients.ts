import type { SchemeUnderDecision } from "../domain/scheme.ts";
import type { StageConfig } from "./stages.ts";

/**
 * The addresses the SES receipt rule accepts: every scheme's own intake address and, where the
 * stage takes them, the published addresses (the ones in the schemes' source documents, e.g.
 * `vergoedingen@ao-metalektro.nl`). Only the stage the fund's MX records point at receives mail for
 * those, so by default prod takes them and other stages do not; CDK context overrides that per
 * deploy: `-c intakePublishedAddresses=true|false`, or a map by stage in cdk.json
 * (`"intakePublishedAddresses": { "test": true }`).
 */
export function intakeRecipients(schemes: ReadonlyArray<SchemeUnderDecision>, config: Pick<StageConfig, "stage" | "prod">, tryGetContext: (key: string) => unknown): string[] {
  const published = publishedAddressesTaken(config, tryGetContext("intakePublishedAddresses"));
  const addresses = schemes.flatMap((s) => [s.definition.intake.emailAddress, ...(published && s.definition.intake.publishedEmailAddress ? [s.definition.intake.publishedEmailAddress] : [])]);
  return [...new Set(addresses.map((a) => a.toLowerCase()))];
}

function publishedAddressesTaken(config: Pick<StageConfig, "stage" | "prod">, value: unknown): boolean {
  const perStage = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[config.stage] : value;
  if (perStage === undefined) return config.prod;
  if (perStage === true || perStage === "true") return true;
  if (perStage === false || perStage === "false") return false;
  throw new Error(`context "intakePublishedAddresses" must be true or false (or a map of stage to true/false), got ${JSON.stringify(value)}`);
}
