import { useState } from "preact/hooks";
import { allPages, listApplications, may } from "../api.ts";
import { dateTime, money, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Empty, Section, Show, StatusBadge, useLoad } from "../ui.tsx";
import { CorrespondenceSection } from "./correspondence.tsx";
import { UndeliveredLetters } from "./letters.tsx";
import type { ApplicationView } from "./types.ts";

const waiting = ["registered", "incomplete", "refused"];

interface MailFailure {
  messageKey: string;
  from: string | null;
  subject: string;
  receivedAt: string;
  schemeId: string | null;
  failure: { code: string; reason: string; ruleIds: string[] } | null;
  sameMessageIdAs: string[];
}

/** Intake's inbox: new, incomplete and refused applications with what is missing since when, and mail that could not be filed. */
export function InboxPage({ scheme, session }: PageProps) {
  const [all, setAll] = useState(false);
  const applications = useLoad(() => listApplications<ApplicationView>(scheme.schemeId), [scheme.schemeId]);
  const failures = useLoad(() => (may(session.role, "ListIntakeFailures") ? allPages<MailFailure>("/intake/failures") : Promise.resolve(undefined)), []);
  const sectionTitle = (id: string) => scheme.requiredSections.find((s) => s.sectionId === id)?.title ?? id;
  return (
    <>
      <h1>{t("inbox")}: {scheme.title}</h1>
      <Section title={all ? t("allApplications") : t("applications")} id="inbox">
        <label class="inline">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> {t("allApplications")}
        </label>
        <Show loaded={applications}>
          {(items) => {
            const shown = items.filter((a) => all || waiting.includes(a.status));
            return shown.length === 0 ? <Empty /> : (
              <table data-testid="inbox-table">
                <thead><tr><th scope="col">{t("technohub")}</th><th scope="col">{t("applicant")}</th><th scope="col">{t("status")}</th><th scope="col">{t("missing")}</th><th scope="col">{t("since")}</th><th scope="col" class="num">{t("requested")}</th></tr></thead>
                <tbody>
                  {shown.map((a) => (
                    <tr>
                      <td><a href={`#/applications/${a.applicationId}`}>{a.technohub.name}</a><div class="muted">{a.technohub.region ?? ""}</div></td>
                      <td>{a.applicant.companyName}</td>
                      <td><StatusBadge status={a.status} />{a.refusal ? <div class="muted">{a.refusal.reason} [{a.refusal.ruleIds.join(", ")}]</div> : null}</td>
                      <td>{a.missingSectionIds.length ? a.missingSectionIds.map(sectionTitle).join(", ") : "—"}</td>
                      <td>{dateTime(a.receivedAt)}</td>
                      <td class="num">{money(a.requestedAmountCents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </Show>
      </Section>
      <CorrespondenceSection session={session} />
      {may(session.role, "ListUndeliveredLetters") ? <UndeliveredLetters session={session} /> : null}
      {may(session.role, "ListIntakeFailures") ? (
        <Section title={t("mailFailures")} id="failures">
          <Show loaded={failures}>
            {(items) => !items?.length ? <Empty /> : (
              <table data-testid="failures-table">
                <thead><tr><th scope="col">{t("since")}</th><th scope="col">From</th><th scope="col">Subject</th><th scope="col">{t("reason")}</th></tr></thead>
                <tbody>
                  {items.map((f) => (
                    <tr>
                      <td>{dateTime(f.receivedAt)}</td>
                      <td>{f.from ?? "—"}</td>
                      <td>{f.subject}</td>
                      <td>{f.failure ? `${f.failure.reason} [${f.failure.ruleIds.join(", ")}]` : "—"}{f.sameMessageIdAs.length ? <div class="muted">Message-ID reused: {f.sameMessageIdAs.join(", ")}</div> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Show>
        </Section>
      ) : null}
    </>
  );
}
