import { composeLetter } from "../../domain/letter-content.ts";
import type { EventData, RecordedEvent } from "../../events/index.ts";
import { letterWordingFor } from "../../schemes/letter-wording.ts";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import type { EventStore } from "../store/event-store.ts";
import { type GatheredLetter, gatherLetter } from "./gather.ts";
import { type RenderedLetter, renderLetterPdf } from "./render.ts";

/** Lays a gathered letter out; the PDF's dates are the source event's, so rendering again gives the same bytes. */
export async function renderGathered(gathered: GatheredLetter, sourceRecordedAt: string) {
  const document = composeLetter(gathered.heading, gathered.data, letterWordingFor(gathered.scheme.definition));
  const pdf: RenderedLetter = await renderLetterPdf(document, new Date(sourceRecordedAt));
  return { document, pdf };
}

/**
 * A recorded letter rendered again from the log (issue 13: events carry the PDF's hash, never its
 * bytes): its source event read back, gathered and laid out. The caller compares the hash with the
 * one recorded; a difference means the template changed since, and the PDF is not the letter sent.
 */
export async function rerenderLetter(letter: Pick<EventData<"LetterSent">, "letterId" | "source">, deps: { events: EventStore; schemes: SchemeCatalogue }) {
  const [source] = await deps.events.readStream(letter.source.streamId, letter.source.version, letter.source.version);
  if (!source) throw new Error(`letter ${letter.letterId}: its source ${letter.source.streamId} v${letter.source.version} is not in the log`);
  const gathered = await gatherLetter(source as RecordedEvent, deps);
  if (!gathered) throw new Error(`letter ${letter.letterId}: its source no longer makes a letter`);
  return { gathered, ...(await renderGathered(gathered, source.recordedAt)) };
}
