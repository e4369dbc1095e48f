import * as z from "zod";
import { answerFor, decideRecordAnswer, evolveMailStream, initialMailStreamState } from "../../../domain/correspondence.ts";
import { UNATTRIBUTED_MAIL_LOG } from "../../../domain/intake.ts";
import { type DomainEvent, type EventData, streamIds } from "../../../events/index.ts";
import { MailRefused } from "../../intake/ports.ts";
import { answerKey, mailerOf } from "./answer-mailer.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { executeDecision } from "../command.ts";
import { HttpProblem, httpRoute, refusalProblem } from "../http.ts";
import { CorrespondencePath } from "./path.ts";

export const AnswerCorrespondenceBody = z.object({ text: z.string().trim().min(1).max(20_000) }).strict();

/**
 * Issue 12 finding 8: staff answer a correspondent by mail, from the scheme's intake address, in the
 * message's thread; what was sent (or why not) is recorded on the message's stream. A retry with the
 * same Idempotency-Key returns the first answer and sends nothing again.
 */
export const handler = httpRoute("AnswerCorrespondence", { path: CorrespondencePath, body: AnswerCorrespondenceBody }, async (input) => {
  const deps = dependencies();
  const { messageKey } = input.path;
  const streamId = streamIds.intake(messageKey);
  const history = await deps.events.readStream(streamId);
  const mail = history.reduce((s, e) => evolveMailStream(s, e as DomainEvent), initialMailStreamState);
  const earlier = input.idempotencyKey ? history.find((e) => e.type === "CorrespondenceAnswered" && e.metadata.idempotencyKey === input.idempotencyKey && e.metadata.actor === input.caller.subject) : undefined;
  // A replay (the same Idempotency-Key) sends nothing: executeDecision below returns what was recorded.
  const found = earlier ? undefined : answerFor(mail, messageKey);
  if (found && "refusal" in found) throw refusalProblem((found.refusal as Extract<typeof found.refusal, { outcome: "refused" }>).refusal);
  const schemeId = mail.received!.schemeId;
  const scheme = schemeId ? deps.schemes.get(schemeId) : undefined;
  // The fund answers from the scheme's intake address; mail for no scheme from the address it was sent to.
  const from = scheme?.definition.intake.emailAddress ?? mail.received!.recipients[0];
  const mailer = mailerOf();
  if (found && (!mailer || !from)) throw new HttpProblem(409, "mail-not-configured", "this deployment sends no mail (no verified sending identity): answer by other means and dismiss the message with that reason");
  let outcome: { sent: true; answerId: string } | { sent: false; reason: string } = { sent: false, reason: "not sent" };
  if (found) {
    // One key per answer: a retry of this request writes the same outbox file locally.
    const key = answerKey(messageKey, input.idempotencyKey ?? String(history.length), input.body.text);
    try {
      const sent = await mailer!.send({ from: from!, to: found.answer.to, subject: found.answer.subject, text: input.body.text, key, ...(found.answer.inReplyTo ? { inReplyTo: found.answer.inReplyTo } : {}) });
      outcome = { sent: true, answerId: sent.acknowledgementId };
    } catch (error) {
      // Refused for good: recorded, so staff see it; anything else is the mail service being away (503, retry).
      if (!(error instanceof MailRefused)) throw error;
      outcome = { sent: false, reason: error.message };
    }
  }
  const { recorded, replayed } = await executeDecision({
    store: deps.events,
    input,
    schemeId: schemeId ?? UNATTRIBUTED_MAIL_LOG,
    primary: "mail",
    streams: { mail: { streamId, initial: initialMailStreamState, evolve: evolveMailStream } },
    decide: (s) => decideRecordAnswer(s.mail, { messageKey, text: input.body.text, outcome }),
    streamOf: () => "mail",
  });
  const answered = recorded.find((e) => e.type === "CorrespondenceAnswered")?.data as EventData<"CorrespondenceAnswered"> | undefined;
  if (answered?.sent === false) throw new HttpProblem(422, "not-sent", `the answer was recorded, but the mail service refused it: ${answered.notSentReason}`, { messageKey });
  return { status: 200, headers: (replayed ? { "idempotent-replayed": "true" } : {}) as Record<string, string>, body: { messageKey, sent: true, answerId: answered?.answerId ?? null } };
});
