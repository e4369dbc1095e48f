import { useState } from "preact/hooks";
import { get, listApplications, may, newKey, post } from "../api.ts";
import { dateTime, day, money, t, todayInAmsterdam } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Problem, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import { DecisionPanel, waitForApplication } from "./decision.tsx";
import { GrantPanel, WriteForm } from "./grant.tsx";
import { ApplicationLetters } from "./letters.tsx";
import type { ApplicationView, ExplainedEvent } from "./types.ts";

/** The form's data as the API holds it; amounts (fields ending in Cents) as money. */
function Value({ value, name = "" }: { value: unknown; name?: string }) {
  if (value === null || value === undefined) return <>—</>;
  if (Array.isArray(value)) return value.length === 0 ? <>—</> : <ul class="plain">{value.map((v) => <li><Value value={v} /></li>)}</ul>;
  if (typeof value === "object") return <dl class="nested">{Object.entries(value).map(([k, v]) => <><dt>{k}</dt><dd><Value value={v} name={k} /></dd></>)}</dl>;
  if (typeof value === "number" && /Cents$/.test(name)) return <>{money(value)}</>;
  return <>{String(value)}</>;
}

/** One write button with its own Idempotency-Key and the version shown as If-Match. */
function Action({ label, path, body, version, onDone, children }: { label: string; path: string; body: () => unknown; version: number; onDone: () => void; children?: preact.ComponentChildren }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [key] = useState(newKey);
  return (
    <form class="action" onSubmit={(e) => {
      e.preventDefault();
      setBusy(true);
      setError(undefined);
      post(path, body(), { ifMatch: version, idempotencyKey: key }).then(onDone, setError).finally(() => setBusy(false));
    }}>
      {children}
      <button type="submit" disabled={busy}>{label}</button>
      <Problem error={error} />
    </form>
  );
}

/** Statuses the API no longer withdraws from. */
const closedStatuses = ["withdrawn", "rejected", "refused", "lapsed"];

/** The cost categories of the application's cost lines, offered for the final report's actual costs. */
const categoriesOf = (a: ApplicationView): string[] => {
  const lines = (a.details as { costLines?: Array<{ categoryId?: unknown }> } | null)?.costLines ?? [];
  return [...new Set(lines.flatMap((l) => (typeof l.categoryId === "string" ? [l.categoryId] : [])))];
};

const afterWrite = (applicationId: string, version: number, reload: () => void) => () => waitForApplication(applicationId, version).then(reload);

/** An application: its documents, sections, the form's data, the assessment, the decision and every event of its history. */
export function ApplicationPage({ rest, session, scheme }: PageProps) {
  const applicationId = rest[0] ?? "";
  const loaded = useLoad(() => get<ApplicationView>(`/applications/${encodeURIComponent(applicationId)}`).then((r) => r.body), [applicationId]);
  const [issuedOn, setIssuedOn] = useState(todayInAmsterdam());
  const [startedOn, setStartedOn] = useState(todayInAmsterdam());
  const [withdrawReason, setWithdrawReason] = useState("");
  return (
    <Show loaded={loaded}>
      {(a) => {
        const done = afterWrite(a.applicationId, a.version, loaded.reload);
        const roundId = a.queue?.roundId ?? scheme.committeeRounds[0]?.id ?? "";
        return (
          <>
            <h1>{a.technohub.name} <StatusBadge status={a.status} /></h1>
            <p class="muted">{t("application")} {a.applicationId} · {a.schemeId} · {a.instrumentId} · v{a.version} · {a.registeredVia}</p>
            <div class="grid">
              <Section title={t("application")} id="summary">
                <dl>
                  <dt>{t("applicant")}</dt><dd>{a.applicant.companyName}{a.applicant.chamberOfCommerceNumber ? ` (KvK ${a.applicant.chamberOfCommerceNumber})` : ""}</dd>
                  <dt>{t("region")}</dt><dd>{a.technohub.region ?? "—"}</dd>
                  <dt>{t("requested")}</dt><dd>{money(a.requestedAmountCents)}</dd>
                  <dt>{t("receivedAt")}</dt><dd>{dateTime(a.receivedAt)}</dd>
                  <dt>{t("round")}</dt><dd>{a.queue ? `${a.queue.roundId} (${dateTime(a.queue.completedAt)})` : "—"}</dd>
                  {a.refusal ? <><dt>{t("reason")}</dt><dd>{a.refusal.reason} [{a.refusal.ruleIds.join(", ")}]</dd></> : null}
                  {a.award ? <><dt>{t("awarded")}</dt><dd data-testid="awarded">{money(a.award.amountCents)} · {day(a.award.decidedOn)} · {a.award.formula}</dd></> : null}
                  {a.rejection ? <><dt>{t("reject")}</dt><dd>{a.rejection.reasons.join("; ")}</dd></> : null}
                  {a.awardLetter ? <><dt>{t("grant")}</dt><dd>{a.awardLetter.grantId} · {day(a.awardLetter.issuedOn)}</dd></> : null}
                </dl>
              </Section>
              <Section title={`${t("sections")} / ${t("documents")}`} id="sections">
                <ul class="plain">
                  {scheme.requiredSections.map((s) => (
                    <li>{a.sectionsReceived.includes(s.sectionId) ? "✔" : "✘"} {s.title}{a.missingSectionIds.includes(s.sectionId) ? <strong> — {t("missing")}</strong> : null}</li>
                  ))}
                </ul>
                {a.documents.length === 0 ? <Empty /> : (
                  <table><thead><tr><th scope="col">{t("documents")}</th><th scope="col">type</th><th scope="col" class="num">{t("size")}</th><th scope="col">sha256</th></tr></thead>
                    <tbody>{a.documents.map((d) => <tr><td>{d.name}</td><td>{d.contentType}</td><td class="num">{(d.bytes / 1024).toFixed(0)} KB</td><td class="mono">{d.sha256.slice(0, 12)}…</td></tr>)}</tbody>
                  </table>
                )}
                {a.documents.length ? <p class="muted">{t("noDownload")}</p> : null}
              </Section>
            </div>
            <Section title={t("formData")} id="details">{a.details ? <Value value={a.details} /> : <Empty />}</Section>
            <AssessmentSection a={a} />
            <OtherApplications a={a} />
            {may(session.role, "RecordCompleteness") && (a.status === "registered" || a.status === "incomplete") ? (
              <Section title={t("complete")} id="act-complete"><Action label={t("complete")} path={`/applications/${a.applicationId}/completeness`} body={() => ({ complete: true })} version={a.version} onDone={done} /></Section>
            ) : null}
            {may(session.role, "AssessApplication") && a.status === "queued" ? (
              <Section title={t("assess")} id="act-assess"><Action label={t("assess")} path={`/applications/${a.applicationId}/assessment`} body={() => ({ answers: {} })} version={a.version} onDone={done} /></Section>
            ) : null}
            {may(session.role, "RecordCommitteeDecision") && a.status === "queued" && a.assessment ? (
              <Section title={t("recordDecision")} id="act-decision"><DecisionPanel application={a} scheme={scheme} roundId={roundId} onDone={done} /></Section>
            ) : null}
            {may(session.role, "IssueAwardLetter") && a.status === "awarded" ? (
              <Section title={t("awardLetter")} id="act-letter">
                <Action label={t("awardLetter")} path={`/applications/${a.applicationId}/award-letter`} body={() => ({ issuedOn })} version={a.version} onDone={done}>
                  <Field label={t("issuedOn")}>{(id) => <input id={id} type="date" value={issuedOn} onInput={(e) => setIssuedOn(e.currentTarget.value)} />}</Field>
                </Action>
              </Section>
            ) : null}
            {a.awardLetter ? <GrantPanel grantId={a.awardLetter.grantId} session={session} categories={categoriesOf(a)} /> : null}
            {may(session.role, "ReportProjectStart") && (a.status === "awarded" || a.status === "granted") && !a.projectStartedOn ? (
              <Section title={t("projectStart")} id="act-project-start">
                <WriteForm label={t("projectStart")} path={`/applications/${a.applicationId}/project-start`} version={a.version} body={() => ({ startedOn })} after={() => waitForApplication(a.applicationId, a.version)} onDone={loaded.reload} testId="project-start">
                  <Field label={t("startedOn")}>{(id) => <input id={id} type="date" required value={startedOn} onInput={(e) => setStartedOn(e.currentTarget.value)} />}</Field>
                </WriteForm>
              </Section>
            ) : a.projectStartedOn ? <p class="muted" data-testid="project-started">{t("startedOn")}: {day(a.projectStartedOn)}</p> : null}
            {may(session.role, "WithdrawApplication") && !closedStatuses.includes(a.status) ? (
              <Section title={t("withdraw")} id="act-withdraw">
                <WriteForm label={t("withdraw")} path={`/applications/${a.applicationId}/withdrawal`} version={a.version} body={() => ({ reason: withdrawReason })} after={() => waitForApplication(a.applicationId, a.version)} onDone={loaded.reload} testId="withdraw">
                  <Field label={t("withdrawReason")}>{(id) => <textarea id={id} required rows={2} value={withdrawReason} onInput={(e) => setWithdrawReason(e.currentTarget.value)} />}</Field>
                </WriteForm>
              </Section>
            ) : a.withdrawal ? <p class="muted">{t("withdraw")}: {a.withdrawal.reason} ({money(a.withdrawal.releasedCents)})</p> : null}
            <ApplicationLetters applicationId={a.applicationId} version={a.version} session={session} />
            <History a={a} role={session.role} />
          </>
        );
      }}
    </Show>
  );
}

function AssessmentSection({ a }: { a: ApplicationView }) {
  if (!a.assessment) return <Section title={t("assessment")} id="assessment"><Empty /></Section>;
  const s = a.assessment;
  return (
    <Section title={t("assessment")} id="assessment">
      <table data-testid="checks">
        <thead><tr><th scope="col">{t("check")}</th><th scope="col">{t("outcome")}</th><th scope="col">{t("reason")}</th><th scope="col">{t("rule")}</th></tr></thead>
        <tbody>{s.checks.map((c) => <tr><td>{c.checkId}</td><td><StatusBadge status={c.outcome} /></td><td>{c.reason}</td><td class="mono">{c.ruleIds.join(", ")}</td></tr>)}</tbody>
      </table>
      <dl>
        <dt>{t("eligible")}</dt><dd>{s.eligible ? "✔" : "✘"}</dd>
        <dt>{t("maximum")}</dt><dd data-testid="maximum">{money(s.maximumAmountCents)}</dd>
        <dt>{t("derivation")}</dt><dd><code>{s.derivation.formula}</code> <span class="mono">[{s.derivation.ruleIds.join(", ")}]</span><Value value={s.derivation.inputs} /></dd>
      </dl>
    </Section>
  );
}

/** R-TH-07/08: the hub's other applications and the region's, from the same list the assessor's checks read. */
function OtherApplications({ a }: { a: ApplicationView }) {
  const loaded = useLoad(() => Promise.all([listApplications<ApplicationView>(a.schemeId, { hub: a.technohub.name }), a.technohub.region ? listApplications<ApplicationView>(a.schemeId, { region: a.technohub.region }) : Promise.resolve([])]).then(([hub, region]) => [...new Map([...hub, ...region].map((o) => [o.applicationId, o])).values()].filter((o) => o.applicationId !== a.applicationId)), [a.applicationId]);
  return (
    <Section title={t("others")} id="others">
      <Show loaded={loaded}>
        {(items) => items.length === 0 ? <Empty /> : (
          <table><thead><tr><th scope="col">{t("technohub")}</th><th scope="col">{t("region")}</th><th scope="col">{t("status")}</th><th scope="col">{t("receivedAt")}</th></tr></thead>
            <tbody>{items.map((o) => <tr><td><a href={`#/applications/${o.applicationId}`}>{o.technohub.name}</a></td><td>{o.technohub.region}</td><td><StatusBadge status={o.status} /></td><td>{dateTime(o.receivedAt)}</td></tr>)}</tbody>
          </table>
        )}
      </Show>
    </Section>
  );
}

/** Every event of the application's stream in order, from the explain view; other roles see its mail. */
function History({ a, role }: { a: ApplicationView; role: PageProps["session"]["role"] }) {
  const explains = may(role, "ExplainDocument");
  const loaded = useLoad(async () => {
    if (explains) return (await get<{ events: ExplainedEvent[] }>(`/audit/explain?schemeId=${a.schemeId}&projection=applications&id=${a.applicationId}`)).body.events;
    if (may(role, "ListApplicationMail")) return (await get<{ items: Array<{ receivedAt: string; subject: string; from: string | null; status: string }> }>(`/applications/${a.applicationId}/mail`)).body.items.map((m) => ({ type: `mail: ${m.subject}`, recordedAt: m.receivedAt, actor: m.from ?? "—", channel: "email", version: 0, role: m.status, streamId: "", eventId: m.receivedAt }));
    return [] as ExplainedEvent[];
  }, [a.applicationId, a.version]);
  return (
    <Section title={t("history")} id="history">
      {!explains ? <p class="muted">{t("historyNeedsAudit")}</p> : null}
      <Show loaded={loaded}>
        {(events) => events.length === 0 ? <Empty /> : (
          <table data-testid="history">
            <thead><tr><th scope="col">#</th><th scope="col">{t("eventType")}</th><th scope="col">{t("time")}</th><th scope="col">{t("actor")}</th><th scope="col">{t("channel")}</th></tr></thead>
            <tbody>{events.map((e) => <tr><td class="num">{e.version || ""}</td><td>{e.type}</td><td>{dateTime(e.recordedAt)}</td><td>{e.actor} {e.role ? <span class="muted">({e.role})</span> : null}</td><td>{e.channel}</td></tr>)}</tbody>
          </table>
        )}
      </Show>
    </Section>
  );
}
