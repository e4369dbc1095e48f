import { App, type CfnElement, NestedStack, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { cdkJsonContext } from "../../infra/context.ts";
import { BackOfficeStack, type BackOfficeStackProps } from "../../infra/stack.ts";

// Templates are plain JSON; `any` keeps the walking readable.
export type Json = any;
export interface Resource {
  readonly Type: string;
  readonly Properties: Json;
  readonly Metadata?: Json;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Synthesised {
  readonly app: App;
  readonly stack: BackOfficeStack;
  /** The top-level template. */
  readonly template: Template;
  /** The resources of the top-level and every nested template, as one stack (see `flatten`). */
  readonly resources: Record<string, Resource>;
  /** Resource count per template (CloudFormation's limit applies to each), by stack path. */
  readonly resourceCounts: Record<string, number>;
}

/** The test-only stand-in for the intake handler (the real one belongs to the email-intake issue). */
export const intakeFixture = "test/infra/fixtures/intake-handler.ts";

/**
 * Builds the stack as `cdk synth` does (same feature flags). Bundling is skipped unless asked for
 * (what `cdk synth --exclusively` does for other stacks): most checks need no code, and bundling every
 * Lambda is most of the time a synthesis takes.
 */
export function synth(
  stage: string,
  options: { bundle?: boolean; intake?: boolean; intakeRecipients?: ReadonlyArray<string>; alarmEmail?: string } & Partial<BackOfficeStackProps> = {},
): Synthesised {
  const { bundle = false, intake = false, intakeRecipients = ["aanvraag@example.org"], alarmEmail, ...props } = options;
  const app = new App({
    context: { ...cdkJsonContext, ...(bundle ? { "aws:cdk:enable-asset-metadata": true } : { "aws:cdk:bundling-stacks": [] }) },
  });
  const stack = new BackOfficeStack(app, `Test-${stage}`, { ...props, stage, alarmEmail });
  if (intake) stack.addEmailIntake(intakeFixture, { recipients: intakeRecipients, sendsFrom: "example.org" });
  const template = Template.fromStack(stack);
  const { resources, resourceCounts } = flatten(stack, template);
  return { app, stack, template, resources, resourceCounts };
}

/** Replaces each `{ Ref: name }` found in `substitutions` by its value, however deeply nested. */
function substitute(value: Json, substitutions: Record<string, Json>): Json {
  if (Array.isArray(value)) return value.map((v) => substitute(v, substitutions));
  if (value === null || typeof value !== "object") return value;
  if (typeof value.Ref === "string" && Object.keys(value).length === 1 && value.Ref in substitutions) return substitutions[value.Ref];
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, substitutions)]));
}

/**
 * One resource map for the stack and its nested stacks, as if they were one template: a nested
 * template's parameters become the values the parent passes, and the parent's `Fn::GetAtt` of a
 * nested output becomes that output's value. References then point at the logical ids the
 * resources have in their own templates (`logicalId` below), whichever template holds them.
 */
function flatten(stack: Stack, template: Template): { resources: Record<string, Resource>; resourceCounts: Record<string, number> } {
  const top = template.toJSON().Resources as Record<string, Resource>;
  const merged: Record<string, Resource> = {};
  const resourceCounts: Record<string, number> = { [stack.node.path]: Object.keys(top).length };
  const outputs: Record<string, Json> = {};
  for (const nested of stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c))) {
    const parent = nested.nestedStackParent!;
    if (parent !== stack) throw new Error(`nested stacks below ${parent.node.path} are not flattened`);
    const resourceId = stack.getLogicalId(nested.nestedStackResource! as CfnElement);
    const passed = (top[resourceId]!.Properties.Parameters ?? {}) as Record<string, Json>;
    const json = Template.fromStack(nested).toJSON();
    resourceCounts[nested.node.path] = Object.keys(json.Resources).length;
    for (const [id, resource] of Object.entries(substitute(json.Resources, passed) as Record<string, Resource>)) {
      if (id in top || id in merged) throw new Error(`logical id ${id} is in two templates`);
      merged[id] = resource;
    }
    for (const [name, output] of Object.entries((json.Outputs ?? {}) as Record<string, Json>)) outputs[`${resourceId}.Outputs.${name}`] = substitute(output.Value, passed);
  }
  const resolveOutputs = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolveOutputs);
    if (value === null || typeof value !== "object") return value;
    const getAtt = value["Fn::GetAtt"];
    if (Array.isArray(getAtt) && Object.keys(value).length === 1 && `${getAtt[0]}.${getAtt[1]}` in outputs) return outputs[`${getAtt[0]}.${getAtt[1]}`];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveOutputs(v)]));
  };
  for (const [id, resource] of Object.entries(top)) merged[id] = resolveOutputs(resource);
  return { resources: merged, resourceCounts };
}

/** Logical ids a template value points at (Ref, Fn::GetAtt), however deeply nested. */
export function refsOf(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (value === null || typeof value !== "object") return [];
  const own: string[] = [];
  if (typeof value.Ref === "string") own.push(value.Ref);
  if (Array.isArray(value["Fn::GetAtt"])) own.push(value["Fn::GetAtt"][0]);
  return [...own, ...Object.values(value).flatMap(refsOf)];
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** A construct's logical id in the template that holds it (the stack's own or a nested one). */
export const logicalId = (_stack: BackOfficeStack, construct: IConstruct) => {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
};

/** Every statement of every policy attached to a role: standalone policies and the role's inline ones. */
export function statementsOf(resources: Record<string, Resource>, roleId?: string): Json[] {
  const attached = (p: Resource) => roleId === undefined || refsOf(p.Properties.Roles).includes(roleId);
  const documents = [
    ...ofType(resources, "AWS::IAM::Policy").filter(([, p]) => attached(p)).map(([, p]) => p.Properties.PolicyDocument),
    ...ofType(resources, "AWS::IAM::ManagedPolicy").filter(([, p]) => attached(p)).map(([, p]) => p.Properties.PolicyDocument),
    ...ofType(resources, "AWS::IAM::Role")
      .filter(([id]) => roleId === undefined || id === roleId)
      .flatMap(([, r]) => asArray(r.Properties.Policies).map((p: Json) => p.PolicyDocument)),
  ];
  return documents.flatMap((d) => asArray(d.Statement));
}

/** Does an IAM action (possibly with wildcards) cover this action? */
export function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

/** Every `Validations.acknowledge` in a construct tree: where, which rule, and the written reason. */
export function acknowledgementsIn(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ""), reason }))),
  );
}
