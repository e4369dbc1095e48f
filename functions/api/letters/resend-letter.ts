import * as z from "zod";
import { decideRequestResend, evolveLetter, initialLetterState } from "../../../domain/letters.ts";
import { streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { executeDecision } from "../command.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { LetterPath } from "./path.ts";

export const ResendLetterBody = z
  .object({
    /** Addresses to send it to instead of the application's contacts (an address the applicant gave by phone). */
    recipients: z.array(z.email().max(320).transform((a) => a.toLowerCase())).max(50).optional(),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict();

/**
 * Issue 13: staff ask for a letter to be sent again (after a bounce, or to a new address). Records the
 * request on the letter's stream; the letters reaction renders the same PDF again (same hash) and sends it.
 */
export const handler = httpRoute("ResendLetter", { path: LetterPath, body: ResendLetterBody }, async (input) => {
  const deps = dependencies();
  const { letterId } = input.path;
  const streamId = streamIds.letter(letterId);
  const [first] = await deps.events.readStream(streamId, 1, 1);
  if (!first) throw new HttpProblem(404, "not-found", `there is no letter ${letterId}`);
  const { recorded, replayed } = await executeDecision({
    store: deps.events,
    input,
    schemeId: first.schemeId,
    primary: "letter",
    streams: { letter: { streamId, initial: initialLetterState, evolve: evolveLetter } },
    decide: (s) => decideRequestResend(s.letter, { letterId, recipients: input.body.recipients ?? [], reason: input.body.reason }),
    streamOf: () => "letter",
  });
  const request = recorded.find((e) => e.type === "LetterResendRequested");
  return {
    status: 202,
    headers: (replayed ? { "idempotent-replayed": "true" } : {}) as Record<string, string>,
    body: { letterId, attempt: (request?.data as { attempt?: number } | undefined)?.attempt ?? null, version: recorded.at(-1)?.version ?? null },
  };
});
