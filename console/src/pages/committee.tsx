import { useState } from "preact/hooks";
import { allPages, get, may } from "../api.ts";
import { dateTime, day, money, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import { DecisionPanel, defaultAward } from "./decision.tsx";
import type { ApplicationView, BudgetLineView } from "./types.ts";

/**
 * A round's agenda in queue order (R-TH-09/10), with what each award would take from its budget
 * line and what would remain if the committee awarded everything above it as proposed.
 */
export function CommitteePage({ scheme, session }: PageProps) {
  const rounds = scheme.committeeRounds;
  const [roundId, setRoundId] = useState(() => rounds.at(-1)?.id ?? "");
  const [deciding, setDeciding] = useState<string>();
  const loaded = useLoad(async () => {
    const [agenda, budget] = await Promise.all([
      allPages<ApplicationView>(`/schemes/${scheme.schemeId}/rounds/${encodeURIComponent(roundId)}/agenda`),
      get<{ budgetLines: BudgetLineView[] }>(`/schemes/${scheme.schemeId}/budget`),
    ]);
    return { items: agenda, lines: budget.body.budgetLines };
  }, [scheme.schemeId, roundId]);
  const canDecide = may(session.role, "RecordCommitteeDecision");
  return (
    <>
      <h1>{t("committee")}: {scheme.title}</h1>
      <Field label={t("round")}>
        {(id) => (
          <select id={id} value={roundId} onChange={(e) => setRoundId(e.currentTarget.value)}>
            {rounds.map((r) => <option value={r.id}>{r.id} ({day(r.expectedMeetingDate ?? r.submissionDeadline)})</option>)}
          </select>
        )}
      </Field>
      <Section title={`${t("round")} ${roundId}`} id="agenda">
        <Show loaded={loaded}>
          {({ items, lines }) => {
            if (items.length === 0) return <Empty />;
            // Running availability per line, in queue order: awards still open take what they would.
            const remaining = new Map(lines.map((l) => [l.budgetLineId, l.availableCents]));
            const lineOf = (a: ApplicationView) => scheme.instruments.find((i) => i.instrumentId === a.instrumentId)?.budgetLineId ?? "";
            return (
              <table data-testid="agenda">
                <thead><tr><th scope="col">#</th><th scope="col">{t("technohub")}</th><th scope="col">{t("status")}</th><th scope="col">{t("receivedAt")}</th><th scope="col">{t("budgetLine")}</th><th scope="col" class="num">{t("wouldTake")}</th><th scope="col" class="num">{t("wouldRemain")}</th><th scope="col"><span class="sr-only">{t("decision")}</span></th></tr></thead>
                <tbody>
                  {items.map((a, i) => {
                    const line = lineOf(a);
                    const open = a.status === "queued";
                    const takes = open ? defaultAward(a) : 0;
                    const after = (remaining.get(line) ?? 0) - takes;
                    if (open) remaining.set(line, after);
                    return (
                      <>
                        <tr data-application={a.applicationId}>
                          <td class="num">{i + 1}</td>
                          <td><a href={`#/applications/${a.applicationId}`}>{a.technohub.name}</a><div class="muted">{a.technohub.region}</div></td>
                          <td><StatusBadge status={a.status} />{a.award ? <div class="muted">{money(a.award.amountCents)}</div> : null}</td>
                          <td>{dateTime(a.queue?.completedAt ?? a.receivedAt)}</td>
                          <td>{line}</td>
                          <td class="num">{open ? money(takes) : "—"}</td>
                          <td class={`num ${after < 0 ? "negative" : ""}`}>{open ? money(after) : "—"}</td>
                          <td>{canDecide && open && a.assessment ? <button type="button" onClick={() => setDeciding(deciding === a.applicationId ? undefined : a.applicationId)} aria-expanded={deciding === a.applicationId}>{t("decision")}</button> : null}</td>
                        </tr>
                        {deciding === a.applicationId ? (
                          <tr class="expanded"><td colSpan={8}><DecisionPanel application={a} scheme={scheme} roundId={roundId} onDone={() => { setDeciding(undefined); loaded.reload(); }} /></td></tr>
                        ) : null}
                      </>
                    );
                  })}
                </tbody>
              </table>
            );
          }}
        </Show>
      </Section>
    </>
  );
}
