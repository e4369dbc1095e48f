import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiProblem, type Session, get, may, newKey, post } from "../api.ts";
import { day, money, parseAmount, t, todayInAmsterdam } from "../i18n.ts";
import { Empty, Field, Problem, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import { ChangeRequests } from "./change-requests.tsx";
import type { GrantView } from "./types.ts";

/** Polls the grant until its read model is past `version`. Bounded. */
export async function waitForGrant(grantId: string, version: number) {
  for (let i = 0; i < 50; i++) {
    const now = await get<GrantView>(`/grants/${grantId}`).catch(() => undefined);
    if (now && now.body.version > version) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A form's values that are not what the API takes: shown before anything is sent. */
export class InvalidInput extends Error {}

/**
 * One write as a form: If-Match is the version the user saw, the Idempotency-Key is made once per
 * intent (a new one only after that intent was recorded). A 409 says someone moved first and
 * offers to reload; other problems show with the Problem component.
 */
export function WriteForm({ label, path, version, body, after, onDone, children, testId }: {
  label: string; path: string; version: number; body: () => unknown; after: () => Promise<void>; onDone: () => void; children?: ComponentChildren; testId?: string;
}) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newKey);
  const conflict = error instanceof ApiProblem && error.status === 409;
  return (
    <form class="action" aria-label={label} data-testid={testId} onSubmit={(e) => {
      e.preventDefault();
      setError(undefined);
      let payload: unknown;
      try {
        payload = body();
      } catch (invalid) {
        setError(invalid);
        return;
      }
      setBusy(true);
      post(path, payload, { ifMatch: version, idempotencyKey: key })
        .then(after)
        .then(() => { setKey(newKey()); onDone(); }, setError)
        .finally(() => setBusy(false));
    }}>
      {children}
      <button type="submit" disabled={busy}>{label}</button>
      {conflict ? (
        <div class="problem" role="alert" data-testid="conflict" data-status={409}>
          <strong>{t("conflict")}</strong> <button type="button" class="secondary" onClick={() => { setError(undefined); setKey(newKey()); onDone(); }}>{t("reload")}</button>
        </div>
      ) : <Problem error={error} />}
    </form>
  );
}

export const amountOf = (text: string): number => {
  const cents = parseAmount(text);
  if (cents === undefined) throw new InvalidInput(`${t("invalidAmount")}: ${text || "—"}`);
  return cents;
};

const grantForm = (g: GrantView, path: string) => ({ path: `/grants/${g.grantId}/${path}`, version: g.version, after: () => waitForGrant(g.grantId, g.version) });

/** SettleGrant (finance): R-TH-12 recomputes the grant on the approved final report. */
export function SettleForm({ grant, onDone }: { grant: GrantView; onDone: () => void }) {
  const [settledOn, setSettledOn] = useState(todayInAmsterdam());
  return (
    <WriteForm label={t("settle")} {...grantForm(grant, "settlement")} body={() => ({ settledOn })} onDone={onDone} testId="settle">
      <Field label={t("settledOn")}>{(id) => <input id={id} type="date" required value={settledOn} onInput={(e) => setSettledOn(e.currentTarget.value)} />}</Field>
    </WriteForm>
  );
}

/** RecordRecovery (finance): a repayment of the recovery claim arrived. */
export function RecoveryForm({ grant, onDone }: { grant: GrantView; onDone: () => void }) {
  const outstanding = (grant.settlement?.recoveryCents ?? 0) - grant.recoveredCents;
  const [amount, setAmount] = useState("");
  const [bankReference, setBankReference] = useState("");
  const [receivedOn, setReceivedOn] = useState(todayInAmsterdam());
  return (
    <WriteForm label={t("recordRecovery")} {...grantForm(grant, "recoveries")} body={() => ({ amountCents: amountOf(amount), bankReference, receivedOn })} onDone={onDone} testId="recovery">
      <p class="muted">{t("outstanding")}: {money(outstanding)}</p>
      <Field label={`${t("amount")} (€)`}>{(id) => <input id={id} inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field>
      <Field label={t("bankReference")}>{(id) => <input id={id} required value={bankReference} onInput={(e) => setBankReference(e.currentTarget.value)} />}</Field>
      <Field label={t("receivedOn")}>{(id) => <input id={id} type="date" required value={receivedOn} onInput={(e) => setReceivedOn(e.currentTarget.value)} />}</Field>
    </WriteForm>
  );
}

/** SubmitFinalReport (intake/admin): the grantee's results against an objective and the actual costs of a category. */
export function SubmitFinalReportForm({ grant, categories, onDone }: { grant: GrantView; categories: string[]; onDone: () => void }) {
  const [objective, setObjective] = useState("");
  const [achieved, setAchieved] = useState(true);
  const [note, setNote] = useState("");
  const [categoryId, setCategoryId] = useState(categories[0] ?? "");
  const [amount, setAmount] = useState("");
  const [submittedOn, setSubmittedOn] = useState(todayInAmsterdam());
  return (
    <WriteForm label={t("submitFinalReport")} {...grantForm(grant, "final-report")} onDone={onDone} testId="submit-final-report"
      body={() => ({ results: [{ objective, achieved, note }], actualCosts: [{ categoryId, amountCents: amountOf(amount) }], submittedOn })}>
      <div class="row">
        <Field label={t("objective")}>{(id) => <input id={id} required value={objective} onInput={(e) => setObjective(e.currentTarget.value)} />}</Field>
        <div class="field"><label><input type="checkbox" checked={achieved} onChange={(e) => setAchieved(e.currentTarget.checked)} /> {t("achieved")}</label></div>
        <Field label={t("note")}>{(id) => <input id={id} value={note} onInput={(e) => setNote(e.currentTarget.value)} />}</Field>
      </div>
      <div class="row">
        <Field label={t("category")}>{(id) => categories.length ? (
          <select id={id} value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>{categories.map((c) => <option value={c}>{c}</option>)}</select>
        ) : <input id={id} required value={categoryId} onInput={(e) => setCategoryId(e.currentTarget.value)} />}</Field>
        <Field label={t("actualCosts")}>{(id) => <input id={id} inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field>
        <Field label={t("submittedOn")}>{(id) => <input id={id} type="date" required value={submittedOn} onInput={(e) => setSubmittedOn(e.currentTarget.value)} />}</Field>
      </div>
    </WriteForm>
  );
}

/** ReviewFinalReport (assessor/admin): approve with the eligible costs it accounts for, or return with the reason. */
export function ReviewFinalReportForm({ grant, onDone }: { grant: GrantView; onDone: () => void }) {
  const [decision, setDecision] = useState<"approve" | "return">("approve");
  const [amount, setAmount] = useState("");
  const [text, setText] = useState("");
  const [on, setOn] = useState(todayInAmsterdam());
  return (
    <WriteForm label={decision === "approve" ? t("approveReport") : t("returnReport")} {...grantForm(grant, "final-report/review")} onDone={onDone} testId="review-final-report"
      body={() => decision === "approve" ? { decision, approvedEligibleCostsCents: amountOf(amount), on, ...(text.trim() ? { note: text } : {}) } : { decision, reason: text, on }}>
      <fieldset class="row">
        <legend>{t("decision")}</legend>
        <label><input type="radio" name="report-decision" checked={decision === "approve"} onChange={() => setDecision("approve")} /> {t("approveReport")}</label>
        <label><input type="radio" name="report-decision" checked={decision === "return"} onChange={() => setDecision("return")} /> {t("returnReport")}</label>
      </fieldset>
      <div class="row">
        {decision === "approve" ? <Field label={t("approvedEligibleCosts")}>{(id) => <input id={id} inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field> : null}
        <Field label={decision === "approve" ? t("note") : t("returnReason")}>{(id) => <input id={id} required={decision === "return"} value={text} onInput={(e) => setText(e.currentTarget.value)} />}</Field>
        <Field label={t("reviewedOn")}>{(id) => <input id={id} type="date" required value={on} onInput={(e) => setOn(e.currentTarget.value)} />}</Field>
      </div>
    </WriteForm>
  );
}

/** The finance forms a grant offers now (settle once the report is approved; recoveries while one is due). */
export function FinanceGrantForms({ grant, session, onDone }: { grant: GrantView; session: Session; onDone: () => void }) {
  return (
    <>
      {may(session.role, "SettleGrant") && !grant.settlement && grant.finalReport?.status === "approved" ? <SettleForm grant={grant} onDone={onDone} /> : null}
      {may(session.role, "RecordRecovery") && grant.status === "recovery-due" ? <RecoveryForm grant={grant} onDone={onDone} /> : null}
    </>
  );
}

/** The grant on the application page: its final report, settlement and recoveries, with the forms the role may use. */
export function GrantPanel({ grantId, session, categories }: { grantId: string; session: Session; categories: string[] }) {
  const loaded = useLoad(() => get<GrantView>(`/grants/${grantId}`).then((r) => r.body), [grantId]);
  return (
    <Section title={`${t("grant")}: ${t("finalReport")} / ${t("settlement")} / ${t("changeRequests")}`} id="grant">
      <Show loaded={loaded}>
        {(g) => (
          <>
            <dl data-testid="grant-summary">
              <dt>{t("status")}</dt><dd><StatusBadge status={g.status} /> <span class="muted">v{g.version}</span></dd>
              <dt>{t("awarded")}</dt><dd>{money(g.awardCents)}</dd>
              <dt>{t("paid")}</dt><dd>{money(g.paidCents)}</dd>
              <dt>{t("finalReport")}</dt><dd data-testid="final-report-status">{g.finalReport ? <><StatusBadge status={g.finalReport.status} />{g.finalReport.approvedEligibleCostsCents !== null ? ` ${money(g.finalReport.approvedEligibleCostsCents)}` : ""}{g.finalReport.returnReason ? ` — ${g.finalReport.returnReason}` : ""}</> : "—"}</dd>
              <dt>{t("settlement")}</dt><dd>{g.settlement ? `${money(g.settlement.finalGrantCents)}${g.settlement.recoveryCents ? `, −${money(g.settlement.recoveryCents)}` : ""}${g.settlement.settledOn ? ` · ${day(g.settlement.settledOn)}` : ""}` : "—"}</dd>
              <dt>{t("recovered")}</dt><dd>{money(g.recoveredCents)}</dd>
            </dl>
            {may(session.role, "SubmitFinalReport") && !g.settlement && g.finalReport?.status !== "approved" && g.finalReport?.status !== "submitted" ? (
              <SubmitFinalReportForm grant={g} categories={categories} onDone={loaded.reload} />
            ) : null}
            {may(session.role, "ReviewFinalReport") && g.finalReport?.status === "submitted" ? <ReviewFinalReportForm grant={g} onDone={loaded.reload} /> : null}
            <FinanceGrantForms grant={g} session={session} onDone={loaded.reload} />
            {!g.finalReport && !may(session.role, "SubmitFinalReport") ? <Empty /> : null}
            <ChangeRequests grant={g} session={session} onDone={loaded.reload} />
          </>
        )}
      </Show>
    </Section>
  );
}
