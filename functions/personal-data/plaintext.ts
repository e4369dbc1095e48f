import { type DataSubjectKind, plaintextFields } from "../../events/personal-data.ts";

export interface PlaintextEvent {
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly fields: ReadonlyArray<{ path: string; subject: DataSubjectKind }>;
}

/**
 * Issue 16's migration report: the stored events whose personal-data fields are still plaintext
 * (recorded before sealing existed). They are read as they are (a plaintext value is revealed as
 * itself) and stay in the log: rewriting them would break their hashes (R-X-01). The operator gets
 * the list; docs/personal-data.md says what that means for an erasure.
 */
export async function* plaintextEvents(items: AsyncIterable<Record<string, unknown>>): AsyncIterable<PlaintextEvent> {
  for await (const item of items) {
    if (typeof item.payload !== "string" || typeof item.type !== "string") continue;
    const fields = plaintextFields(item.type, JSON.parse(item.payload));
    if (fields.length > 0) yield { streamId: String(item.streamId), version: Number(item.version), type: item.type, recordedAt: String(item.recordedAt), fields };
  }
}
