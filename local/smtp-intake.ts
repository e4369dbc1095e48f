import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { LocalMailStore } from "../functions/intake/mail-store.ts";
import { OutboxMailer } from "../functions/intake/outbox-mailer.ts";
import { processRawMessage, type RawMessage } from "../functions/intake/process.ts";
import type { Dependencies } from "../functions/runtime/dependencies.ts";
import { streamIds } from "../events/index.ts";
import { log } from "../functions/runtime/log.ts";
import { INTAKE_FUNCTION, type IamGuard, runAs } from "./iam-parity.ts";
import { inInvocation } from "../functions/personal-data/vault.ts";

/** About what SES accepts (40 MB, base64 included), rounded down: a bigger message is refused at SMTP level, so its sender knows. */
export const MAX_MESSAGE_BYTES = 30 * 1024 * 1024;
/** Connections held at once; one more is answered 421 (try again later), as a busy MTA does. */
export const MAX_CLIENTS = 100;
/** An idle connection (no command, no data) is closed after this long. */
export const SOCKET_TIMEOUT_MS = 60_000;

export interface SmtpIntakeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Stands in for the mail bucket: `raw/`, `documents/`, and `outbox/` for the acknowledgements. */
  readonly mailDir: string;
  /** The runtime's dependencies, read per message as an API handler reads them per request. */
  readonly dependencies: () => Dependencies;
  /** When given, the processing runs as the stack's intake function, its S3 and SES calls checked against that role. */
  readonly iam?: IamGuard;
}

export interface SmtpIntake {
  readonly url: string;
  readonly port: number;
  readonly mailDir: string;
  /** Resolves once the messages a killed run kept but did not record are recorded (and its half-received files removed). */
  readonly recovered: Promise<{ readonly recorded: number; readonly failed: number; readonly leftovers: number }>;
  stop(): Promise<void>;
}

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/**
 * The local stand-in for SES receiving: an SMTP listener on loopback that takes mail for the
 * schemes' intake domains, keeps the raw message first (as SES keeps it in S3), then feeds the
 * same `processRawMessage` the Lambda runs. It answers 250 only once the message is recorded
 * (filed or listed as a failure); if recording fails it answers 451, so the sender retries.
 */
export async function startSmtpIntake(options: SmtpIntakeOptions): Promise<SmtpIntake> {
  const mailStore = new LocalMailStore(options.mailDir);
  const mailer = new OutboxMailer(join(mailStore.root, "outbox"));
  // What the intake function does with the bucket and SES is checked; SES's own write of the raw message (below) is not the function's.
  const functionMailStore = options.iam ? options.iam.guardMailStore(mailStore) : mailStore;
  const functionMailer = options.iam ? options.iam.guardMailer(mailer) : mailer;
  // Every scheme's own intake domain, and each published address (the one in the source documents) as an exact mailbox: not its whole domain.
  const intakes = options.dependencies().schemes.all().map((s) => s.definition.intake);
  const domains = new Set(intakes.map((i) => i.emailAddress.split("@")[1]!.toLowerCase()));
  const publishedAddresses = new Set(intakes.flatMap((i) => (i.publishedEmailAddress ? [i.publishedEmailAddress.toLowerCase()] : [])));

  const intakeDependencies = (deps: Dependencies) => ({ ...deps, mailStore: functionMailStore, mailer: functionMailer });
  // As the intake Lambda does: one message is one invocation, with its own cache of personal-data keys.
  const recordMessage = (deps: Dependencies, message: RawMessage, receivedAt: string) => {
    const record = () => processRawMessage(message, receivedAt, intakeDependencies(deps));
    return runAs(INTAKE_FUNCTION, () => inInvocation(deps.personalData, record));
  };

  // What is being recorded now: stop() waits for it, so nothing writes into the mail folder after it resolves.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };

  // The message was streamed to `path` (hashed on the way); it is kept by renaming that file, then read back (at most MAX_MESSAGE_BYTES) for processing.
  const receive = async (path: string, sha256: string, session: SMTPServerSession): Promise<string> => {
    const deps = options.dependencies();
    // R-TH-09: the receipt time is when the message was fully received, before anything else happens.
    const receivedAt = deps.clock().toISOString();
    const envelopeRecipients = session.envelope.rcptTo.map((r) => r.address);
    // Noted before it is kept: a listener killed after keeping it, before recording it, records it on its next start.
    await mailStore.markPending(sha256, { receivedAt, envelopeRecipients });
    const objectKey = await mailStore.adoptRaw(path, sha256);
    const bytes = await readFile(mailStore.pathOf(objectKey));
    const result = await recordMessage(deps, { bytes, objectKey, envelopeRecipients }, receivedAt);
    await mailStore.markRecorded(sha256, { receivedAt, envelopeRecipients }, result.messageKey);
    return result.messageKey;
  };

  /**
   * Issue 12 "Done when": nothing kept is lost to a crash. Every message a killed run kept but did not record is
   * recorded now, as SES's S3 notification would still reach the Lambda. Safe to race a sender's
   * retry of the same message: the intake files a message key once.
   */
  const recover = async (): Promise<{ recorded: number; failed: number }> => {
    let recorded = 0;
    let failed = 0;
    // What the last run recorded is checked against the log: DynamoDB Local may have lost the last
    // transaction it acknowledged before it was killed (see LocalMailStore.markRecorded). Recorded again when missing.
    for (const { sha256, objectKey, note, messageKey } of await mailStore.recorded()) {
      try {
        const deps = options.dependencies();
        const [first] = await runAs(INTAKE_FUNCTION, () => deps.events.readStream(streamIds.intake(messageKey), 1, 1));
        if (!first) {
          const bytes = await readFile(mailStore.pathOf(objectKey));
          await recordMessage(deps, { bytes, objectKey, envelopeRecipients: note.envelopeRecipients }, note.receivedAt);
          recorded++;
        }
        await mailStore.clearRecorded(sha256);
      } catch (error) {
        failed++;
        log("error", "intake could not check a recorded message on start", { errorName: error instanceof Error ? error.name : typeof error });
      }
    }
    for (const { sha256, objectKey, note } of await mailStore.pending()) {
      try {
        const bytes = await readFile(mailStore.pathOf(objectKey));
        const deps = options.dependencies();
        await recordMessage(deps, { bytes, objectKey, envelopeRecipients: note.envelopeRecipients }, note.receivedAt);
        await mailStore.clearPending(sha256);
        recorded++;
      } catch (error) {
        // The note stays: the next start tries again.
        failed++;
        log("error", "intake could not record a kept message on start", { errorName: error instanceof Error ? error.name : typeof error });
      }
    }
    if (recorded || failed) log("info", "intake recorded messages a previous run kept", { recorded, failed });
    return { recorded, failed };
  };

  const server = new SMTPServer({
    name: "intake.localhost",
    banner: "subsidy back office intake",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 2_000,
    maxClients: MAX_CLIENTS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    onRcptTo(address, _session, callback) {
      const mailbox = address.address.toLowerCase();
      const domain = mailbox.slice(mailbox.lastIndexOf("@") + 1);
      // Not an open relay: only the intake domains and the schemes' published addresses are ours.
      if (domains.has(domain) || publishedAddresses.has(mailbox)) callback();
      else callback(smtpError(550, `5.1.1 this server only takes mail for ${[...domains, ...publishedAddresses].join(", ")}`));
    },
    /**
     * Issue 12 finding 2: the message goes to a file as it arrives (the folder stands in for S3),
     * hashed and counted on the way; nothing of it is held in memory. Once it is over the limit the
     * file is dropped and the rest is read and discarded, then refused with 552.
     */
    onData(stream: SMTPServerDataStream, session, callback) {
      let answered = false;
      const answer = (error: Error | null, message?: string) => {
        if (answered) return;
        answered = true;
        callback(error, message);
      };
      void mailStore.incomingPath().then(
        (path) => {
          const file = createWriteStream(path);
          const hash = createHash("sha256");
          let bytes = 0;
          let oversize = false;
          let failed = false;
          const drop = () => {
            file.destroy();
            void rm(path, { force: true });
          };
          file.on("error", () => {
            failed = true;
            drop();
          });
          stream.on("data", (chunk: Buffer) => {
            bytes += chunk.byteLength;
            if (oversize || failed) return;
            if (stream.sizeExceeded || bytes > MAX_MESSAGE_BYTES) {
              oversize = true;
              drop();
              return;
            }
            hash.update(chunk);
            // The file's pace is the sender's: the socket is paused while the disk catches up.
            if (!file.write(chunk)) {
              stream.pause();
              file.once("drain", () => stream.resume());
            }
          });
          stream.on("error", () => {
            drop();
            answer(smtpError(451, "4.3.0 the message could not be read; try again"));
          });
          stream.on("end", () => {
            if (oversize || stream.sizeExceeded) {
              drop();
              return answer(smtpError(552, `5.3.4 the message is over ${MAX_MESSAGE_BYTES} bytes`));
            }
            if (failed) return answer(smtpError(451, "4.3.0 the message could not be recorded now; try again later"));
            file.end(() => {
              track(receive(path, hash.digest("hex"), session)).then(
                (messageKey) => answer(null, `2.0.0 received as ${messageKey}`),
                (error: unknown) => {
                  void rm(path, { force: true });
                  // Never the message, the sender or the subject in a log line: ids and error names only.
                  log("error", "intake could not record a message", { errorName: error instanceof Error ? error.name : typeof error, rawBytes: bytes });
                  answer(smtpError(451, "4.3.0 the message could not be recorded now; try again later"));
                },
              );
            });
          });
        },
        () => {
          // No place to put it: read and discard, then ask the sender to retry.
          stream.on("data", () => {});
          stream.on("end", () => answer(smtpError(451, "4.3.0 the message could not be recorded now; try again later")));
        },
      );
    },
  });

  // Before listening: no message is being received yet, so everything under .incoming/ is a dead run's
  // half-received message (its sender got no 250 and sends again).
  const leftoversRemoved = await mailStore.removeLeftovers();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => log("error", "smtp listener error", { errorName: error.name }));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  // Recorded while the listener already takes mail: a sender retrying one of these meets the same message key.
  const recovered = recover().then(
    (counts) => ({ ...counts, leftovers: leftoversRemoved }),
    (error: unknown) => {
      log("error", "intake could not look for kept messages on start", { errorName: error instanceof Error ? error.name : typeof error });
      return { recorded: 0, failed: 0, leftovers: leftoversRemoved };
    },
  );
  return {
    url: `smtp://${options.host}:${port}`,
    port,
    mailDir: mailStore.root,
    recovered,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await recovered;
      // A session cut off by the close may still be recording its message (the form worker runs to its deadline).
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
