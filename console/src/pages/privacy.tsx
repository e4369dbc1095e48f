import { useState } from "preact/hooks";
import { type DataSubjectKind, dataSubjectKinds } from "../../../events/personal-data.ts";
import { ApiProblem, newKey, post } from "../api.ts";
import { type Label, day, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Field, Problem, Section } from "../ui.tsx";

/** GDPR art. 17(1)'s grounds; the retention ground (art. 5(1)(e)) is the retention run's, never a request's. */
const legalBases = ["gdpr-17-1-a", "gdpr-17-1-b", "gdpr-17-1-c", "gdpr-17-1-d", "gdpr-17-1-e", "gdpr-17-1-f"] as const;

type Outcome =
  | { kind: "erased"; subjectId: string; applicationIds: string[] }
  | { kind: "refused"; reason: string; code: string; erasableFrom: string | null; applicationIds: string[] };

/**
 * Issue 16: an admin records a data subject's erasure request (GDPR art. 17). Granted, the subject's
 * key is destroyed and every read shows `[erased]`; refused (a running file, the fiscal retention
 * period), the refusal is recorded and shown with its reason and the date from which it is possible.
 * The identity is used to find the subject and is never recorded.
 */
export function PrivacyPage(_props: PageProps) {
  const [subjectKind, setSubjectKind] = useState<DataSubjectKind>("contact");
  const [identity, setIdentity] = useState("");
  const [legalBasis, setLegalBasis] = useState<(typeof legalBases)[number]>("gdpr-17-1-a");
  const [note, setNote] = useState("");
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // One key per request: a double click records it once; a new one after each answer.
  const [key, setKey] = useState(newKey);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    post<{ subjectId: string; applicationIds: string[] }>("/data-subjects/erasure-requests", { subjectKind, identity, legalBasis, note: note.trim() || null }, { idempotencyKey: key })
      .then(
        (r) => setOutcome({ kind: "erased", subjectId: r.body.subjectId, applicationIds: r.body.applicationIds }),
        (problem: unknown) => {
          const details = problem instanceof ApiProblem && problem.status === 409 ? (problem.problem.details as { code?: string; erasableFrom?: string | null; applicationIds?: string[] } | undefined) : undefined;
          if (problem instanceof ApiProblem && details?.code) {
            setOutcome({ kind: "refused", reason: problem.message, code: details.code, erasableFrom: details.erasableFrom ?? null, applicationIds: details.applicationIds ?? [] });
          } else setError(problem);
        },
      )
      .finally(() => {
        setBusy(false);
        setKey(newKey());
      });
  };
  return (
    <>
      <h1>{t("privacy")}</h1>
      <Section title={t("erasureRequest")} id="erasure">
        <p class="muted">{t("erasureExplained")}</p>
        <form class="action" aria-label={t("erasureRequest")} onSubmit={submit}>
          <div class="row">
            <Field label={t("subjectKind")}>{(id) => (
              <select id={id} value={subjectKind} onChange={(e) => setSubjectKind(e.currentTarget.value as DataSubjectKind)}>
                {dataSubjectKinds.map((k) => <option value={k}>{t(`subject_${k}` as Label)}</option>)}
              </select>
            )}</Field>
            <Field label={t("identity")}>{(id) => <input id={id} required autocomplete="off" value={identity} onInput={(e) => setIdentity(e.currentTarget.value)} />}</Field>
            <Field label={t("legalBasis")}>{(id) => (
              <select id={id} value={legalBasis} onChange={(e) => setLegalBasis(e.currentTarget.value as (typeof legalBases)[number])}>
                {legalBases.map((b) => <option value={b}>{t(`basis_${b}` as Label)}</option>)}
              </select>
            )}</Field>
          </div>
          <Field label={t("note")}>{(id) => <input id={id} value={note} onInput={(e) => setNote(e.currentTarget.value)} />}</Field>
          <button type="submit" disabled={busy}>{t("eraseSubmit")}</button>
          <Problem error={error} />
        </form>
        {outcome?.kind === "erased" ? (
          <div role="status" data-testid="erasure-outcome" data-outcome="erased">
            <strong>{t("erased")}</strong> <span class="mono">{outcome.subjectId}</span>
            {outcome.applicationIds.length ? <p>{t("applications")}: {outcome.applicationIds.map((a) => <a href={`#/applications/${a}`}>{a} </a>)}</p> : null}
          </div>
        ) : null}
        {outcome?.kind === "refused" ? (
          <div class="problem" role="alert" data-testid="erasure-outcome" data-outcome="refused">
            <strong>{t("erasureRefused")}</strong>: {outcome.reason}
            <p>{outcome.erasableFrom ? `${t("erasableFrom")}: ${day(outcome.erasableFrom)}` : t("erasableWhenClosed")}</p>
            {outcome.applicationIds.length ? <p>{t("applications")}: {outcome.applicationIds.map((a) => <a href={`#/applications/${a}`}>{a} </a>)}</p> : null}
          </div>
        ) : null}
      </Section>
    </>
  );
}
