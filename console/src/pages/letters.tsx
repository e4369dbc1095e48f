import { useState } from "preact/hooks";
import { allPages, downloadFile, get, may, newKey, post } from "../api.ts";
import { type Label, dateTime, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Problem, Section, Show, StatusBadge, useLoad } from "../ui.tsx";

/** A letter as the letters routes answer it (issue 13): what was sent, and what became of it per recipient. */
export interface LetterItem {
  letterId: string;
  kind: string;
  applicationId: string;
  subject: string;
  pages: number;
  bytes: number;
  sha256: string;
  firstSentAt: string;
  attempts: number;
  latest: { attempt: number; sentAt: string; recipients: Array<{ address: string; outcome: "pending" | "accepted" | "refused" | "bounced"; reason: string | null; complaint?: string | null }> };
  delivery: "sending" | "delivered" | "undelivered";
  problems: string[];
  resendRequested: { attempt: number; by: string; reason: string } | null;
}

/**
 * Staff send an undelivered letter again: to the application's contacts, or to addresses they give
 * (one the applicant gave by phone). The same PDF goes out again; the reason is recorded with it.
 */
function ResendForm({ letter, onDone }: { letter: LetterItem; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [addresses, setAddresses] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // One key per intent: a double click asks once.
  const [key] = useState(newKey);
  if (!open) return <button type="button" onClick={() => setOpen(true)}>{t("resend")}</button>;
  const recipients = addresses.split(/[\s,;]+/).filter(Boolean);
  return (
    <form
      class="action"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        post(`/letters/${encodeURIComponent(letter.letterId)}/resend`, { reason, ...(recipients.length ? { recipients } : {}) }, { idempotencyKey: key }).then(() => { setOpen(false); onDone(); }, setError).finally(() => setBusy(false));
      }}
    >
      <Field label={t("resendTo")}>{(id) => <input id={id} type="text" inputMode="email" value={addresses} placeholder={t("resendToContacts")} onInput={(e) => setAddresses(e.currentTarget.value)} />}</Field>
      <Field label={t("reason")}>{(id) => <textarea id={id} required rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}</Field>
      <button type="submit" disabled={busy}>{t("confirm")}</button>
      <Problem error={error} />
    </form>
  );
}

/** The PDF as it was sent (the API renders it again from the log and checks its hash). */
function PdfButton({ letter }: { letter: LetterItem }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button type="button" class="secondary" disabled={busy} onClick={() => {
        setBusy(true);
        setError(undefined);
        downloadFile(`/letters/${encodeURIComponent(letter.letterId)}/pdf`, `brief-${letter.kind}-${letter.applicationId}.pdf`).catch(setError).finally(() => setBusy(false));
      }}>{t("downloadPdf")}</button>
      <Problem error={error} />
    </>
  );
}

/** Who the latest attempt went to, and what each mail service answered. */
function Recipients({ letter }: { letter: LetterItem }) {
  if (letter.latest.recipients.length === 0) return <span class="muted">{t("noContact")}</span>;
  return (
    <ul class="plain">
      {letter.latest.recipients.map((r) => (
        <li>
          {r.address} <StatusBadge status={r.outcome} />
          {r.reason ? <div class="muted">{r.reason}</div> : null}
          {/* Delivered, but reported as spam: later mail to the address may be suppressed. */}
          {r.complaint ? <div class="problem-text" data-testid="complaint">{t("reportedAsSpam")} ({r.complaint})</div> : null}
        </li>
      ))}
    </ul>
  );
}

function LettersTable({ letters, withApplication, mayResend, onResent }: { letters: LetterItem[]; withApplication: boolean; mayResend: boolean; onResent: (letter: LetterItem) => void }) {
  return (
    <table data-testid="letters-table">
      <thead>
        <tr>
          <th scope="col">{t("time")}</th>
          {withApplication ? <th scope="col">{t("application")}</th> : null}
          <th scope="col">{t("letterKind")}</th>
          <th scope="col">{t("subject")}</th>
          <th scope="col">{t("recipients")}</th>
          <th scope="col">{t("delivery")}</th>
          <th scope="col">{t("action")}</th>
        </tr>
      </thead>
      <tbody>
        {letters.map((letter) => (
          <tr data-testid="letter-row" data-kind={letter.kind}>
            <td>{dateTime(letter.firstSentAt)}{letter.attempts > 1 ? <div class="muted">{t("attempt")} {letter.latest.attempt}: {dateTime(letter.latest.sentAt)}</div> : null}</td>
            {withApplication ? <td><a href={`#/applications/${letter.applicationId}`}>{letter.applicationId}</a></td> : null}
            <td>{t(`letter_${letter.kind}` as Label)}</td>
            <td>{letter.subject}<div class="muted">{letter.pages} {t(letter.pages === 1 ? "page" : "pages")} · <span class="mono" title={letter.sha256}>{letter.sha256.slice(0, 12)}…</span></div></td>
            <td><Recipients letter={letter} /></td>
            <td><StatusBadge status={letter.resendRequested ? "sending" : letter.delivery} />{letter.resendRequested ? <div class="muted">{t("resendRequested")}: {letter.resendRequested.reason}</div> : null}</td>
            <td>
              <div class="actions"><PdfButton letter={letter} /></div>
              {mayResend && letter.delivery === "undelivered" && !letter.resendRequested ? <ResendForm letter={letter} onDone={() => onResent(letter)} /> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The list is a projection, a moment behind, and the letter is sent by the letters reaction after the
 * request: waits (at most about ten seconds) until the new attempt has an outcome, so staff see it.
 */
async function settledAfterResend(path: string, letter: LetterItem): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const now = (await get<{ items: LetterItem[] }>(path)).body.items.find((l) => l.letterId === letter.letterId);
    if (!now || (now.latest.attempt > letter.latest.attempt && !now.resendRequested && now.delivery !== "sending")) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Issue 13: every letter sent about an application, in the order of its decisions, with a re-send for the undelivered. */
export function ApplicationLetters({ applicationId, version, session }: { applicationId: string; version: number; session: PageProps["session"] }) {
  const path = `/applications/${encodeURIComponent(applicationId)}/letters`;
  const loaded = useLoad(() => get<{ items: LetterItem[] }>(path).then((r) => r.body.items), [applicationId, version]);
  return (
    <Section title={t("letters")} id="letters">
      <Show loaded={loaded}>
        {(letters) => letters.length === 0 ? <Empty /> : (
          <LettersTable letters={letters} withApplication={false} mayResend={may(session.role, "ResendLetter")} onResent={(l) => void settledAfterResend(path, l).then(loaded.reload, loaded.reload)} />
        )}
      </Show>
    </Section>
  );
}

/** Issue 13: letters that reached none or not all of their recipients, for staff to send again. */
export function UndeliveredLetters({ session }: Pick<PageProps, "session">) {
  const loaded = useLoad(() => allPages<LetterItem>("/letters/undelivered"), []);
  // The list is a projection, a moment behind the write: a letter staff just re-sent leaves it at once.
  const [resent, setResent] = useState<ReadonlyArray<string>>([]);
  return (
    <Section title={t("undeliveredLetters")} id="undelivered-letters">
      <Show loaded={loaded}>
        {(all) => {
          const letters = all.filter((l) => !resent.includes(l.letterId));
          return letters.length === 0 ? <Empty /> : (
            <LettersTable letters={letters} withApplication mayResend={may(session.role, "ResendLetter")} onResent={(l) => { setResent((r) => [...r, l.letterId]); loaded.reload(); }} />
          );
        }}
      </Show>
    </Section>
  );
}
