import { useState } from "preact/hooks";
import { allPages, download, get, listApplications, may, newKey, post } from "../api.ts";
import { day, money, parseAmount, t, todayInAmsterdam } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Problem, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import { FinanceGrantForms, waitForGrant } from "./grant.tsx";
import type { ApplicationView, GrantView, Payout } from "./types.ts";

function GrantWrite({ label, grant, path, body, onDone, children }: { label: string; grant: GrantView; path: string; body: () => unknown; onDone: () => void; children?: preact.ComponentChildren }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [key] = useState(newKey);
  return (
    <form class="action" aria-label={label} onSubmit={(e) => {
      e.preventDefault();
      setBusy(true);
      setError(undefined);
      post(`/grants/${grant.grantId}/${path}`, body(), { ifMatch: grant.version, idempotencyKey: key })
        .then(() => waitForGrant(grant.grantId, grant.version))
        .then(onDone, setError)
        .finally(() => setBusy(false));
    }}>
      {children}
      <button type="submit" disabled={busy}>{label}</button>
      <Problem error={error} />
    </form>
  );
}

function RegisterInvoice({ grants, onDone }: { grants: GrantView[]; onDone: () => void }) {
  const [grantId, setGrantId] = useState(grants[0]?.grantId ?? "");
  const grant = grants.find((g) => g.grantId === grantId);
  const [trancheId, setTrancheId] = useState(grant?.tranches[0]?.trancheId ?? "");
  const [invoiceNumber, setInvoiceNumber] = useState("");
  const [invoiceDate, setInvoiceDate] = useState(todayInAmsterdam());
  const [amount, setAmount] = useState("");
  const [iban, setIban] = useState("");
  const [documentRef, setDocumentRef] = useState("");
  if (!grant) return <Empty />;
  return (
    <GrantWrite label={t("registerInvoice")} grant={grant} path="invoices" onDone={onDone}
      body={() => ({ trancheId, invoiceNumber, invoiceDate, amountCents: parseAmount(amount) ?? -1, iban, documentRef })}>
      <div class="row">
        <Field label={t("grant")}>{(id) => <select id={id} value={grantId} onChange={(e) => { setGrantId(e.currentTarget.value); setTrancheId(grants.find((g) => g.grantId === e.currentTarget.value)?.tranches[0]?.trancheId ?? ""); }}>{grants.map((g) => <option value={g.grantId}>{g.technohub}</option>)}</select>}</Field>
        <Field label={t("tranche")}>{(id) => <select id={id} value={trancheId} onChange={(e) => setTrancheId(e.currentTarget.value)}>{grant.tranches.map((tr) => <option value={tr.trancheId}>{tr.trancheId} ({money(tr.amountCents)})</option>)}</select>}</Field>
        <Field label={t("invoiceNumber")}>{(id) => <input id={id} name="invoiceNumber" required value={invoiceNumber} onInput={(e) => setInvoiceNumber(e.currentTarget.value)} />}</Field>
        <Field label={t("invoiceDate")}>{(id) => <input id={id} type="date" required value={invoiceDate} onInput={(e) => setInvoiceDate(e.currentTarget.value)} />}</Field>
        <Field label={`${t("amount")} (€)`}>{(id) => <input id={id} name="amount" inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}</Field>
        <Field label={t("iban")}>{(id) => <input id={id} name="iban" required value={iban} onInput={(e) => setIban(e.currentTarget.value)} />}</Field>
        <Field label={t("documentRef")}>{(id) => <input id={id} name="documentRef" required value={documentRef} onInput={(e) => setDocumentRef(e.currentTarget.value)} />}</Field>
      </div>
    </GrantWrite>
  );
}

function PayForm({ grant, invoiceId, onDone }: { grant: GrantView; invoiceId: string; onDone: () => void }) {
  const [bankReference, setBankReference] = useState("");
  const [valueDate, setValueDate] = useState(todayInAmsterdam());
  return (
    <GrantWrite label={t("pay")} grant={grant} path={`invoices/${invoiceId}/payment`} body={() => ({ bankReference, valueDate })} onDone={onDone}>
      <Field label={t("bankReference")}>{(id) => <input id={id} name="bankReference" required value={bankReference} onInput={(e) => setBankReference(e.currentTarget.value)} />}</Field>
      <Field label={t("valueDate")}>{(id) => <input id={id} type="date" required value={valueDate} onInput={(e) => setValueDate(e.currentTarget.value)} />}</Field>
    </GrantWrite>
  );
}

/** Finance: invoices for the second pair of eyes (never one's own), payments, final reports, settlements, recoveries; the payout history. */
export function FinancePage({ scheme, session }: PageProps) {
  const grants = useLoad(async () => {
    const applications = await listApplications<ApplicationView>(scheme.schemeId);
    const ids = applications.flatMap((a) => (a.awardLetter ? [a.awardLetter.grantId] : []));
    return Promise.all(ids.map(async (id) => (await get<GrantView>(`/grants/${id}`)).body));
  }, [scheme.schemeId]);
  const writes = may(session.role, "ApprovePayment");
  const settles = may(session.role, "SettleGrant") || may(session.role, "RecordRecovery");
  const invoicesOf = (gs: GrantView[], status: string) => gs.flatMap((g) => g.invoices.filter((i) => i.status === status).map((i) => ({ g, i })));
  return (
    <>
      <h1>{t("finance")}: {scheme.title}</h1>
      <Show loaded={grants}>
        {(gs) => (
          <>
            <Section title={t("awaitingApproval")} id="approvals">
              {invoicesOf(gs, "registered").length === 0 ? <Empty /> : (
                <table data-testid="approvals">
                  <thead><tr><th scope="col">{t("grant")}</th><th scope="col">{t("invoiceNumber")}</th><th scope="col">{t("tranche")}</th><th scope="col" class="num">{t("amount")}</th><th scope="col">{t("iban")}</th><th scope="col">{t("registeredBy")}</th><th scope="col"><span class="sr-only">{t("approve")}</span></th></tr></thead>
                  <tbody>{invoicesOf(gs, "registered").map(({ g, i }) => (
                    <tr data-invoice={i.invoiceNumber}>
                      <td>{g.technohub}</td><td>{i.invoiceNumber} <span class="muted">{day(i.invoiceDate)}</span></td><td>{i.trancheId}</td><td class="num">{money(i.amountCents)}</td><td class="mono">{i.ibanMasked}</td><td>{i.registeredBy}</td>
                      <td>{!writes ? null : i.registeredBy === session.subject ? <span class="muted">{t("ownInvoice")}</span> : <GrantWrite label={t("approve")} grant={g} path={`invoices/${i.invoiceId}/approval`} body={() => ({})} onDone={grants.reload} />}</td>
                    </tr>
                  ))}</tbody>
                </table>
              )}
            </Section>
            <Section title={t("pay")} id="payments">
              {invoicesOf(gs, "approved").length === 0 ? <Empty /> : (
                <table data-testid="payments">
                  <thead><tr><th scope="col">{t("grant")}</th><th scope="col">{t("invoiceNumber")}</th><th scope="col" class="num">{t("amount")}</th><th scope="col">{t("approvedBy")}</th><th scope="col"><span class="sr-only">{t("pay")}</span></th></tr></thead>
                  <tbody>{invoicesOf(gs, "approved").map(({ g, i }) => (
                    <tr data-invoice={i.invoiceNumber}><td>{g.technohub}</td><td>{i.invoiceNumber}</td><td class="num">{money(i.amountCents)}</td><td>{i.approvedBy}</td><td>{writes ? <PayForm grant={g} invoiceId={i.invoiceId} onDone={grants.reload} /> : null}</td></tr>
                  ))}</tbody>
                </table>
              )}
            </Section>
            {may(session.role, "RegisterInvoice") ? <Section title={t("registerInvoice")} id="register-invoice"><RegisterInvoice grants={gs} onDone={grants.reload} /></Section> : null}
            <Section title={t("finalReports")} id="grants">
              {gs.length === 0 ? <Empty /> : (
                <table data-testid="grants">
                  <thead><tr><th scope="col">{t("grant")}</th><th scope="col">{t("status")}</th><th scope="col" class="num">{t("awarded")}</th><th scope="col" class="num">{t("paid")}</th><th scope="col">{t("finalReport")}</th><th scope="col">{t("settlement")}</th><th scope="col" class="num">{t("recovered")}</th>{settles ? <th scope="col">{t("action")}</th> : null}</tr></thead>
                  <tbody>{gs.map((g) => (
                    <tr data-grant={g.grantId}><td><a href={`#/applications/${g.applicationId}`}>{g.technohub}</a></td><td><StatusBadge status={g.status} /></td><td class="num">{money(g.awardCents)}</td><td class="num">{money(g.paidCents)}</td>
                      <td>{g.finalReport ? `${g.finalReport.status}${g.finalReport.approvedEligibleCostsCents !== null ? ` (${money(g.finalReport.approvedEligibleCostsCents)})` : ""}` : "—"}</td>
                      <td>{g.settlement ? `${money(g.settlement.finalGrantCents)}${g.settlement.recoveryCents ? `, −${money(g.settlement.recoveryCents)}` : ""}` : "—"}</td>
                      <td class="num">{money(g.recoveredCents)}</td>
                      {settles ? <td><FinanceGrantForms grant={g} session={session} onDone={grants.reload} /></td> : null}</tr>
                  ))}</tbody>
                </table>
              )}
            </Section>
          </>
        )}
      </Show>
      {may(session.role, "ListPayouts") ? <PayoutHistory schemeId={scheme.schemeId} grantsVersion={grants.data?.reduce((s, g) => s + g.version, 0) ?? 0} /> : null}
    </>
  );
}

/** The payout history with its filters and the CSV; loaded again whenever a grant moved on (`grantsVersion`). */
function PayoutHistory({ schemeId, grantsVersion }: { schemeId: string; grantsVersion: number }) {
  const [technohub, setTechnohub] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [query, setQuery] = useState("");
  const [error, setError] = useState<unknown>();
  // Every page of the history (the API answers a page at a time, issue 15); the total is over all of them.
  const loaded = useLoad(
    () => allPages<Payout>(`/payouts?schemeId=${schemeId}${query}`).then((items) => ({ items, totalCents: items.reduce((sum, p) => sum + p.amountCents, 0) })),
    [schemeId, query, grantsVersion],
  );
  const filters = () => {
    const p = new URLSearchParams();
    if (technohub.trim()) p.set("technohub", technohub.trim());
    if (from) p.set("from", from);
    if (to) p.set("to", to);
    return p.toString() ? `&${p}` : "";
  };
  return (
    <Section title={t("payouts")} id="payouts">
      <form class="row" onSubmit={(e) => { e.preventDefault(); setQuery(filters()); }}>
        <Field label={t("technohub")}>{(id) => <input id={id} name="technohub" value={technohub} onInput={(e) => setTechnohub(e.currentTarget.value)} />}</Field>
        <Field label={t("from")}>{(id) => <input id={id} type="date" name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />}</Field>
        <Field label={t("to")}>{(id) => <input id={id} type="date" name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />}</Field>
        <button type="submit">{t("filter")}</button>
        <button type="button" class="secondary" onClick={() => download(`/payouts?schemeId=${schemeId}${filters()}&format=csv`, `payouts-${schemeId}.csv`).catch(setError)}>{t("downloadCsv")}</button>
      </form>
      <Problem error={error} />
      <Show loaded={loaded}>
        {({ items, totalCents }) => items.length === 0 ? <Empty /> : (
          <table data-testid="payout-table">
            <thead><tr><th scope="col">{t("valueDate")}</th><th scope="col">{t("kind")}</th><th scope="col">{t("technohub")}</th><th scope="col">{t("tranche")}</th><th scope="col">{t("invoiceNumber")}</th><th scope="col">{t("registeredBy")} / {t("approvedBy")}</th><th scope="col">{t("bankReference")}</th><th scope="col" class="num">{t("amount")}</th></tr></thead>
            <tbody>{items.map((p) => <tr><td>{day(p.valueDate)}</td><td>{p.kind}</td><td>{p.technohub}</td><td>{p.trancheId ?? "—"}</td><td>{p.invoiceNumber ?? "—"}</td><td>{p.registeredBy ?? "—"} / {p.approvedBy ?? "—"}</td><td>{p.bankReference}</td><td class="num">{money(p.amountCents)}</td></tr>)}</tbody>
            <tfoot><tr><th scope="row" colSpan={7}>{t("total")}</th><td class="num" data-testid="payout-total">{money(totalCents)}</td></tr></tfoot>
          </table>
        )}
      </Show>
    </Section>
  );
}
