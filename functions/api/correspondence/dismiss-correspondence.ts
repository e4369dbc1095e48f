import * as z from "zod";
import { decideDismissCorrespondence, evolveMailStream, initialMailStreamState } from "../../../domain/correspondence.ts";
import { UNATTRIBUTED_MAIL_LOG } from "../../../domain/intake.ts";
import { type DomainEvent, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { executeDecision } from "../command.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { CorrespondencePath } from "./path.ts";

export const DismissCorrespondenceBody = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();

/** Issue 12 finding 8: staff close correspondence that needs nothing more (spam, answered by phone), with the reason. */
export const handler = httpRoute("DismissCorrespondence", { path: CorrespondencePath, body: DismissCorrespondenceBody }, async (input) => {
  const deps = dependencies();
  const { messageKey } = input.path;
  const mail = (await deps.events.readStream(streamIds.intake(messageKey))).reduce((s, e) => evolveMailStream(s, e as DomainEvent), initialMailStreamState);
  if (!mail.correspondence || !mail.received) throw new HttpProblem(404, "not-found", `there is no correspondence ${messageKey}`);
  const { recorded, replayed } = await executeDecision({
    store: deps.events,
    input,
    schemeId: mail.received.schemeId ?? UNATTRIBUTED_MAIL_LOG,
    primary: "mail",
    streams: { mail: { streamId: streamIds.intake(messageKey), initial: initialMailStreamState, evolve: evolveMailStream } },
    decide: (s) => decideDismissCorrespondence(s.mail, { messageKey, reason: input.body.reason }),
    streamOf: () => "mail",
  });
  return { status: 200, headers: (replayed ? { "idempotent-replayed": "true" } : {}) as Record<string, string>, body: { messageKey, dismissed: true, version: recorded.at(-1)?.version ?? null } };
});
