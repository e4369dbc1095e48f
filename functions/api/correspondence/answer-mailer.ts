import { createHash } from "node:crypto";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SesMailer } from "../../intake/mailer.ts";
import type { Mailer } from "../../intake/ports.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { traced } from "../../runtime/observability.ts";

/** On AWS the stack sets ANSWERS_MAIL=ses where the intake may send (its verified identity): this route's own SES client, made once. */
const made: { ses?: Mailer } = {};
export function mailerOf(): Mailer | undefined {
  const deps = dependencies();
  if (deps.mailer) return deps.mailer;
  if (process.env.ANSWERS_MAIL !== "ses") return undefined;
  made.ses ??= new SesMailer({ client: traced(new SESv2Client({})), ...(process.env.SES_CONFIGURATION_SET ? { configurationSetName: process.env.SES_CONFIGURATION_SET } : {}) });
  return made.ses;
}


/** One key per answer (the outbox file's name locally): a retry of the same request gets the same one. */
export const answerKey = (messageKey: string, attempt: string, text: string) => createHash("sha256").update(`${messageKey}\n${attempt}\n${text}`).digest("hex");
