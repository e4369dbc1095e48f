import { useState } from "preact/hooks";
import { get } from "../api.ts";
import { dateTime, day, money, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Section, Show, StatusBadge, useLoad } from "../ui.tsx";

interface Overview {
  hubs: Array<{ hubKey: string; hubName: string; applicationId: string; awardedCents: number; classification: { type: string; dominantCharacteristic: string } | null }>;
  classificationTable: Array<{ hub: string; type: string; dominantCharacteristic: string; preconditions: string[] }>;
  allocationMatrix: { illustrative: boolean; ruleIds: string[]; totalAwardedCents: number; unclassifiedCents: number; cells: Array<{ hubTypeId: string; characteristicId: string; plannedShareBasisPoints: number; hubs: string[]; actualCents: number; actualShareBasisPoints: number }> };
}

interface HubEvaluation {
  hubName: string;
  classificationHistory: Array<{ recordedAt: string; type: string; dominantCharacteristic: string; classifiedOn?: string; rationale?: string }>;
  selfEvaluations: Array<{ version: number; submittedOn: string; recordedAt: string; corrects: number | null; correctedBy: number | null; criteria: Array<{ criterionId: string; status: string; summary: string; attentionPoints: string[] }> }>;
  findings: Array<{ kind: string; date: string; notes: string }>;
  unmetCommitments: Array<{ commitmentId: string; description: string; state: string; ruleIds: string[] }>;
}

const types = ["system-hub", "growth-hub"];
const characteristics = ["innovation", "education-renewal", "ecosystem-function"];
const pct = (bp: number) => `${(bp / 100).toLocaleString("nl-NL", { maximumFractionDigits: 1 })}%`;

/** The hub evaluation (R-VD-08..10): classification table, criteria per hub with their history, the allocation matrix against the awards. */
export function EvaluationPage({ scheme }: PageProps) {
  const overview = useLoad(() => get<Overview>(`/schemes/${scheme.schemeId}/evaluation`).then((r) => r.body), [scheme.schemeId]);
  const [hubKey, setHubKey] = useState<string>();
  const chosen = hubKey ?? overview.data?.hubs[0]?.hubKey;
  const hub = useLoad(() => (chosen ? get<HubEvaluation>(`/schemes/${scheme.schemeId}/hubs/${chosen}/evaluation`).then((r) => r.body) : Promise.resolve(undefined)), [scheme.schemeId, chosen]);
  return (
    <>
      <h1>{t("evaluation")}: {scheme.title}</h1>
      <Show loaded={overview}>
        {(o) => o.hubs.length === 0 ? <Empty /> : (
          <>
            <div class="grid">
              <Section title={t("classification")} id="classification">
                <table data-testid="classification">
                  <thead><tr><th scope="col">type \ kenmerk</th>{characteristics.map((c) => <th scope="col">{c}</th>)}</tr></thead>
                  <tbody>{types.map((ty) => <tr><th scope="row">{ty}</th>{characteristics.map((c) => <td>{o.classificationTable.filter((r) => r.type === ty && r.dominantCharacteristic === c).map((r) => <div>{r.hub}</div>)}</td>)}</tr>)}</tbody>
                </table>
              </Section>
              <Section title={t("allocation")} id="allocation">
                <table data-testid="allocation">
                  <thead><tr><th scope="col">type</th><th scope="col">kenmerk</th><th scope="col" class="num">plan</th><th scope="col" class="num">{t("awarded")}</th><th scope="col" class="num">%</th></tr></thead>
                  <tbody>{o.allocationMatrix.cells.map((c) => <tr><td>{c.hubTypeId}</td><td>{c.characteristicId}</td><td class="num">{pct(c.plannedShareBasisPoints)}</td><td class="num">{money(c.actualCents)}</td><td class="num">{pct(c.actualShareBasisPoints)}</td></tr>)}</tbody>
                  <tfoot><tr><th scope="row" colSpan={3}>{t("total")} [{o.allocationMatrix.ruleIds.join(", ")}]{o.allocationMatrix.illustrative ? " (illustrative)" : ""}</th><td class="num">{money(o.allocationMatrix.totalAwardedCents)}</td><td /></tr></tfoot>
                </table>
              </Section>
            </div>
            <Section title={t("criteria")} id="criteria">
              <Field label={t("technohub")}>{(id) => <select id={id} value={chosen} onChange={(e) => setHubKey(e.currentTarget.value)}>{o.hubs.map((h) => <option value={h.hubKey}>{h.hubName}</option>)}</select>}</Field>
              <Show loaded={hub}>
                {(h) => !h ? <Empty /> : (
                  <>
                    {h.selfEvaluations.map((se) => (
                      <table data-testid="criteria">
                        <caption>v{se.version} · {day(se.submittedOn)} · {dateTime(se.recordedAt)}{se.corrects ? ` · corrects v${se.corrects}` : ""}{se.correctedBy ? ` · corrected by v${se.correctedBy}` : ""}</caption>
                        <thead><tr><th scope="col">criterion</th><th scope="col">{t("status")}</th><th scope="col">summary</th></tr></thead>
                        <tbody>{se.criteria.map((c) => <tr><td>{c.criterionId}</td><td><StatusBadge status={c.status} /></td><td>{c.summary}{c.attentionPoints.length ? <ul>{c.attentionPoints.map((p) => <li>{p}</li>)}</ul> : null}</td></tr>)}</tbody>
                      </table>
                    ))}
                    <h3>{t("history")}</h3>
                    <ul class="plain">
                      {h.classificationHistory.map((c) => <li>{dateTime(c.recordedAt)}: {c.type} × {c.dominantCharacteristic}</li>)}
                      {h.findings.map((f) => <li>{day(f.date)}: {f.kind} — {f.notes}</li>)}
                      {h.unmetCommitments.map((u) => <li><StatusBadge status={u.state} /> {u.description} [{u.ruleIds.join(", ")}]</li>)}
                    </ul>
                  </>
                )}
              </Show>
            </Section>
          </>
        )}
      </Show>
    </>
  );
}
