import { type DataSubjectKind } from "../../events/personal-data.ts";
import { DATA_PROTECTION_LOG, dataSubjectStream } from "../../events/data-protection-events.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { streamIds } from "../../events/index.ts";
import { type Decision, accept, refuseAndRecord } from "../../domain/decision.ts";
import { type FileFacts, applicationFileOf, decideErasureRequest, looseFileOf } from "../../domain/data-protection.ts";
import type { EventStore } from "../store/event-store.ts";
import type { PersonalDataVault } from "./vault.ts";

/**
 * The files a data subject's data is in, from the streams the vault noted when it sealed the data:
 * each application named there with its grant, and messages that never became an application.
 */
export async function filesOfSubject(events: Pick<EventStore, "readStream">, vault: PersonalDataVault, subjectId: string): Promise<FileFacts[]> {
  const applications = new Map<string, string>();
  const loose: FileFacts[] = [];
  for (const { streamId, schemeId } of await vault.streamsOf(subjectId)) {
    const history = await events.readStream(streamId);
    const named = new Set<string>();
    for (const event of history) {
      const id = (event.data as { applicationId?: unknown }).applicationId;
      if (typeof id === "string") named.add(id);
    }
    if (streamId.startsWith("grant#")) {
      const opened = history.find((e) => e.type === "GrantOpened");
      if (opened) named.add(String((opened.data as { applicationId: string }).applicationId));
    }
    if (named.size === 0 && history.length > 0) loose.push(looseFileOf(schemeId, history));
    for (const id of named) applications.set(id, history[0]?.schemeId ?? schemeId);
  }
  const files: FileFacts[] = [...loose];
  for (const [applicationId, schemeId] of applications) {
    const application = await events.readStream(streamIds.application(applicationId));
    const grantIds = new Set(application.flatMap((e) => (e.type === "AwardLetterIssued" ? [String((e.data as { grantId: string }).grantId)] : [])));
    const grants: RecordedEvent[] = [];
    for (const grantId of grantIds) grants.push(...(await events.readStream(streamIds.grant(grantId))));
    files.push(applicationFileOf(applicationId, application[0]?.schemeId ?? schemeId, [...application, ...grants]));
  }
  return files;
}

export interface ErasureRequest {
  readonly subjectId: string;
  readonly subjectKind: DataSubjectKind;
  readonly legalBasis: DomainEventData<"PersonalDataErasureRequested">["legalBasis"];
  readonly note: string | null;
  readonly today: string;
  readonly origin: "request" | "retention";
}

type DomainEventData<T extends DomainEvent["type"]> = Extract<DomainEvent, { type: T }>["data"];

/** The events of one erasure request: requested, then erased or refused (with the reason and the date from which it is possible). */
export function decideErasure(request: ErasureRequest, files: ReadonlyArray<FileFacts>, alreadyErased: boolean): Decision<DomainEvent> {
  const { subjectId, subjectKind, today } = request;
  const applicationIds = [...new Set(files.flatMap((f) => (f.applicationId ? [f.applicationId] : [])))].sort();
  const requested: DomainEvent = {
    type: "PersonalDataErasureRequested",
    data: { subjectId, subjectKind, legalBasis: request.legalBasis, note: request.note, requestedOn: today, origin: request.origin },
  };
  if (alreadyErased) return accept();
  const decision = decideErasureRequest(files, today, subjectKind);
  if (decision.outcome === "erase") return accept<DomainEvent>(requested, { type: "PersonalDataErased", data: { subjectId, subjectKind, erasedOn: today, applicationIds } });
  return refuseAndRecord<DomainEvent>("closed", decision.reason, [requested, { type: "PersonalDataErasureRefused", data: { subjectId, subjectKind, code: decision.code, reason: decision.reason, erasableFrom: decision.erasableFrom, applicationIds } }], {
    details: { subjectId, code: decision.code, erasableFrom: decision.erasableFrom, applicationIds },
  });
}

export const erasureStream = { streamId: dataSubjectStream, schemeId: DATA_PROTECTION_LOG } as const;
