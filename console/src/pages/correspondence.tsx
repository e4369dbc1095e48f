import { useState } from "preact/hooks";
import { allPages, get, may, newKey, post } from "../api.ts";
import { dateTime, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Field, Problem, Section, Show, useLoad } from "../ui.tsx";

interface Correspondence {
  messageKey: string;
  from: string | null;
  subject: string;
  receivedAt: string;
  schemeId: string | null;
  attachments: Array<{ name: string; bytes: number; stored: boolean }>;
  correspondence: { reason: "unknown-sender" | "not-an-application" | "unknown-reference"; explanation: string; applicationId: string | null; open: boolean };
}

/** One message and what staff can do with it: attach it to an application, answer the sender, or dismiss it with a reason. */
function Row({ item, onDone }: { item: Correspondence; onDone: () => void }) {
  const [action, setAction] = useState<"attach" | "answer" | "dismiss" | undefined>();
  const [applicationId, setApplicationId] = useState(item.correspondence.applicationId ?? "");
  const [addSender, setAddSender] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // One key per intent: a double click records once.
  const [key] = useState(newKey);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const path = `/correspondence/${item.messageKey}/${action === "attach" ? "attachment" : action === "answer" ? "answer" : "dismissal"}`;
    const body = action === "attach" ? { ...(applicationId ? { applicationId } : {}), addSenderAsContact: addSender } : action === "answer" ? { text } : { reason: text };
    post(path, body, { idempotencyKey: `${key}-${action}` }).then(onDone, setError).finally(() => setBusy(false));
  };
  return (
    <tr data-testid="correspondence-row">
      <td>{dateTime(item.receivedAt)}</td>
      <td>{item.from ?? "—"}</td>
      <td>{item.subject || <span class="muted">{t("noSubject")}</span>}<div class="muted">{item.attachments.length} {t(item.attachments.length === 1 ? "attachment" : "attachments")}</div></td>
      <td>{t(`correspondence_${item.correspondence.reason}` as const)}{item.correspondence.applicationId ? <div class="muted"><a href={`#/applications/${item.correspondence.applicationId}`}>{item.correspondence.applicationId}</a></div> : null}</td>
      <td>
        <div class="actions">
          {(["attach", "answer", "dismiss"] as const).map((a) => (
            <button type="button" aria-pressed={action === a} onClick={() => setAction(action === a ? undefined : a)}>{t(a)}</button>
          ))}
        </div>
        {action ? (
          <form onSubmit={submit}>
            {action === "attach" ? (
              <>
                <Field label={t("applicationId")}>{(id) => <input id={id} value={applicationId} required onInput={(e) => setApplicationId(e.currentTarget.value)} />}</Field>
                <label class="inline"><input type="checkbox" checked={addSender} onChange={(e) => setAddSender(e.currentTarget.checked)} /> {t("addSenderAsContact")}</label>
              </>
            ) : (
              <Field label={action === "answer" ? t("answerText") : t("reason")}>{(id) => <textarea id={id} required rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />}</Field>
            )}
            <button type="submit" disabled={busy}>{t("confirm")}</button>
            <Problem error={error} />
          </form>
        ) : null}
      </td>
    </tr>
  );
}

/** Issue 12: mail that changed nothing and waits for staff (a stranger's follow-up, a question, a reference to no application). */
export function CorrespondenceSection({ session }: Pick<PageProps, "session">) {
  const open = useLoad(() => (may(session.role, "ListCorrespondence") ? allPages<Correspondence>("/correspondence?status=open") : Promise.resolve(undefined)), []);
  // The inbox is a projection, a moment behind the write: what staff just handled leaves the list at once.
  const [handled, setHandled] = useState<ReadonlyArray<string>>([]);
  if (!may(session.role, "ListCorrespondence")) return null;
  const acts = may(session.role, "DismissCorrespondence");
  return (
    <Section title={t("correspondence")} id="correspondence">
      <Show loaded={open}>
        {(all) => {
          const items = all?.filter((item) => !handled.includes(item.messageKey));
          return !items?.length ? <Empty /> : (
          <table data-testid="correspondence-table">
            <thead><tr><th scope="col">{t("since")}</th><th scope="col">{t("from")}</th><th scope="col">{t("subject")}</th><th scope="col">{t("reason")}</th><th scope="col">{acts ? t("action") : ""}</th></tr></thead>
            <tbody>{items.map((item) => (acts ? <Row key={item.messageKey} item={item} onDone={() => { setHandled((h) => [...h, item.messageKey]); open.reload(); }} /> : (
              <tr data-testid="correspondence-row"><td>{dateTime(item.receivedAt)}</td><td>{item.from ?? "—"}</td><td>{item.subject}</td><td>{t(`correspondence_${item.correspondence.reason}` as const)}</td><td /></tr>
            )))}</tbody>
          </table>
          );
        }}
      </Show>
    </Section>
  );
}
