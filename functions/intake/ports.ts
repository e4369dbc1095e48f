import { DomainError } from "../../domain/errors.ts";

/**
 * Where received mail and its documents are kept: S3 on AWS (SES writes the raw message there
 * itself), a folder standing in for the bucket locally. Documents are content-addressed by sha256,
 * so storing one twice (a redelivery, the same file in two messages) is harmless.
 */
export interface MailStore {
  /** Keeps a received message exactly as it arrived; returns its key. */
  putRaw(raw: Uint8Array): Promise<string>;
  getRaw(key: string): Promise<Uint8Array>;
  /** Keeps a document under its hash; returns its key. */
  putDocument(document: { readonly sha256: string; readonly contentType: string; readonly content: Uint8Array }): Promise<string>;
}

/** A mail the back office sends (the acknowledgement); never logged, it holds the applicant's address. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** The applicant's Message-ID, so the receipt threads under their message. */
  readonly inReplyTo?: string;
  /** A stable id for this acknowledgement (the outbox names its file after it). */
  readonly key: string;
  /** Issue 13: files sent with it (a letter's PDF). */
  readonly attachments?: ReadonlyArray<{ readonly filename: string; readonly contentType: string; readonly content: Uint8Array }>;
  /** Issue 13: name=value tags the provider hands back with delivery notifications (SES EmailTags: a bounce names its letter). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Mailer {
  /** Sends, and returns the Message-ID (or the provider's id) of what was sent. */
  send(mail: OutgoingMail): Promise<{ readonly acknowledgementId: string }>;
}

/** The stored raw message is not there (a wrong key, or it expired). */
export class RawMailNotFound extends DomainError {
  readonly code = "raw-mail-not-found";
  constructor(readonly key: string) {
    super(`no raw message under ${key}`);
    this.name = "RawMailNotFound";
  }
}

/** The mail store could not be reached or refused; `retryable` says whether trying again may help. Nothing was kept. */
export class MailStoreUnavailable extends DomainError {
  readonly code = "mail-store-unavailable";
  constructor(readonly operation: string, readonly retryable: boolean, cause?: unknown) {
    super(`mail store unavailable during ${operation}`, { cause });
    this.name = "MailStoreUnavailable";
  }
}

/** The mail provider refused the message for good (rejected, sender not verified, account paused): retrying will not help. */
export class MailRefused extends DomainError {
  readonly code = "mail-refused";
  constructor(readonly reason: string, cause?: unknown) {
    super(`the mail provider refused the message: ${reason}`, { cause });
    this.name = "MailRefused";
  }
}

/** The mail provider could not be reached or throttled us: try again later. */
export class MailerUnavailable extends DomainError {
  readonly code = "mailer-unavailable";
  constructor(cause?: unknown) {
    super("the mail provider is unavailable", { cause });
    this.name = "MailerUnavailable";
  }
}
