import { evolveLetter, initialLetterState } from "../../../domain/letters.ts";
import { type DomainEvent, streamIds } from "../../../events/index.ts";
import { rerenderLetter } from "../../letters/rerender.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { binaryBody } from "../binary-body.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { LetterPath } from "./path.ts";

/**
 * Issue 13: a letter's PDF, as it was sent. Events keep its hash, size and pages, never its bytes, so
 * the PDF is rendered again from the log and handed out only when its hash is the one recorded: what
 * staff or an auditor download is the letter the applicant received, or a clear 409 saying it cannot be.
 */
export const handler = httpRoute("GetLetterPdf", { path: LetterPath }, async (input) => {
  const deps = dependencies();
  const { letterId } = input.path;
  const history = await deps.events.readStream(streamIds.letter(letterId));
  const letter = history.reduce((s, e) => evolveLetter(s, e as DomainEvent), initialLetterState).letter;
  if (!letter) throw new HttpProblem(404, "not-found", `there is no letter ${letterId}`);
  const { pdf } = await rerenderLetter(letter, deps);
  if (pdf.sha256 !== letter.sha256) {
    throw new HttpProblem(409, "letter-not-reproducible", `letter ${letterId} renders today to another PDF than the one sent (template ${letter.template}); the hash recorded is ${letter.sha256}`, {
      recordedSha256: letter.sha256,
      renderedSha256: pdf.sha256,
    });
  }
  return {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="brief-${letter.kind}-${letter.applicationId}.pdf"`,
      etag: `"${letter.sha256}"`,
      "cache-control": "private, max-age=0",
    },
    body: Buffer.from(pdf.pdf).toString("base64"),
  };
}).use(binaryBody());
