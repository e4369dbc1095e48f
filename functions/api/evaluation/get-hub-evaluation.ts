import * as z from "zod";
import { localDate } from "../../../domain/calendar.ts";
import { unmetCommitments } from "../../../domain/evaluation.ts";
import {
  type HistoryKind,
  type HubEvaluationView,
  type HubHistoryItem,
  MAX_HISTORY_POSITION,
  evaluationProjection,
  historySortKey,
  hubDocumentId,
  hubHistoryList,
} from "../../../domain/projections/evaluation.ts";
import { CalendarDate } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { HubPath } from "./hub-command.ts";

/** The hub's history lists, as the response names them, and the kind of entry each holds. */
const historyLists = {
  classificationHistory: "classification",
  selfEvaluations: "self-evaluation",
  findings: "finding",
  sessionsAttended: "session",
  ozoneModules: "ozone-module",
} as const satisfies Record<string, HistoryKind>;
type ListName = keyof typeof historyLists;
const listNames = Object.keys(historyLists) as ListName[];

export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 100;
/**
 * Past its first entry, a list's page stops at this many bytes of entries: five lists and the hub
 * (at most about 330 KB: two events' content) stay well inside Lambda's 6 MB response.
 */
export const HISTORY_PAGE_BYTES = 768 * 1024;

/** Where each unfinished list goes on: the position (hub stream version) of the last entry returned. */
const Cursor = z.object({ after: z.partialRecord(z.enum(listNames as [ListName, ...ListName[]]), z.number().int().min(1).max(MAX_HISTORY_POSITION)) }).strict();
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");

function decodeCursor(text: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw new HttpProblem(400, "invalid-cursor", "the cursor is not one this route returned as `next`: start again without it");
  }
}

const Query = z
  .object({
    today: CalendarDate.optional(),
    /** Entries per history list on one page (default 50, at most 100). */
    limit: z.string().regex(/^[1-9][0-9]{0,2}$/, "a whole number from 1 to 100").transform(Number).pipe(z.number().max(MAX_HISTORY_LIMIT)).optional(),
    /** The `next` of the previous page: the following entries of every list not yet complete. */
    cursor: z.string().min(1).max(2000).optional(),
  })
  .strict();

/**
 * One hub's evaluation: the current classification and self-evaluation, and its histories (every
 * classification, self-evaluation version, finding, session attended, oZone module), each entry an
 * item of its own. A page holds up to `limit` entries of each list; `next` (null when every list is
 * complete) continues all lists that have more. `counts` tells how many each list holds in all.
 */
export const handler = httpRoute("GetHubEvaluation", { path: HubPath, query: Query }, async (input) => {
  const { readModels, schemes, clock } = dependencies();
  const { schemeId, hubKey } = input.path;
  const scheme = schemes.get(schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  const cursor = input.query.cursor === undefined ? undefined : decodeCursor(input.query.cursor);
  const found = await readModels.document(evaluationProjection.name, hubDocumentId(schemeId, hubKey));
  if (!found) throw new HttpProblem(404, "not-found", `there is no evaluation of ${hubKey} in scheme ${schemeId}`);
  const { sessionIdsAttended, ...view } = found.doc as HubEvaluationView;
  const limit = input.query.limit ?? DEFAULT_HISTORY_LIMIT;

  const after: Cursor["after"] = {};
  const pages = await Promise.all(
    listNames.map(async (name) => {
      const kind = historyLists[name];
      // Without a cursor every list starts at its beginning; with one, only the lists it names go on.
      const from = cursor ? cursor.after[name] : 0;
      if (from === undefined) return [name, []] as const;
      const page = await readModels.page(evaluationProjection.name, hubHistoryList(schemeId, hubKey), {
        from: historySortKey(kind, from + 1),
        to: historySortKey(kind, MAX_HISTORY_POSITION),
        limit,
        maxBytes: HISTORY_PAGE_BYTES,
      });
      const items = page.docs as HubHistoryItem[];
      if (page.more && items.length) after[name] = items.at(-1)!.position;
      return [name, items.map((item) => item.entry)] as const;
    }),
  );
  const next = Object.keys(after).length ? encodeCursor({ after }) : null;

  const today = input.query.today ?? localDate(clock().toISOString(), scheme.definition.timeZone);
  const unmet = unmetCommitments(scheme.definition, sessionIdsAttended, view.counts["ozone-module"], today);
  return { status: 200, headers: { etag: `"${view.version}"` }, body: { ...view, ...Object.fromEntries(pages), next, today, unmetCommitments: unmet } };
});
