import { randomUUID } from "node:crypto";
import { DATA_PROTECTION_LOG, dataSubjectStream } from "../../events/data-protection-events.ts";
import type { DomainEvent } from "../../events/index.ts";
import { retentionEndsOn } from "../../domain/data-protection.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { EventStore } from "../store/event-store.ts";
import { filesOfSubject } from "./erasure.ts";
import type { PersonalDataVault } from "./vault.ts";

export interface RetentionItem {
  readonly subjectId: string;
  readonly subjectKind: string;
  readonly applicationIds: ReadonlyArray<string>;
  /** When the schemes' retention period ends for every file of the subject; null while one still runs. */
  readonly dueOn: string | null;
}

/**
 * Issue 16: every data subject whose files are closed and whose schemes' retention periods have
 * ended by `today` (domain/data-protection.ts `retentionPolicies`). With `erase`, each is erased as a
 * request on the basis of art. 5(1)(e) would be: the events first, then the key.
 */
export async function runRetention(options: {
  events: EventStore;
  /** The store without revealing: reading files needs no keys. */
  sealedEvents: Pick<EventStore, "readStream">;
  vault: PersonalDataVault;
  today: string;
  erase: boolean;
}): Promise<{ due: RetentionItem[]; erased: string[] }> {
  const due: RetentionItem[] = [];
  const erased: string[] = [];
  for await (const subject of options.vault.liveSubjects()) {
    const files = await filesOfSubject(options.sealedEvents, options.vault, subject.subjectId);
    if (files.length === 0) continue;
    const dueOn = retentionEndsOn(files);
    if (dueOn === null || dueOn > options.today) continue;
    const applicationIds = [...new Set(files.flatMap((f) => (f.applicationId ? [f.applicationId] : [])))].sort();
    due.push({ subjectId: subject.subjectId, subjectKind: subject.kind, applicationIds, dueOn });
    if (!options.erase) continue;
    const streamId = dataSubjectStream(subject.subjectId);
    const history = await options.events.readStream(streamId);
    if (!history.some((e) => e.type === "PersonalDataErased")) {
      const recorded: DomainEvent[] = [
        { type: "PersonalDataErasureRequested", data: { subjectId: subject.subjectId, subjectKind: subject.kind, legalBasis: "gdpr-5-1-e-retention", note: `retention period ended on ${dueOn}`, requestedOn: options.today, origin: "retention" } },
        { type: "PersonalDataErased", data: { subjectId: subject.subjectId, subjectKind: subject.kind, erasedOn: options.today, applicationIds } },
      ];
      try {
        await options.events.append([
          {
            streamId,
            expectedVersion: history.length,
            schemeId: DATA_PROTECTION_LOG,
            events: recorded,
            metadata: { actor: "retention", role: "admin", channel: "system", correlationId: `retention-${options.today}-${randomUUID()}` },
          },
        ]);
      } catch (error) {
        // Another run (or an admin's request) recorded it meanwhile: its key goes either way.
        if (!(error instanceof ConcurrencyConflict)) throw error;
      }
    }
    await options.vault.destroyKey(subject.subjectId);
    erased.push(subject.subjectId);
  }
  return { due, erased };
}
