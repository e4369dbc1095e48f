/**
 * IAM policy evaluation for one principal's identity-based statements, as AWS evaluates them
 * within one account: an explicit Deny wins, otherwise an Allow is needed, otherwise the request is
 * implicitly denied. No SCPs, permission boundaries, session policies or resource-based policies
 * (the stack has none that grant to the functions; the bucket and queue policies only deny plain
 * HTTP, which the SDK never uses).
 *
 * Covered statement shapes: Effect Allow/Deny; Action or NotAction; Resource or NotResource; `*`
 * and `?` wildcards (actions case-insensitively, resources segment by segment of the ARN, as IAM
 * does); and the condition operators listed in `operators` with `...IfExists`. Anything else (an
 * unknown operator, ForAnyValue/ForAllValues) throws instead of guessing, so a new statement shape
 * in the stack fails loudly rather than being allowed or denied by accident. A `${...}` left in a
 * resource (a placeholder the local runtime did not bind, or a policy variable: the stack has none)
 * is compared literally, so it matches nothing.
 *
 * Our own evaluator rather than @cloud-copilot/iam-simulate: that package (and its iam-policy and
 * iam-utils dependencies) is AGPL-3.0, and the shapes above are all the stack produces
 * (test/infra/iam-manifest.test.ts asserts that of the manifest; test/unit/iam-evaluator.test.ts
 * shows the rules).
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: ReadonlyArray<string>;
  readonly NotAction?: ReadonlyArray<string>;
  readonly Resource?: ReadonlyArray<string>;
  readonly NotResource?: ReadonlyArray<string>;
  /** operator -> condition key -> values (any value may match). */
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<string>>>>>;
}

export interface AuthorizationRequest {
  /** `service:Action`, e.g. `dynamodb:Query`. */
  readonly action: string;
  /** The ARN the action is on (`*` for actions without resource-level permissions). */
  readonly resource: string;
  /** Request context keys (`events:source`, ...), single-valued. */
  readonly context?: Readonly<Record<string, string>>;
}

export type Decision =
  | { readonly decision: "allow"; readonly statement: PolicyStatement }
  | { readonly decision: "explicit-deny"; readonly statement: PolicyStatement }
  | { readonly decision: "implicit-deny" };

export class UnsupportedPolicy extends Error {
  override name = "UnsupportedPolicy";
}

export function evaluate(statements: ReadonlyArray<PolicyStatement>, request: AuthorizationRequest): Decision {
  let allowedBy: PolicyStatement | undefined;
  for (const statement of statements) {
    if (!applies(statement, request)) continue;
    if (statement.Effect === "Deny") return { decision: "explicit-deny", statement };
    allowedBy ??= statement;
  }
  return allowedBy ? { decision: "allow", statement: allowedBy } : { decision: "implicit-deny" };
}

/** Does the statement match the request (action, resource and conditions), whatever its effect? */
export function applies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw new UnsupportedPolicy(`Effect ${String(statement.Effect)}`);
  if ((statement.Action === undefined) === (statement.NotAction === undefined)) throw new UnsupportedPolicy("a statement needs exactly one of Action and NotAction");
  if ((statement.Resource === undefined) === (statement.NotResource === undefined)) throw new UnsupportedPolicy("a statement needs exactly one of Resource and NotResource");
  const actionMatches = statement.Action
    ? statement.Action.some((pattern) => actionMatch(pattern, request.action))
    : !statement.NotAction!.some((pattern) => actionMatch(pattern, request.action));
  if (!actionMatches) return false;
  const resourceMatches = statement.Resource
    ? statement.Resource.some((pattern) => resourceMatch(pattern, request.resource))
    : !statement.NotResource!.some((pattern) => resourceMatch(pattern, request.resource));
  if (!resourceMatches) return false;
  return conditionsHold(statement.Condition, request.context ?? {});
}

/** Actions are case-insensitive; `*` and `?` are wildcards. */
export function actionMatch(pattern: string, action: string): boolean {
  return glob(pattern.toLowerCase(), action.toLowerCase());
}

/**
 * Resources are case-sensitive. IAM matches an ARN segment by segment (partition, service, region,
 * account; the resource part may itself contain colons), so a wildcard never spans a colon of the
 * first five segments: `arn:aws:dynamodb:*:*:table/X` matches table X in any region, and `*` alone
 * matches everything.
 */
export function resourceMatch(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  const expected = arnSegments(pattern);
  const actual = arnSegments(resource);
  // A pattern that starts like an ARN but has fewer than six segments matches no ARN.
  if (!expected) return pattern.startsWith("arn:") ? false : glob(pattern, resource);
  if (!actual) return glob(pattern, resource);
  return expected.every((segment, i) => glob(segment, actual[i]!));
}

function arnSegments(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function glob(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
  return regex.test(value);
}

type Operator = (values: ReadonlyArray<string>, actual: string) => boolean;

/** The operators evaluated; `negated` ones are true when the key is absent (AWS's documented rule). */
const operators: Record<string, { test: Operator; negated: boolean }> = {
  StringEquals: { test: (values, actual) => values.includes(actual), negated: false },
  StringNotEquals: { test: (values, actual) => !values.includes(actual), negated: true },
  StringEqualsIgnoreCase: { test: (values, actual) => values.some((v) => v.toLowerCase() === actual.toLowerCase()), negated: false },
  StringNotEqualsIgnoreCase: { test: (values, actual) => !values.some((v) => v.toLowerCase() === actual.toLowerCase()), negated: true },
  StringLike: { test: (values, actual) => values.some((v) => glob(v, actual)), negated: false },
  StringNotLike: { test: (values, actual) => !values.some((v) => glob(v, actual)), negated: true },
  ArnEquals: { test: (values, actual) => values.some((v) => resourceMatch(v, actual)), negated: false },
  ArnLike: { test: (values, actual) => values.some((v) => resourceMatch(v, actual)), negated: false },
  ArnNotEquals: { test: (values, actual) => !values.some((v) => resourceMatch(v, actual)), negated: true },
  ArnNotLike: { test: (values, actual) => !values.some((v) => resourceMatch(v, actual)), negated: true },
  Bool: { test: (values, actual) => values.some((v) => v.toLowerCase() === actual.toLowerCase()), negated: false },
};

function conditionsHold(condition: PolicyStatement["Condition"], context: Readonly<Record<string, string>>): boolean {
  if (!condition) return true;
  // Every operator block must hold, and within one every key; within a key any value may match.
  return Object.entries(condition).every(([name, keys]) => {
    if (name === "Null") {
      return Object.entries(keys).every(([key, values]) => values.some((v) => (v.toLowerCase() === "true") === (lookup(context, key) === undefined)));
    }
    if (name.includes(":")) throw new UnsupportedPolicy(`condition set operator ${name} (ForAnyValue/ForAllValues) is not evaluated`);
    const ifExists = name.endsWith("IfExists");
    const operator = operators[ifExists ? name.slice(0, -"IfExists".length) : name];
    if (!operator) throw new UnsupportedPolicy(`condition operator ${name} is not evaluated`);
    return Object.entries(keys).every(([key, values]) => {
      const actual = lookup(context, key);
      if (actual === undefined) return ifExists || operator.negated;
      return operator.test(values, actual);
    });
  });
}

/** Condition keys are case-insensitive. */
function lookup(context: Readonly<Record<string, string>>, key: string): string | undefined {
  if (key in context) return context[key];
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === lower) return value;
  return undefined;
}

/** A statement as CloudFormation writes it (single strings or lists) in the one shape `evaluate` takes. */
export function normaliseStatement(raw: Record<string, unknown>): PolicyStatement {
  const list = (value: unknown): string[] | undefined => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String));
  const known = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new UnsupportedPolicy(`statement element ${key} (Principal, NotPrincipal) has no place in an identity policy`);
  const condition = raw.Condition as Record<string, Record<string, unknown>> | undefined;
  const statement: PolicyStatement = {
    ...(raw.Sid === undefined ? {} : { Sid: String(raw.Sid) }),
    Effect: raw.Effect as "Allow" | "Deny",
    ...(raw.Action === undefined ? {} : { Action: list(raw.Action)! }),
    ...(raw.NotAction === undefined ? {} : { NotAction: list(raw.NotAction)! }),
    ...(raw.Resource === undefined ? {} : { Resource: list(raw.Resource)! }),
    ...(raw.NotResource === undefined ? {} : { NotResource: list(raw.NotResource)! }),
    ...(condition === undefined
      ? {}
      : { Condition: Object.fromEntries(Object.entries(condition).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)!]))])) }),
  };
  return statement;
}
