import { useState } from "preact/hooks";
import { get } from "../api.ts";
import { dateTime, t } from "../i18n.ts";
import type { PageProps } from "../main.tsx";
import { Field, Problem, Section } from "../ui.tsx";
import type { ExplainedEvent } from "./types.ts";

const projections = ["applications", "agenda", "budget-lines", "grants", "evaluation", "intake", "schemes"];

/** The auditor's views: any read model as it stood at a moment (as-of) and the events behind any document (explain). Read-only. */
export function AuditPage({ scheme }: PageProps) {
  const [projection, setProjection] = useState("budget-lines");
  const [id, setId] = useState("");
  const [at, setAt] = useState(() => new Date().toISOString());
  const [result, setResult] = useState<{ kind: "as-of" | "explain"; body: any }>();
  const [error, setError] = useState<unknown>();
  const query = () => `schemeId=${scheme.schemeId}&projection=${projection}${id.trim() ? `&id=${encodeURIComponent(id.trim())}` : ""}`;
  const run = (kind: "as-of" | "explain") => {
    setError(undefined);
    const path = kind === "as-of" ? `/audit/as-of?${query()}&at=${encodeURIComponent(at)}` : `/audit/explain?${query()}`;
    get(path).then((r) => setResult({ kind, body: r.body }), (e) => { setResult(undefined); setError(e); });
  };
  return (
    <>
      <h1>{t("audit")} <span class="badge">{t("readOnly")}</span></h1>
      <Section title={`${t("asOf")} / ${t("explain")}`} id="audit-query">
        <form class="row" onSubmit={(e) => { e.preventDefault(); run("as-of"); }}>
          <Field label={t("projection")}>{(fid) => <select id={fid} value={projection} onChange={(e) => setProjection(e.currentTarget.value)}>{projections.map((p) => <option>{p}</option>)}</select>}</Field>
          <Field label={t("documentId")}>{(fid) => <input id={fid} name="documentId" value={id} placeholder={`${scheme.schemeId}.…`} onInput={(e) => setId(e.currentTarget.value)} />}</Field>
          <Field label={t("at")}>{(fid) => <input id={fid} name="at" value={at} onInput={(e) => setAt(e.currentTarget.value)} />}</Field>
          <button type="submit">{t("asOf")}</button>
          <button type="button" class="secondary" onClick={() => run("explain")} disabled={!id.trim()}>{t("explain")}</button>
        </form>
        <Problem error={error} />
        {result?.kind === "explain" ? (
          <table data-testid="explain">
            <thead><tr><th scope="col">stream</th><th scope="col">v</th><th scope="col">{t("eventType")}</th><th scope="col">{t("time")}</th><th scope="col">{t("actor")}</th><th scope="col">{t("channel")}</th></tr></thead>
            <tbody>{(result.body.events as ExplainedEvent[]).map((e) => <tr><td class="mono">{e.streamId}</td><td class="num">{e.version}</td><td>{e.type}</td><td>{dateTime(e.recordedAt)}</td><td>{e.actor} <span class="muted">({e.role})</span></td><td>{e.channel}</td></tr>)}</tbody>
          </table>
        ) : null}
        {result ? <pre class="json" data-testid="audit-result" tabIndex={0}>{JSON.stringify(result.body, null, 2)}</pre> : null}
      </Section>
      <Section title={t("verify")} id="verify">
        <p class="muted">The API has no verify route: auditors run <code>npm run audit -- verify</code> (the backoffice-audit CLI) against the log. See the report's API gaps.</p>
      </Section>
    </>
  );
}
