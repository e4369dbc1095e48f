import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { Identifier, Instant } from "./primitives.ts";

/**
 * Issue 12: an intake that can face the internet. Who may change an application (its contacts),
 * every document on its file (DocumentsFiled), a region number bound to one regional plan however
 * it was registered (RegionNumberClaimed), and mail that is not (yet) for an application:
 * correspondence for staff, with what they did about it.
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");
const Text = z.string().trim().min(1).max(2000);
/** An email address as the application knows it: lower case, so a reply from `Jan@X.nl` is the same contact. */
export const ContactAddress = z.email().max(320).regex(/^[^A-Z]*$/, "in lower case");

/** Documents stored with an application: every one, section or extra, with the message it came with (R-ST-05 counts extras over all messages). */
export const DocumentsFiledV1 = eventVersion(
  "DocumentsFiled",
  1,
  z
    .object({
      applicationId: Identifier,
      /** The message they came with; null when staff filed them. */
      messageKey: Sha256.nullable(),
      receivedAt: Instant,
      documents: z
        .array(
          z
            .object({
              sha256: Sha256,
              name: z.string().max(300),
              contentType: z.string().max(200),
              bytes: z.number().int().nonnegative(),
              role: z.enum(["form", "section", "extra"]),
              sectionIds: z.array(Identifier).max(50),
            })
            .strict(),
        )
        .min(1)
        .max(500),
    })
    .strict(),
);

/** An address that may change the application by email and gets its receipts. Personal data: never logged. */
export const ContactAddedV1 = eventVersion(
  "ContactAdded",
  1,
  z
    .object({
      applicationId: Identifier,
      address: ContactAddress,
      name: z.string().trim().min(1).max(200).nullable(),
      /** How the application came to know it: the sender of the mail that registered it, or staff. */
      source: z.enum(["registering-mail", "staff"]),
    })
    .strict(),
);

export const ContactRemovedV1 = eventVersion(
  "ContactRemoved",
  1,
  z.object({ applicationId: Identifier, address: ContactAddress, reason: Text }).strict(),
);

/**
 * R-ST-01: one regional plan per region. The stream `region#<scheme>.<number>` holds at most one
 * binding at version 0, appended with the registration, so a second plan for the region loses the race.
 */
export const RegionNumberClaimedV1 = eventVersion(
  "RegionNumberClaimed",
  1,
  z.object({ schemeId: Identifier, regionNumber: z.string().min(1).max(40), applicationId: Identifier }).strict(),
);

export const CorrespondenceReason = z.enum(["unknown-sender", "not-an-application", "unknown-reference"]);

/**
 * A received message that changed nothing and waits for staff: a follow-up from an address the
 * application does not know, a message that is not an application, a reference to no application.
 * Its documents are stored, so accepting it files them; the form's fields come along to be applied then.
 */
export const CorrespondenceReceivedV1 = eventVersion(
  "CorrespondenceReceived",
  1,
  z
    .object({
      messageKey: Sha256,
      schemeId: Identifier.nullable(),
      /** The application it names (reference or region number); null when it names none. */
      applicationId: Identifier.nullable(),
      reason: CorrespondenceReason,
      explanation: Text,
      /** The attachment that is the application form, and its fields as read, so accepting the message can apply them; null without a readable form. */
      formSha256: Sha256.nullable(),
      formFields: z.record(z.string().max(100), z.union([z.string().max(20_000), z.boolean()])).nullable(),
    })
    .strict(),
);

/** Staff accepted the message onto an application: its documents and details were applied in the same append. */
export const CorrespondenceAttachedV1 = eventVersion(
  "CorrespondenceAttached",
  1,
  z.object({ messageKey: Sha256, applicationId: Identifier, note: Text.nullable() }).strict(),
);

/** Staff answered the sender; the answer went out by mail (its id) or could not be sent (reason). */
export const CorrespondenceAnsweredV1 = eventVersion(
  "CorrespondenceAnswered",
  1,
  z
    .object({
      messageKey: Sha256,
      text: z.string().trim().min(1).max(20_000),
      sent: z.boolean(),
      answerId: z.string().min(1).max(998).nullable(),
      notSentReason: Text.nullable(),
    })
    .strict(),
);

export const CorrespondenceDismissedV1 = eventVersion("CorrespondenceDismissed", 1, z.object({ messageKey: Sha256, reason: Text }).strict());
