import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { get, listApplications, may } from "../api.ts";
import { dateTime, lang, money, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Field, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import type { ApplicationView, BudgetLineView, ExplainedEvent } from "./types.ts";

const columns = ["availableCents", "reservedCents", "committedCents", "paidCents", "recoveredCents"] as const;
const columnLabel = { availableCents: "available", reservedCents: "reserved", committedCents: "committed", paidCents: "paid", recoveredCents: "recovered" } as const;
const colours = { availableCents: "#1b6e3a", reservedCents: "#b35900", committedCents: "#1f4e99", paidCents: "#6b2d8f", recoveredCents: "#8a1c1c" } as const;

/** At most `n` of the instants, evenly spread, always the first and the last. */
function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

interface Point { at: string; line: BudgetLineView | undefined }

/**
 * The line's position after each of its events by business date (the decisions' own dates, issue 13),
 * each point replayed from the log by the as-of view (R-X-04): a board reads "the position on 1 March
 * by the decisions dated up to then", not when staff happened to type them in.
 */
async function burnDown(schemeId: string, documentId: string): Promise<Point[]> {
  const explained = await get<{ events: ExplainedEvent[] }>(`/audit/explain?schemeId=${schemeId}&projection=budget-lines&id=${encodeURIComponent(documentId)}&axis=business`);
  const instants = sample([...new Set(explained.body.events.map((e) => e.effectiveAt ?? e.recordedAt))].sort(), 12);
  return Promise.all(instants.map(async (at) => {
    const state = await get<{ documents: Array<{ documentId: string; doc: BudgetLineView }> }>(`/audit/as-of?schemeId=${schemeId}&projection=budget-lines&id=${encodeURIComponent(documentId)}&axis=business&at=${encodeURIComponent(at)}`);
    return { at, line: state.body.documents.find((d) => d.documentId === documentId)?.doc };
  }));
}

function Chart({ points }: { points: Point[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const xs = points.map((p) => Date.parse(p.at) / 1000);
    const data: uPlot.AlignedData = [xs, ...columns.map((c) => points.map((p) => (p.line ? p.line[c] / 100 : null)))];
    const plot = new uPlot({
      width: Math.min(box.current.clientWidth || 900, 1100),
      height: 280,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Europe/Amsterdam"),
      scales: { x: { time: true } },
      axes: [{}, { values: (_, ticks) => ticks.map((v) => money(v * 100).replace(/[.,]00$/, "")), size: 110 }],
      series: [{ label: t("time") }, ...columns.map((c) => ({ label: t(columnLabel[c]), stroke: colours[c], width: 2, value: (_: uPlot, v: number | null) => (v === null ? "—" : money(v * 100)) }))],
    }, data, box.current);
    box.current.dataset.drawn = String(points.length);
    return () => plot.destroy();
  }, [points, lang()]);
  return <div ref={box} class="chart" data-testid="burn-down" role="img" aria-label={t("burnDown")} />;
}

/** The budget per scheme and line (available / reserved / committed / paid / recovered), its course over time and the intake's status. */
export function BudgetPage({ scheme, session }: PageProps) {
  const budget = useLoad(() => get<{ budgetLines: BudgetLineView[] }>(`/schemes/${scheme.schemeId}/budget`).then((r) => r.body.budgetLines), [scheme.schemeId]);
  const applications = useLoad(() => listApplications<ApplicationView>(scheme.schemeId), [scheme.schemeId]);
  const [lineId, setLineId] = useState<string>();
  const canReplay = may(session.role, "GetStateAsOf") && may(session.role, "ExplainDocument");
  const lines = budget.data ?? [];
  const chosen = lineId ?? lines.find((l) => l.committedCents + l.reservedCents > 0)?.budgetLineId ?? lines[0]?.budgetLineId;
  const chart = useLoad(() => (canReplay && chosen ? burnDown(scheme.schemeId, `${scheme.schemeId}.${chosen}`) : Promise.resolve([])), [scheme.schemeId, chosen, canReplay]);
  return (
    <>
      <h1>{t("budget")}: {scheme.title}</h1>
      <Section title={t("budget")} id="lines">
        <Show loaded={budget}>
          {(ls) => (
            <table data-testid="budget-lines">
              <thead><tr><th scope="col">{t("budgetLine")}</th>{(["released", ...columns.map((c) => columnLabel[c])] as const).map((c) => <th scope="col" class="num">{t(c)}</th>)}<th scope="col">{t("intakeStatus")}</th></tr></thead>
              <tbody>
                {ls.map((l) => (
                  <tr data-line={l.budgetLineId}>
                    <th scope="row">{l.name}<div class="muted mono">{l.budgetLineId}</div></th>
                    <td class="num">{money(l.releasedCents)}<div class="muted">/ {money(l.amountCents)}</div></td>
                    {columns.map((c) => <td class="num">{money(l[c])}</td>)}
                    <td><StatusBadge status={l.intakeClosed ? t("intakeClosed") : t("intakeOpen")} /></td>
                  </tr>
                ))}
              </tbody>
              <tfoot><tr><th scope="row">{t("total")}</th><td class="num">{money(ls.reduce((s, l) => s + l.releasedCents, 0))}</td>{columns.map((c) => <td class="num">{money(ls.reduce((s, l) => s + l[c], 0))}</td>)}<td /></tr></tfoot>
            </table>
          )}
        </Show>
      </Section>
      <Section title={t("burnDown")} id="chart">
        {lines.length ? (
          <Field label={t("budgetLine")}>{(id) => <select id={id} value={chosen} onChange={(e) => setLineId(e.currentTarget.value)}>{lines.map((l) => <option value={l.budgetLineId}>{l.name}</option>)}</select>}</Field>
        ) : null}
        {!canReplay ? <p class="muted">The as-of view of the log is open to auditor and admin only; the chart needs it (see the report's API gaps).</p> : (
          <Show loaded={chart}>{(points) => (points.length ? <><Chart points={points} /><p class="muted">{points.length} points, {dateTime(points[0]!.at)} – {dateTime(points.at(-1)!.at)}</p></> : <p class="muted">—</p>)}</Show>
        )}
      </Section>
      <Section title={`${t("intakeStatus")}: ${t("applications")}`} id="intake">
        <Show loaded={applications}>
          {(items) => {
            const counts = new Map<string, number>();
            for (const a of items) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
            return <ul class="counts">{[...counts].map(([status, n]) => <li><StatusBadge status={status} /> {n}</li>)}<li>{t("total")}: {items.length}</li></ul>;
          }}
        </Show>
      </Section>
    </>
  );
}
