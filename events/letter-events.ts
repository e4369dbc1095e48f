import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { Identifier } from "./primitives.ts";

/**
 * Issue 13: letters to applicants. Every decision that concerns an applicant produces one letter, a
 * PDF from the scheme's template, sent by email to the application's contacts. Each letter has a
 * stream of its own (`letter#<letterId>`); the id is derived from the event that caused it, so the
 * first LetterSent at version 1 is the idempotency guard under the bus's at-least-once delivery.
 * Events carry the PDF's hash, size and page count, never its bytes: the PDF is rendered again from
 * the log for a re-send or a download, and its hash shows it is the same letter.
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");
const Text = z.string().trim().min(1).max(2000);
/** A recipient as the application knows it (a contact): personal data, never logged. */
const Recipient = z.email().max(320);

/** What a letter is about; each kind has its own template. */
export const LetterKind = z.enum(["incomplete", "refused", "award", "change-request-decided", "payment", "settlement", "recovery"]);
export type LetterKind = z.infer<typeof LetterKind>;

/**
 * The event a letter answers: its stream and version identify it for good. `recordedAt` is when that
 * decision was recorded, so an application's letters list in the order of their decisions however
 * long each took to render; letters recorded before it was added lack it and list by when they were sent.
 */
export const LetterSource = z
  .object({
    streamId: z.string().min(1).max(300),
    version: z.number().int().positive(),
    eventId: z.string().min(1).max(200),
    type: z.string().min(1).max(100),
    recordedAt: z.iso.datetime().optional(),
  })
  .strict();

/**
 * A letter was produced and handed to the mail service for its recipients (one attempt). Attempt 1
 * answers the source event; later attempts are re-sends staff asked for. No recipients: the
 * application has no contact to write to, and staff find the letter among the undelivered ones.
 */
export const LetterSentV1 = eventVersion(
  "LetterSent",
  1,
  z
    .object({
      letterId: Identifier,
      kind: LetterKind,
      applicationId: Identifier,
      source: LetterSource,
      attempt: z.number().int().positive().max(1000),
      recipients: z.array(Recipient).max(50),
      subject: z.string().min(1).max(500),
      /** The PDF as sent: its sha256, size in bytes and number of pages. */
      sha256: Sha256,
      bytes: z.number().int().positive(),
      pages: z.number().int().positive(),
      /** The template's version, so a PDF rendered later by a changed template is told apart. */
      template: z.string().min(1).max(100),
    })
    .strict(),
);

/** The mail service accepted the letter for one recipient (locally: the outbox; on AWS: SES's message id). */
export const LetterAcceptedV1 = eventVersion(
  "LetterAccepted",
  1,
  z.object({ letterId: Identifier, attempt: z.number().int().positive(), recipient: Recipient, messageId: z.string().min(1).max(998) }).strict(),
);

/**
 * A recipient who received the letter reported it as spam to their mail provider, which told SES (a
 * complaint). The letter did arrive, so it stays delivered; staff are told, because SES may suppress
 * later mail to that address and the applicant is better reached another way. `feedbackType` is the
 * provider's report type (abuse, fraud, not-spam, ...) when it gave one.
 */
export const LetterComplaintReceivedV1 = eventVersion(
  "LetterComplaintReceived",
  1,
  z
    .object({
      letterId: Identifier,
      attempt: z.number().int().positive(),
      recipient: Recipient,
      feedbackType: z.string().trim().min(1).max(100).nullable(),
      messageId: z.string().min(1).max(998),
    })
    .strict(),
);

/**
 * The letter did not reach one recipient: refused when sending, or bounced later (SES's bounce
 * notification). Staff see it among the undelivered letters and may re-send it, to another address.
 */
export const LetterBouncedV1 = eventVersion(
  "LetterBounced",
  1,
  z
    .object({
      letterId: Identifier,
      attempt: z.number().int().positive(),
      recipient: Recipient,
      reason: Text,
      /** `refused`: the mail service would not take it; `bounced`: it came back after it was accepted. */
      how: z.enum(["refused", "bounced"]),
      messageId: z.string().min(1).max(998).nullable(),
    })
    .strict(),
);

/** Staff asked for the letter to be sent again (after a bounce, or to an address the applicant gave since). */
export const LetterResendRequestedV1 = eventVersion(
  "LetterResendRequested",
  1,
  z
    .object({
      letterId: Identifier,
      attempt: z.number().int().min(2).max(1000),
      /** Empty: to the application's contacts as they are now. */
      recipients: z.array(Recipient).max(50),
      reason: Text,
    })
    .strict(),
);
