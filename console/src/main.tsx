import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { staffRoles, type StaffRole } from "../../functions/api/routes.ts";
import { type Session, currentSession, get, saveSession, whenUnauthorized } from "./api.ts";
import { type ConsoleConfig, cognitoSignOutUrl, finishCognitoSignIn, loadConfig, localSignIn, startCognitoSignIn } from "./auth.ts";
import { type Label, type Lang, lang, setLang, t } from "./i18n.ts";
import { ApplicationPage } from "./pages/application.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { BudgetPage } from "./pages/budget.tsx";
import { CommitteePage } from "./pages/committee.tsx";
import { EvaluationPage } from "./pages/evaluation.tsx";
import { FinancePage } from "./pages/finance.tsx";
import { InboxPage } from "./pages/inbox.tsx";
import { PrivacyPage } from "./pages/privacy.tsx";
import { Field, Problem } from "./ui.tsx";

/** Pages in the navigation, each shown to the roles whose work it is (the API decides what they may do). */
const pages: ReadonlyArray<{ path: string; label: Label; roles: ReadonlyArray<StaffRole> }> = [
  { path: "inbox", label: "inbox", roles: ["intake", "assessor", "auditor", "admin"] },
  { path: "committee", label: "committee", roles: ["committee-secretary", "auditor", "admin"] },
  { path: "finance", label: "finance", roles: ["finance", "auditor", "admin"] },
  { path: "budget", label: "budget", roles: staffRoles },
  { path: "evaluation", label: "evaluation", roles: ["assessor", "committee-secretary", "auditor", "admin"] },
  { path: "audit", label: "audit", roles: ["auditor", "admin"] },
  { path: "privacy", label: "privacy", roles: ["admin"] },
];

export interface SchemeSummary {
  schemeId: string;
  title: string;
  committeeRounds: Array<{ id: string; submissionDeadline: string; expectedMeetingDate: string | null; instrumentIds: string[] }>;
  instruments: Array<{ instrumentId: string; name: string; budgetLineId: string; maxAmountCents: number }>;
  requiredSections: Array<{ sectionId: string; title: string }>;
}

const route = () => location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);

function useRoute() {
  const [parts, setParts] = useState(route);
  useEffect(() => {
    const changed = () => setParts(route());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return parts;
}

function SignIn({ config, onSignedIn }: { config: ConsoleConfig; onSignedIn: (s: Session) => void }) {
  const [role, setRole] = useState<string>("intake");
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>();
  if (config.auth === "cognito") {
    return (
      <main id="main" class="sign-in">
        <h1>{t("appTitle")}</h1>
        <button type="button" onClick={() => void startCognitoSignIn(config)}>{t("signInCognito")}</button>
      </main>
    );
  }
  return (
    <main id="main" class="sign-in">
      <h1>{t("appTitle")}</h1>
      <p>{t("signInLocal")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          localSignIn(role, name).then(onSignedIn, setError);
        }}
      >
        <Field label={t("role")}>
          {(id) => (
            <select id={id} name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              {staffRoles.map((r) => <option value={r}>{r}</option>)}
            </select>
          )}
        </Field>
        <Field label={t("name")}>{(id) => <input id={id} name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="name" />}</Field>
        <button type="submit">{t("signIn")}</button>
        <Problem error={error} />
      </form>
    </main>
  );
}

function LanguageSwitch({ onChange }: { onChange: () => void }) {
  return (
    <label class="lang">
      {t("language")}{" "}
      <select value={lang()} onChange={(e) => { setLang(e.currentTarget.value as Lang); onChange(); }}>
        <option value="nl">Nederlands</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState(currentSession);
  const [, setRenders] = useState(0);
  const [schemes, setSchemes] = useState<SchemeSummary[]>();
  const [schemeId, setSchemeId] = useState(() => localStorage.getItem("console.scheme") ?? "verduurzamen-2025");
  const parts = useRoute();
  useEffect(() => whenUnauthorized(() => { saveSession(undefined); setSession(undefined); }), []);
  useEffect(() => {
    if (session) get<{ items: SchemeSummary[] }>("/schemes").then((r) => setSchemes(r.body.items), () => setSchemes([]));
  }, [session]);
  const rerender = () => setRenders((n) => n + 1);
  if (!session) return (
    <>
      <header class="top"><span class="brand">{t("appTitle")}</span><LanguageSwitch onChange={rerender} /></header>
      <SignIn config={config} onSignedIn={(s) => { setSession(s); location.hash = `#/${pages.find((p) => p.roles.includes(s.role))!.path}`; }} />
    </>
  );
  const allowed = pages.filter((p) => p.roles.includes(session.role));
  const [page = allowed[0]!.path, ...rest] = parts[0] ? parts : [allowed[0]!.path];
  const scheme = schemes?.find((s) => s.schemeId === schemeId) ?? schemes?.[0];
  const chooseScheme = (id: string) => { localStorage.setItem("console.scheme", id); setSchemeId(id); };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
    if (config.auth === "cognito") location.assign(cognitoSignOutUrl(config));
  };
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">{t("appTitle")}</span>
        <nav aria-label="main">
          <ul>
            {allowed.map((p) => (
              <li><a href={`#/${p.path}`} aria-current={p.path === page ? "page" : undefined}>{t(p.label)}</a></li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {schemes && scheme ? (
            <label>
              {t("scheme")}{" "}
              <select value={scheme.schemeId} onChange={(e) => chooseScheme(e.currentTarget.value)} data-testid="scheme">
                {schemes.map((s) => <option value={s.schemeId}>{s.schemeId}</option>)}
              </select>
            </label>
          ) : null}
          <LanguageSwitch onChange={rerender} />
          <span data-testid="who">{t("signedInAs")} <strong>{session.subject}</strong> ({session.role})</span>
          <button type="button" class="link" onClick={signOut}>{t("signOut")}</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {!scheme ? <p>{t("loading")}</p> : (
          <Page page={page} rest={rest} session={session} scheme={scheme} />
        )}
      </main>
    </>
  );
}

export interface PageProps {
  readonly session: Session;
  readonly scheme: SchemeSummary;
  readonly rest: string[];
}

function Page({ page, ...props }: PageProps & { page: string }) {
  switch (page) {
    case "inbox": return <InboxPage {...props} />;
    case "applications": return <ApplicationPage {...props} key={props.rest[0]} />;
    case "committee": return <CommitteePage {...props} />;
    case "finance": return <FinancePage {...props} />;
    case "budget": return <BudgetPage {...props} />;
    case "evaluation": return <EvaluationPage {...props} />;
    case "audit": return <AuditPage {...props} />;
    case "privacy": return <PrivacyPage {...props} />;
    default: return <p>Not found: {page}</p>;
  }
}

const config = await loadConfig();
setLang(lang());
if (config.auth === "cognito") await finishCognitoSignIn(config).catch((e: Error) => alert(e.message));
render(<App config={config} />, document.getElementById("app")!);
performance.mark("console-rendered");
