import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SesMailer } from "../intake/mailer.ts";
import type { Mailer } from "../intake/ports.ts";
import { dependencies } from "../runtime/dependencies.ts";

/**
 * The letters' mail service: the local runtime's outbox, or on AWS SES where the stack sets
 * LETTERS_MAIL=ses (a verified sending identity), with the configuration set that reports bounces.
 * Undefined where nothing may be sent: letters are then recorded as refused, for staff to see.
 */
const made: { ses?: Mailer } = {};
export function lettersMailer(): Mailer | undefined {
  const deps = dependencies();
  if (deps.mailer) return deps.mailer;
  if (process.env.LETTERS_MAIL !== "ses") return undefined;
  made.ses ??= new SesMailer({ client: new SESv2Client({}), ...(process.env.SES_CONFIGURATION_SET ? { configurationSetName: process.env.SES_CONFIGURATION_SET } : {}) });
  return made.ses;
}
