import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem } from "./api.ts";
import { t } from "./i18n.ts";

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Loads once per change of `deps`; reload() loads again (after a write or a 409). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** An error as staff should read it: a 403 says so, a problem shows its detail and rule IDs. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiProblem) {
    const heading = error.status === 403 ? t("forbidden") : `${t("error")} ${error.status}`;
    return (
      <div class="problem" role="alert" data-status={error.status}>
        <strong>{heading}</strong>
        {error.message ? <span>: {error.message}</span> : null}
        {error.problem.ruleIds?.length ? <span class="rules"> [{error.problem.ruleIds.join(", ")}]</span> : null}
      </div>
    );
  }
  return (
    <div class="problem" role="alert">
      <strong>{t("error")}</strong>: {String((error as Error)?.message ?? error)}
    </div>
  );
}

export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <Problem error={loaded.error} />;
  if (loaded.data === undefined) return <p aria-busy="true">{t("loading")}</p>;
  return <>{children(loaded.data)}</>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-h` : undefined} id={id}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

let fieldIds = 0;
/** A labelled control: every input has a visible label bound to it. */
export function Field({ label, children }: { label: string; children: (id: string) => ComponentChildren }) {
  const [id] = useState(() => `f${++fieldIds}`);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id)}
    </div>
  );
}

export const Empty = () => <p class="muted">{t("noItems")}</p>;

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}
