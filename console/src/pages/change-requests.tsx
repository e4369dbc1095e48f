import { useState } from "preact/hooks";
import { type Session, may } from "../api.ts";
import { type Label, day, money, t, todayInAmsterdam } from "../i18n.ts";
import { Empty, Field, StatusBadge } from "../ui.tsx";
import { InvalidInput, WriteForm, amountOf, waitForGrant } from "./grant.tsx";
import type { ChangeRequest, GrantView, RequestedChange } from "./types.ts";

const kinds: ReadonlyArray<RequestedChange["kind"]> = ["end-date-extension", "decrease", "cost-line-shift", "increase"];

/** A change's amount: as the grant's forms read it, and more than nothing. */
const positiveAmountOf = (text: string): number => {
  const cents = amountOf(text);
  if (cents <= 0) throw new InvalidInput(`${t("invalidAmount")}: ${text || "—"}`);
  return cents;
};

/** What a request asks, in a line. */
function requested(change: RequestedChange): string {
  switch (change.kind) {
    case "end-date-extension":
      return `${t("newEndDate")}: ${day(change.newEndDate)}`;
    case "decrease":
      return `−${money(change.decreaseCents)}`;
    case "cost-line-shift":
      return change.shifts.map((s) => `${money(s.amountCents)}: ${s.fromLineId} → ${s.toLineId}`).join("; ");
    case "increase":
      return `${change.basis.pupilCount} × VSO (${change.basis.partnerSchool})`;
  }
}

/** The committee's decision on one submitted request: grant, or refuse with the reasons. */
function DecideForm({ grant, request, onDone }: { grant: GrantView; request: ChangeRequest; onDone: () => void }) {
  const [decision, setDecision] = useState<"grant" | "refuse">("grant");
  const [reason, setReason] = useState("");
  const [decidedOn, setDecidedOn] = useState(todayInAmsterdam());
  return (
    <WriteForm
      label={decision === "grant" ? t("grantChange") : t("refuseChange")}
      path={`/grants/${grant.grantId}/change-requests/${request.requestId}/decision`}
      version={grant.version}
      after={() => waitForGrant(grant.grantId, grant.version)}
      onDone={onDone}
      testId="decide-change-request"
      body={() => (decision === "grant" ? { decision, decidedOn } : { decision, reasons: [reason], decidedOn })}
    >
      <fieldset class="row">
        <legend>{t("decision")}</legend>
        <label><input type="radio" name={`cr-${request.requestId}`} checked={decision === "grant"} onChange={() => setDecision("grant")} /> {t("grantChange")}</label>
        <label><input type="radio" name={`cr-${request.requestId}`} checked={decision === "refuse"} onChange={() => setDecision("refuse")} /> {t("refuseChange")}</label>
      </fieldset>
      <div class="row">
        {decision === "refuse" ? <Field label={t("reason")}>{(id) => <input id={id} required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}</Field> : null}
        <Field label={t("decidedOn")}>{(id) => <input id={id} type="date" required value={decidedOn} onInput={(e) => setDecidedOn(e.currentTarget.value)} />}</Field>
      </div>
    </WriteForm>
  );
}

/** Intake records a grantee's change request as it arrived (a letter or an email): what it asks and when it came. */
function SubmitForm({ grant, onDone }: { grant: GrantView; onDone: () => void }) {
  const [kind, setKind] = useState<RequestedChange["kind"]>("end-date-extension");
  const [newEndDate, setNewEndDate] = useState("");
  const [amount, setAmount] = useState("");
  const [fromLineId, setFromLineId] = useState("");
  const [toLineId, setToLineId] = useState("");
  const [partnerSchool, setPartnerSchool] = useState("");
  const [pupilCount, setPupilCount] = useState("");
  const [addendumRef, setAddendumRef] = useState("");
  const [receivedOn, setReceivedOn] = useState(todayInAmsterdam());
  const [explanation, setExplanation] = useState("");
  const change = (): RequestedChange => {
    switch (kind) {
      case "end-date-extension":
        return { kind, newEndDate };
      case "decrease":
        return { kind, decreaseCents: positiveAmountOf(amount) };
      case "cost-line-shift":
        return { kind, shifts: [{ fromLineId, toLineId, amountCents: positiveAmountOf(amount) }] };
      case "increase": {
        const pupils = Number(pupilCount);
        if (!Number.isInteger(pupils) || pupils <= 0) throw new InvalidInput(`${t("pupilCount")}: ${pupilCount || "—"}`);
        return { kind, basis: { kind: "vso-pupils", partnerSchool, pupilCount: pupils, addendumRef } };
      }
    }
  };
  return (
    <WriteForm
      label={t("submitChangeRequest")}
      path={`/grants/${grant.grantId}/change-requests`}
      version={grant.version}
      after={() => waitForGrant(grant.grantId, grant.version)}
      onDone={onDone}
      testId="submit-change-request"
      body={() => ({ change: change(), receivedOn, explanation: explanation.trim() || null })}
    >
      <div class="row">
        <Field label={t("changeKind")}>{(id) => (
          <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value as RequestedChange["kind"])}>
            {kinds.map((k) => <option value={k}>{t(`change_${k}` as Label)}</option>)}
          </select>
        )}</Field>
        {kind === "end-date-extension" ? <Field label={t("newEndDate")}>{(id) => <input id={id} type="date" required value={newEndDate} onInput={(e) => setNewEndDate(e.currentTarget.value)} />}</Field> : null}
        {kind === "decrease" || kind === "cost-line-shift" ? <Field label={`${t("amount")} (€)`}>{(id) => <input id={id} inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field> : null}
        {kind === "cost-line-shift" ? (
          <>
            <Field label={t("fromLine")}>{(id) => <input id={id} required value={fromLineId} onInput={(e) => setFromLineId(e.currentTarget.value)} />}</Field>
            <Field label={t("toLine")}>{(id) => <input id={id} required value={toLineId} onInput={(e) => setToLineId(e.currentTarget.value)} />}</Field>
          </>
        ) : null}
        {kind === "increase" ? (
          <>
            <Field label={t("partnerSchool")}>{(id) => <input id={id} required value={partnerSchool} onInput={(e) => setPartnerSchool(e.currentTarget.value)} />}</Field>
            <Field label={t("pupilCount")}>{(id) => <input id={id} inputMode="numeric" required value={pupilCount} onInput={(e) => setPupilCount(e.currentTarget.value)} />}</Field>
            <Field label={t("addendumRef")}>{(id) => <input id={id} required value={addendumRef} onInput={(e) => setAddendumRef(e.currentTarget.value)} />}</Field>
          </>
        ) : null}
      </div>
      <div class="row">
        <Field label={t("receivedOn")}>{(id) => <input id={id} type="date" required value={receivedOn} onInput={(e) => setReceivedOn(e.currentTarget.value)} />}</Field>
        <Field label={t("explanation")}>{(id) => <input id={id} value={explanation} onInput={(e) => setExplanation(e.currentTarget.value)} />}</Field>
      </div>
    </WriteForm>
  );
}

/**
 * Issue 13: a grant's change requests ("wijzigingsverzoeken"): what each asked, when it arrived and
 * what was decided (a refusal with its reasons and rule IDs, R-X-05); intake records a new one and
 * the committee decides the open ones, each form with the grant's version as If-Match.
 */
export function ChangeRequests({ grant, session, onDone }: { grant: GrantView; session: Session; onDone: () => void }) {
  const requests = grant.changeRequests ?? [];
  const decides = may(session.role, "DecideChangeRequest");
  const open = grant.status !== "settled" && grant.status !== "closed" && !grant.settlement;
  return (
    <div data-testid="change-requests">
      <h3>{t("changeRequests")}</h3>
      {requests.length === 0 ? <Empty /> : (
        <table>
          <thead><tr><th scope="col">{t("receivedOn")}</th><th scope="col">{t("changeKind")}</th><th scope="col">{t("requested")}</th><th scope="col">{t("status")}</th><th scope="col">{t("decision")}</th></tr></thead>
          <tbody>
            {requests.map((r) => {
              const amendment = grant.amendments?.find((a) => a.requestId === r.requestId);
              return (
                <tr data-testid="change-request-row" data-status={r.status}>
                  <td>{day(r.receivedOn)}</td>
                  <td>{t(`change_${r.kind}` as Label)}</td>
                  <td>{requested(r.change)}{r.explanation ? <div class="muted">{r.explanation}</div> : null}</td>
                  <td><StatusBadge status={r.status} /></td>
                  <td>
                    {r.decidedOn ? day(r.decidedOn) : null}
                    {amendment ? <div class="muted">{money(amendment.previousAmountCents)} → {money(amendment.amountCents)} <span class="mono">[{amendment.ruleIds.join(", ")}]</span></div> : null}
                    {r.refusal ? <div>{r.refusal.reasons.join("; ")} <span class="mono">[{r.refusal.ruleIds.join(", ")}]</span></div> : null}
                    {decides && r.status === "submitted" ? <DecideForm grant={grant} request={r} onDone={onDone} /> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {grant.plannedEndDate ? <p class="muted" data-testid="planned-end-date">{t("newEndDate")}: {day(grant.plannedEndDate)}</p> : null}
      {may(session.role, "SubmitChangeRequest") && open ? <SubmitForm grant={grant} onDone={onDone} /> : null}
    </div>
  );
}
