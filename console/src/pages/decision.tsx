import { useState } from "preact/hooks";
import { ApiProblem, get, newKey, post } from "../api.ts";
import { money, parseAmount, t, todayInAmsterdam } from "../i18n.ts";
import type { SchemeSummary } from "../main.tsx";
import { Field, Problem } from "../ui.tsx";
import type { ApplicationView, BudgetLineView } from "./types.ts";

/** Waits until the application's read model is past `version` (projections are eventually consistent). Bounded. */
export async function waitForApplication(applicationId: string, version: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const now = await get<ApplicationView>(`/applications/${applicationId}`).catch(() => undefined);
    if (now && now.body.version > version) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The default award: the lower of the maximum and the amount requested (as the API decides when no amount is given). */
export const defaultAward = (a: ApplicationView) => Math.min(a.assessment?.maximumAmountCents ?? a.requestedAmountCents, a.requestedAmountCents);

const compared: Array<[string, (a: ApplicationView) => string]> = [
  ["status", (a) => a.status],
  ["version", (a) => String(a.version)],
  ["award", (a) => (a.award ? `${money(a.award.amountCents)} (${a.award.decidedOn})` : "—")],
  ["rejection", (a) => (a.rejection ? a.rejection.reasons.join("; ") : "—")],
  ["withdrawal", (a) => (a.withdrawal ? a.withdrawal.reason : "—")],
  ["assessment", (a) => (a.assessment ? `${a.assessment.eligible ? "eligible" : "not eligible"}, max ${money(a.assessment.maximumAmountCents)}` : "—")],
];

/** What differs between the view the user decided on and the record now: shown with a 409. */
export function Changes({ before, after }: { before: ApplicationView; after: ApplicationView }) {
  const rows = compared.filter(([, f]) => f(before) !== f(after));
  return (
    <table class="changes" data-testid="changes">
      <caption>{t("whatChanged")}</caption>
      <thead><tr><th scope="col">{t("field")}</th><th scope="col">{t("before")}</th><th scope="col">{t("now")}</th></tr></thead>
      <tbody>{rows.map(([name, f]) => <tr><th scope="row">{name}</th><td>{f(before)}</td><td>{f(after)}</td></tr>)}</tbody>
    </table>
  );
}

/**
 * The committee's decision on one application. Confirming shows the budget impact first (what the
 * award would take from its line and what would remain), then writes with If-Match = the version
 * shown: when someone else moved first the API answers 409 and the panel shows what changed.
 */
export function DecisionPanel({ application, scheme, roundId, onDone }: { application: ApplicationView; scheme: SchemeSummary; roundId: string; onDone: () => void }) {
  const [decision, setDecision] = useState<"award" | "reject">("award");
  const [amount, setAmount] = useState(() => money(defaultAward(application)).replace(/[€\s\u00a0]/g, ""));
  const [members, setMembers] = useState("FME, FNV, CNV, De Unie, VHP2");
  const [reasons, setReasons] = useState("");
  const [decidedOn, setDecidedOn] = useState(todayInAmsterdam());
  const [impact, setImpact] = useState<{ line: BudgetLineView; takes: number } | undefined>();
  const [error, setError] = useState<unknown>();
  const [conflict, setConflict] = useState<ApplicationView | undefined>();
  const [key] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const lineId = scheme.instruments.find((i) => i.instrumentId === application.instrumentId)?.budgetLineId;
  const amountCents = parseAmount(amount);

  const review = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (decision === "award" && amountCents === undefined) return setError(new Error(`${t("amount")}: ${amount}`));
    const budget = await get<{ budgetLines: BudgetLineView[] }>(`/schemes/${scheme.schemeId}/budget`).catch((err) => (setError(err), undefined));
    const line = budget?.body.budgetLines.find((l) => l.budgetLineId === lineId);
    if (line) setImpact({ line, takes: decision === "award" ? amountCents! : 0 });
  };
  const confirm = async () => {
    setBusy(true);
    const membersPresent = members.split(",").map((m) => m.trim()).filter(Boolean);
    const body = decision === "award"
      ? { decision, roundId, membersPresent, decidedOn, ...(amountCents !== defaultAward(application) ? { amountCents } : {}) }
      : { decision, roundId, membersPresent, decidedOn, reasons: reasons.split("\n").map((r) => r.trim()).filter(Boolean) };
    try {
      await post(`/applications/${application.applicationId}/decision`, body, { ifMatch: application.version, idempotencyKey: key });
      setImpact(undefined);
      await waitForApplication(application.applicationId, application.version);
      onDone();
    } catch (err) {
      setError(err);
      if (err instanceof ApiProblem && err.status === 409) {
        const now = await get<ApplicationView>(`/applications/${application.applicationId}`).catch(() => undefined);
        if (now) setConflict(now.body);
      }
    } finally {
      setBusy(false);
    }
  };

  if (conflict) {
    return (
      <div class="conflict" role="alert" data-testid="conflict">
        <p><strong>{t("conflict")}</strong></p>
        <Changes before={application} after={conflict} />
        <button type="button" onClick={onDone}>{t("reload")}</button>
      </div>
    );
  }
  return (
    <form class="decision" onSubmit={review} aria-label={t("recordDecision")}>
      <fieldset>
        <legend>{t("decision")}</legend>
        <label class="inline"><input type="radio" name="decision" value="award" checked={decision === "award"} onChange={() => setDecision("award")} /> {t("award")}</label>
        <label class="inline"><input type="radio" name="decision" value="reject" checked={decision === "reject"} onChange={() => setDecision("reject")} /> {t("reject")}</label>
      </fieldset>
      {decision === "award" ? (
        <Field label={`${t("amount")} (€)`}>{(id) => <input id={id} name="amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field>
      ) : (
        <Field label={t("reasons")}>{(id) => <textarea id={id} name="reasons" required value={reasons} onInput={(e) => setReasons(e.currentTarget.value)} />}</Field>
      )}
      <Field label={t("membersPresent")}>{(id) => <input id={id} name="members" value={members} onInput={(e) => setMembers(e.currentTarget.value)} />}</Field>
      <Field label={t("decidedOn")}>{(id) => <input id={id} name="decidedOn" type="date" value={decidedOn} onInput={(e) => setDecidedOn(e.currentTarget.value)} />}</Field>
      {!impact ? <button type="submit">{t("recordDecision")}…</button> : (
        <div class="impact" data-testid="impact">
          <h3>{t("budgetImpact")}</h3>
          <dl>
            <dt>{t("budgetLine")}</dt><dd>{impact.line.name}</dd>
            <dt>{t("available")}</dt><dd data-testid="impact-available">{money(impact.line.availableCents)}</dd>
            <dt>{t("wouldTake")}</dt><dd data-testid="impact-takes">{money(impact.takes)}</dd>
            <dt>{t("wouldRemain")}</dt><dd data-testid="impact-remains">{money(impact.line.availableCents - impact.takes)}</dd>
          </dl>
          <button type="button" onClick={() => void confirm()} disabled={busy}>{t("confirm")}</button>{" "}
          <button type="button" class="secondary" onClick={() => setImpact(undefined)}>{t("cancel")}</button>
        </div>
      )}
      <Problem error={error} />
    </form>
  );
}
