import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { Identifier, Instant } from "./primitives.ts";

/**
 * The email intake's own log: one stream per received message (`intake#<messageKey>`). Its first
 * event, MailReceived at version 0, is the idempotency guard: the same message delivered again
 * (SES or S3 retries, a resend by the applicant's server) computes the same key and cannot append
 * it twice. What the message did to an application is recorded with the application's own events
 * (ApplicationRegistered, ApplicationSectionsReceived, ...) in the same atomic append.
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");
const Text = z.string().trim().min(1).max(2000);

/** An attachment as it arrived, and whether it was kept as a document (R-ST-05: per-scheme limits). */
export const ReceivedAttachment = z
  .object({
    sha256: Sha256,
    name: z.string().max(300),
    contentType: z.string().max(200),
    bytes: z.number().int().nonnegative(),
    /** Kept under its hash as a document; a refused attachment is still inside the kept raw message. */
    stored: z.boolean(),
    refusedReason: Text.optional(),
  })
  .strict();

export const MailReceivedV1 = eventVersion(
  "MailReceived",
  1,
  z
    .object({
      /** sha256 of the Message-ID and the message's content (trace headers excluded): the idempotency key. */
      messageKey: Sha256,
      messageId: z.string().max(998).nullable(),
      /** The sender's address as given: the applicant's contact for the acknowledgement. Personal data: never logged. */
      from: z.string().max(320).nullable(),
      /** The fund's addresses the message was sent to (intake addresses, not the applicant's). */
      recipients: z.array(z.string().max(320)).max(50),
      subject: z.string().max(1000),
      /** R-TH-09: when the message reached the fund, not when it was processed. */
      receivedAt: Instant,
      /** Where the raw message is kept, whatever happened next (S3 key on AWS, a file under the mail folder locally). */
      rawObjectKey: z.string().min(1).max(1024),
      rawBytes: z.number().int().nonnegative(),
      /** The scheme the intake attributed the message to; null when none could be identified. */
      schemeId: Identifier.nullable(),
      /** SES's spam and virus verdicts (X-SES-*-Verdict), null where the message had none (locally). */
      screening: z.object({ spam: z.string().max(40).nullable(), virus: z.string().max(40).nullable() }).strict(),
      attachments: z.array(ReceivedAttachment).max(500),
      /**
       * Issue 12 finding 9: earlier messages (their keys) that came with this very Message-ID but
       * other content. A sender's Message-ID is meant to name one message; the same one on another
       * body is filed as its own message and flagged for staff to check (a resend with corrections, or
       * a second application by mistake). Absent when the Message-ID is new.
       */
      sameMessageIdAs: z.array(Sha256).min(1).max(20).optional(),
    })
    .strict(),
);

/**
 * One message (by key) that came with a Message-ID: the stream `message-id#<sha256 of the
 * Message-ID>` lists every distinct message that used it, appended with the message's own
 * MailReceived in one atomic append, so a later message with that Message-ID finds the earlier ones.
 */
export const MessageIdUsedV1 = eventVersion("MessageIdUsed", 1, z.object({ messageId: z.string().min(1).max(998), messageKey: Sha256 }).strict());

/** Why a message could not be filed with an application; it is listed for staff, the raw message kept (R-X-05). */
export const IntakeFailureCode = z.enum(["unparseable", "truncated", "virus", "unknown-scheme", "unknown-application", "application-closed", "registration-refused"]);

export const IntakeFailedV1 = eventVersion(
  "IntakeFailed",
  1,
  z
    .object({
      messageKey: Sha256,
      code: IntakeFailureCode,
      reason: Text,
      rawObjectKey: z.string().min(1).max(1024),
      ruleIds: z.array(z.string().regex(/^R-[A-Z]{1,2}-\d{2}$/)).default([]),
    })
    .strict(),
);

/** What the application form attached to a message amounted to. */
export const FormReadingOutcome = z
  .object({
    status: z.enum(["read", "missing", "unreadable", "inconsistent"]),
    /** What staff must check or complete, one sentence each. */
    problems: z.array(Text).max(50),
  })
  .strict();

/** The message was filed with an application: a new one, or a follow-up (reference or region number in the subject). */
export const MailFiledV1 = eventVersion(
  "MailFiled",
  1,
  z
    .object({
      messageKey: Sha256,
      applicationId: Identifier,
      schemeId: Identifier,
      filedAs: z.enum(["new-application", "follow-up"]),
      /** Sections this message supplied (from the form and from attachment names). */
      sectionIds: z.array(Identifier),
      form: FormReadingOutcome,
      /** The application's status and what it still misses once this message was recorded. */
      applicationStatus: z.string().min(1).max(40),
      missingSectionIds: z.array(Identifier),
      /** Set when the application is refused (late, intake closed: R-TH-01); the receipt says why. */
      refusal: z.object({ code: z.string().min(1).max(40), reason: Text }).strict().nullable(),
    })
    .strict(),
);

/** The applicant was sent a receipt with the application reference and whether it is complete. */
export const AcknowledgementSentV1 = eventVersion(
  "AcknowledgementSent",
  1,
  z
    .object({
      messageKey: Sha256,
      applicationId: Identifier,
      applicationStatus: z.string().min(1).max(40),
      complete: z.boolean(),
      /** The Message-ID of the receipt (or the provider's id for it). */
      acknowledgementId: z.string().min(1).max(998),
    })
    .strict(),
);

/** No receipt could be sent (no sender address, or the mail provider refused it for good). */
export const AcknowledgementNotSentV1 = eventVersion(
  "AcknowledgementNotSent",
  1,
  z.object({ messageKey: Sha256, applicationId: Identifier, reason: Text }).strict(),
);
