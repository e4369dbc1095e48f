import { csvDocument } from "../../../domain/csv.ts";
import { type UnmetCommitment, hubKeyOf, unmetCommitments } from "../../../domain/evaluation.ts";
import type { ApplicationView } from "../../../domain/projections/applications.ts";
import type { HubEvaluationView } from "../../../domain/projections/evaluation.ts";
import type { SchemeDefinition } from "../../../schemes/definition.ts";

export interface HubOverview {
  readonly hubKey: string;
  readonly hubName: string;
  readonly applicationId: string;
  readonly awardedCents: number;
  readonly classification: { type: string; dominantCharacteristic: string; preconditions: ReadonlyArray<string>; classifiedOn: string; rationale: string } | null;
  readonly classifications: number;
  readonly selfEvaluation: { version: number; submittedOn: string; criteria: ReadonlyArray<{ criterionId: string; criterion: string; status: string; attentionPoints: ReadonlyArray<string> }> } | null;
  readonly supportWishes: ReadonlyArray<{ objective: string; expectedAchievement: string; supportWished: string | null }>;
  readonly findings: number;
  readonly unmetCommitments: ReadonlyArray<UnmetCommitment>;
}

export interface AllocationCell {
  readonly hubTypeId: string;
  readonly characteristicId: string;
  readonly plannedShareBasisPoints: number;
  readonly hubs: ReadonlyArray<string>;
  readonly actualCents: number;
  /** The cell's share of all awards to classified hubs, in basis points (rounded down). */
  readonly actualShareBasisPoints: number;
}

export interface EvaluationOverview {
  readonly schemeId: string;
  readonly today: string;
  readonly hubs: ReadonlyArray<HubOverview>;
  /** The classification table of the evaluation report (001, chapter 4.3.3), from the events alone. */
  readonly classificationTable: ReadonlyArray<{ hub: string; type: string; dominantCharacteristic: string; preconditions: ReadonlyArray<string> }>;
  /** R-VD-10: the scheme's type x characteristic matrix against the actual classifications and awards. */
  readonly allocationMatrix: { illustrative: boolean; ruleIds: ReadonlyArray<string>; totalAwardedCents: number; unclassifiedCents: number; cells: ReadonlyArray<AllocationCell> } | null;
}

const fundedStatuses = new Set(["awarded", "granted"]);

/** The evaluation of a scheme per funded hub and criterion, built from the evaluation and application read models. */
export function evaluationOverview(scheme: SchemeDefinition, applications: ReadonlyArray<ApplicationView>, evaluations: ReadonlyArray<HubEvaluationView>, today: string): EvaluationOverview {
  const byKey = new Map(evaluations.map((e) => [e.hubKey, e]));
  const criterionName = new Map(scheme.evaluationCriteria.map((c) => [c.id, c.name]));
  const funded = applications.filter((a) => fundedStatuses.has(a.status));
  const hubs: HubOverview[] = funded
    .map((a) => {
      const hubKey = hubKeyOf(a.technohub.name);
      const ev = byKey.get(hubKey);
      const c = ev?.classification ?? null;
      const s = ev?.selfEvaluation ?? null;
      return {
        hubKey,
        hubName: a.technohub.name,
        applicationId: a.applicationId,
        awardedCents: a.award?.amountCents ?? 0,
        classification: c && { type: c.type, dominantCharacteristic: c.dominantCharacteristic, preconditions: c.preconditions, classifiedOn: c.classifiedOn, rationale: c.rationale },
        classifications: ev?.counts.classification ?? 0,
        selfEvaluation: s && {
          version: s.version,
          submittedOn: s.submittedOn,
          criteria: s.criteria.map((k) => ({ criterionId: k.criterionId, criterion: criterionName.get(k.criterionId) ?? k.criterionId, status: k.status, attentionPoints: k.attentionPoints })),
        },
        supportWishes: s?.objectives ?? [],
        findings: ev?.counts.finding ?? 0,
        unmetCommitments: unmetCommitments(scheme, ev?.sessionIdsAttended ?? [], ev?.counts["ozone-module"] ?? 0, today),
      };
    })
    .sort((a, b) => a.hubKey.localeCompare(b.hubKey));
  const classificationTable = hubs.flatMap((h) => (h.classification ? [{ hub: h.hubName, type: h.classification.type, dominantCharacteristic: h.classification.dominantCharacteristic, preconditions: h.classification.preconditions }] : []));
  return { schemeId: scheme.id, today, hubs, classificationTable, allocationMatrix: allocation(scheme, hubs) };
}

function allocation(scheme: SchemeDefinition, hubs: ReadonlyArray<HubOverview>): EvaluationOverview["allocationMatrix"] {
  const matrix = scheme.allocationMatrix;
  if (!matrix) return null;
  const classified = hubs.filter((h) => h.classification);
  const total = classified.reduce((s, h) => s + h.awardedCents, 0);
  const cells = matrix.cells.map((cell) => {
    const inCell = classified.filter((h) => h.classification!.type === cell.hubTypeId && h.classification!.dominantCharacteristic === cell.characteristicId);
    const actualCents = inCell.reduce((s, h) => s + h.awardedCents, 0);
    return {
      hubTypeId: cell.hubTypeId,
      characteristicId: cell.characteristicId,
      plannedShareBasisPoints: cell.shareBasisPoints,
      hubs: inCell.map((h) => h.hubName),
      actualCents,
      actualShareBasisPoints: total ? Math.floor((actualCents * 10_000) / total) : 0,
    };
  });
  const all = hubs.reduce((s, h) => s + h.awardedCents, 0);
  return { illustrative: matrix.illustrative, ruleIds: matrix.ruleIds, totalAwardedCents: all, unclassifiedCents: all - total, cells };
}

const columns = ["hubKey", "hub", "type", "dominantCharacteristic", "preconditions", "selfEvaluationVersion", "criterionId", "criterion", "status", "attentionPoints", "supportWishes", "unmetCommitments"] as const;

/** One row per hub and criterion (one row for a hub without a self-evaluation). */
export function overviewCsv(overview: EvaluationOverview): string {
  const rows = overview.hubs.flatMap((h): Record<string, unknown>[] => {
    const common = {
      hubKey: h.hubKey,
      hub: h.hubName,
      type: h.classification?.type,
      dominantCharacteristic: h.classification?.dominantCharacteristic,
      preconditions: h.classification?.preconditions,
      selfEvaluationVersion: h.selfEvaluation?.version,
      supportWishes: h.supportWishes.flatMap((w) => (w.supportWished ? [`${w.objective}: ${w.supportWished}`] : [])),
      unmetCommitments: h.unmetCommitments.map((u) => `${u.commitmentId}${u.sessionId ? `:${u.sessionId}` : ""} (${u.state})`),
    };
    const criteria = h.selfEvaluation?.criteria ?? [];
    if (!criteria.length) return [{ ...common, criterionId: undefined, criterion: undefined, status: undefined, attentionPoints: undefined }];
    return criteria.map((c) => ({ ...common, criterionId: c.criterionId, criterion: c.criterion, status: c.status, attentionPoints: c.attentionPoints }));
  });
  // Through the one CSV writer: hub names, criteria and attention points are people's text (formula injection).
  return csvDocument(columns, rows, { listSeparator: " | " });
}
