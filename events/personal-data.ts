/**
 * Issue 16: every field of every event that holds personal data, in one place.
 *
 * Such a field is stored as a *sealed value*: ciphertext under the key of one data subject (a
 * contact person, a bank account holder, a committee member, a person named in an evaluation),
 * kept outside the log in the key table. The hash chain covers the sealed value, so destroying a
 * subject's key (erasure, GDPR art. 17; retention, art. 5(1)(e)) changes no stored byte and every
 * hash still verifies (R-X-01). Reading reveals the value, or `[erased]` once the key is gone.
 *
 * This file is pure (no crypto, no I/O): the registry and the syntax of a sealed value. Sealing and
 * revealing live in functions/personal-data/.
 */

/** Who a personal-data field is about: the key it is sealed under belongs to one such subject. */
export type DataSubjectKind = "contact" | "bank-account" | "committee-member" | "person";
export const dataSubjectKinds: ReadonlyArray<DataSubjectKind> = ["contact", "bank-account", "committee-member", "person"];

/**
 * How a sealed field reads to the event's schema while it is sealed: a value of the right shape
 * stands in while the payload is validated, the sealed value is put back afterwards.
 */
export type PersonalDataFormat = "email" | "iban" | "text";

export interface PersonalDataField {
  /** `a.b` an object path; `a[]` every element of an array; `a.*` every value of a record (strings only). */
  readonly path: string;
  readonly subject: DataSubjectKind;
  readonly format: PersonalDataFormat;
  /**
   * The identity of the subject this value is about (an address, an IBAN, a name), from the event's
   * data and the value itself; null leaves the value unsealed (there is nothing to seal or no one to seal it for).
   * `message:<messageKey>` names the sender of a received message (see `aliases`).
   */
  readonly identity: (data: Record<string, unknown>, value: string) => string | null;
  /** Other identities the same subject is found by later (the sender of a message by the message's key). */
  readonly aliases?: (data: Record<string, unknown>) => ReadonlyArray<string>;
  /** Why it is personal data, for the note and the reader of this file. */
  readonly why: string;
}

const field = (d: Record<string, unknown>, name: string) => (typeof d[name] === "string" ? (d[name] as string) : null);
const messageSender = (d: Record<string, unknown>) => `message:${String(d.messageKey)}`;
/** `Jan <jan@x.nl>` and `jan@x.nl` are one contact: the address inside the angle brackets, when there are any. */
const senderAddress = (d: Record<string, unknown>) => {
  const from = field(d, "from");
  return from === null ? null : (/<([^<>]+)>/.exec(from)?.[1] ?? from);
};
const itself = (_: Record<string, unknown>, value: string) => value;

/** Event type -> its personal-data fields. Fields not listed hold no personal data (see docs/personal-data.md for each decision). */
export const personalDataFields: Readonly<Record<string, ReadonlyArray<PersonalDataField>>> = {
  ContactAdded: [
    { path: "address", subject: "contact", format: "email", identity: (d) => field(d, "address"), why: "a contact person's email address" },
    { path: "name", subject: "contact", format: "text", identity: (d) => field(d, "address"), why: "a contact person's name" },
  ],
  ContactRemoved: [{ path: "address", subject: "contact", format: "email", identity: (d) => field(d, "address"), why: "a contact person's email address" }],
  MailReceived: [
    {
      path: "from",
      subject: "contact",
      format: "text",
      identity: senderAddress,
      aliases: (d) => [messageSender(d)],
      why: "the sender's address (the applicant's contact)",
    },
    { path: "subject", subject: "contact", format: "text", identity: (d) => senderAddress(d) ?? messageSender(d), why: "written by the sender: may name people" },
  ],
  CorrespondenceReceived: [{ path: "formFields.*", subject: "contact", format: "text", identity: messageSender, why: "what the sender wrote in a form: contact persons, phone numbers" }],
  CorrespondenceAnswered: [{ path: "text", subject: "contact", format: "text", identity: messageSender, why: "staff's answer to the sender, addressed to and about them" }],
  InvoiceRegistered: [{ path: "iban", subject: "bank-account", format: "iban", identity: (d) => field(d, "iban"), why: "a bank account (of a sole trader: a person's)" }],
  PaymentMade: [{ path: "iban", subject: "bank-account", format: "iban", identity: (d) => field(d, "iban"), why: "a bank account (of a sole trader: a person's)" }],
  AwardGranted: [{ path: "membersPresent[]", subject: "committee-member", format: "text", identity: itself, why: "a committee member's name" }],
  ApplicationRejected: [{ path: "membersPresent[]", subject: "committee-member", format: "text", identity: itself, why: "a committee member's name" }],
  EvaluationFindingRecorded: [{ path: "participants[]", subject: "person", format: "text", identity: itself, why: "a person interviewed or met on a work visit" }],
  KnowledgeSessionAttended: [{ path: "representatives[]", subject: "person", format: "text", identity: itself, why: "a hub's representative at a knowledge session" }],
  // Issue 13's letters go to the application's contacts: each address is sealed under that contact's key.
  LetterSent: [{ path: "recipients[]", subject: "contact", format: "email", identity: itself, why: "a contact person's email address, a letter's recipient" }],
  LetterAccepted: [{ path: "recipient", subject: "contact", format: "email", identity: itself, why: "a contact person's email address, a letter's recipient" }],
  LetterBounced: [{ path: "recipient", subject: "contact", format: "email", identity: itself, why: "a contact person's email address, a letter's recipient" }],
  LetterComplaintReceived: [{ path: "recipient", subject: "contact", format: "email", identity: itself, why: "a contact person's email address, a letter's recipient who complained" }],
  LetterResendRequested: [{ path: "recipients[]", subject: "contact", format: "email", identity: itself, why: "the addresses staff re-send a letter to" }],
};

/** What every read path shows where the data was, once its subject's key is destroyed. */
export const ERASED = "[erased]";

/**
 * A sealed value: `pd1.<subject id>.<base64url of iv | ciphertext | tag>`; `pd1m.` asks the reader
 * to mask what it reveals (an IBAN in a list). The subject id is random, never derived from the data.
 */
export const sealedValuePattern = /pd1(m?)\.([0-9a-f]{32})\.([A-Za-z0-9_-]{16,})/g;
const wholeSealedValue = /^pd1m?\.[0-9a-f]{32}\.[A-Za-z0-9_-]{16,}$/;

export const isSealedValue = (value: unknown): boolean => typeof value === "string" && wholeSealedValue.test(value);

/** The same sealed value, to be revealed masked (domain/payments.ts maskIban on a sealed IBAN). */
export const maskedSealedValue = (sealed: string) => (sealed.startsWith("pd1m.") ? sealed : `pd1m.${sealed.slice(4)}`);

/** The stand-in a sealed value of this format takes while its payload is validated (never stored, never shown). */
export const standInFor: Readonly<Record<PersonalDataFormat, string>> = {
  email: "sealed@personal-data.invalid",
  iban: "NL00SEAL0000000000",
  text: "[sealed]",
};

/** Every location a registry path names in one payload: the holder object/array, the key, and the value there. */
export interface FieldLocation {
  readonly holder: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly value: unknown;
}

export function locate(data: unknown, path: string): FieldLocation[] {
  let current: Array<{ holder: Record<string, unknown> | unknown[]; key: string | number; value: unknown }> = [{ holder: { root: data }, key: "root", value: data }];
  for (const part of path.split(".")) {
    const next: typeof current = [];
    for (const at of current) {
      const value = at.value;
      if (part === "*") {
        if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) next.push({ holder: value as Record<string, unknown>, key: k, value: v });
        continue;
      }
      const array = part.endsWith("[]");
      const name = array ? part.slice(0, -2) : part;
      if (!value || typeof value !== "object" || Array.isArray(value)) continue;
      const child = (value as Record<string, unknown>)[name];
      if (!array) {
        if (name in (value as object)) next.push({ holder: value as Record<string, unknown>, key: name, value: child });
      } else if (Array.isArray(child)) {
        child.forEach((v, i) => next.push({ holder: child, key: i, value: v }));
      }
    }
    current = next;
  }
  return current;
}

/**
 * The payload with every sealed personal-data value replaced by a stand-in of its format, and a way
 * to put the sealed values back into the parsed result: lets an event's own schema validate a
 * sealed payload (an email check cannot pass ciphertext), without loosening any schema.
 */
export function withStandIns(type: string, payload: unknown): { payload: unknown; restore: (parsed: unknown) => unknown } {
  const fields = personalDataFields[type];
  if (!fields || !payload || typeof payload !== "object") return { payload, restore: (parsed) => parsed };
  const copy = structuredClone(payload);
  const sealed: Array<{ path: string; index: number; value: string }> = [];
  for (const f of fields) {
    locate(copy, f.path).forEach((at, index) => {
      if (!isSealedValue(at.value)) return;
      sealed.push({ path: f.path, index, value: at.value as string });
      (at.holder as Record<string | number, unknown>)[at.key] = standInFor[f.format];
    });
  }
  if (sealed.length === 0) return { payload, restore: (parsed) => parsed };
  return {
    payload: copy,
    restore: (parsed) => {
      for (const s of sealed) {
        const at = locate(parsed, s.path)[s.index];
        if (at) (at.holder as Record<string | number, unknown>)[at.key] = s.value;
      }
      return parsed;
    },
  };
}

/** The personal-data values of a payload still in plaintext (events recorded before issue 16): path and subject kind, never the value. */
export function plaintextFields(type: string, payload: unknown): Array<{ path: string; subject: DataSubjectKind }> {
  const found: Array<{ path: string; subject: DataSubjectKind }> = [];
  for (const f of personalDataFields[type] ?? []) {
    for (const at of locate(payload, f.path)) {
      if (typeof at.value === "string" && !isSealedValue(at.value)) found.push({ path: f.path, subject: f.subject });
    }
  }
  return found;
}

/** Normalised identity, so `Jan@X.nl ` and `jan@x.nl`, or `NL91 ABNA …` and `NL91ABNA…`, are one subject. */
export function normaliseIdentity(kind: DataSubjectKind, identity: string): string {
  const trimmed = identity.trim().replace(/\s+/g, " ");
  if (kind === "bank-account") return trimmed.replace(/\s/g, "").toUpperCase();
  return trimmed.toLowerCase();
}
