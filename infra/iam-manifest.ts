/**
 * The IAM manifest: every Lambda of the stack with the statements of its role exactly as the
 * synthesised CloudFormation template has them, with the template's references resolved to
 * placeholders the local runtime binds to its own resources (local/iam-parity.ts enforces them on
 * the SDK clients, because DynamoDB Local has no IAM).
 *
 *   npx tsx infra/iam-manifest.ts                    synthesise (without bundling) and write infra/iam-manifest.json
 *   npx tsx infra/iam-manifest.ts --from cdk.out     the same from an existing cloud assembly (what `npm run synth` wrote)
 *   npx tsx infra/iam-manifest.ts --check            exit 1 when the committed manifest differs from a fresh synth
 *
 * test/infra/iam-manifest.test.ts regenerates it and fails on any difference, so it cannot drift.
 *
 * Placeholders: a table's ARN becomes `arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Events}`,
 * where `Events` is the table's construct path in the stack; its stream ARN ends in
 * `/stream/${Events.StreamLabel}`; an event bus, bucket, queue, log group, function or role gets the
 * ARN format of its service. Which local resource plays `${Events}` is read from the functions'
 * environment (EVENTS_TABLE = `${Events}`): the runtime binds the variable's local value.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cdkJsonContext } from "./context.ts";
import { projectRoot } from "./function.ts";
import type { IamManifest, ManifestFunction } from "../local/iam-parity.ts";
import { normaliseStatement } from "../local/iam-evaluator.ts";

export const manifestPath = join(projectRoot, "infra", "iam-manifest.json");

// Templates are plain JSON; `any` keeps the walking readable.
type Json = any;

interface Resolved {
  /** The value as text, references replaced by placeholders. */
  readonly text: string;
  /** When the value names one resource (its Ref or an attribute), that resource's name. */
  readonly target?: string;
}

interface Scope {
  readonly file: string;
  readonly template: Json;
  readonly parameters: Readonly<Record<string, Resolved>>;
  /** Nested stacks of this template, by the logical id of their AWS::CloudFormation::Stack resource. */
  readonly nested: Map<string, Scope>;
}

const ARN = "arn:${AWS::Partition}";
const REGION_ACCOUNT = "${AWS::Region}:${AWS::AccountId}";

/** The ARN (or other attribute) of a resource of the given type, with its name as placeholder. */
function attributeText(type: string, name: string, attribute: string): string {
  const p = `\${${name}}`;
  const arns: Record<string, Record<string, string>> = {
    "AWS::DynamoDB::Table": { Arn: `${ARN}:dynamodb:${REGION_ACCOUNT}:table/${p}`, StreamArn: `${ARN}:dynamodb:${REGION_ACCOUNT}:table/${p}/stream/\${${name}.StreamLabel}` },
    "AWS::Events::EventBus": { Arn: `${ARN}:events:${REGION_ACCOUNT}:event-bus/${p}`, Name: p },
    "AWS::S3::Bucket": { Arn: `${ARN}:s3:::${p}` },
    "AWS::SQS::Queue": { Arn: `${ARN}:sqs:${REGION_ACCOUNT}:${p}`, QueueName: p },
    "AWS::SNS::Topic": { TopicArn: `${ARN}:sns:${REGION_ACCOUNT}:${p}` },
    "AWS::Logs::LogGroup": { Arn: `${ARN}:logs:${REGION_ACCOUNT}:log-group:${p}:*` },
    "AWS::Lambda::Function": { Arn: `${ARN}:lambda:${REGION_ACCOUNT}:function:${p}` },
    "AWS::IAM::Role": { Arn: `${ARN}:iam::\${AWS::AccountId}:role/${p}` },
  };
  return arns[type]?.[attribute] ?? `\${${name}.${attribute}}`;
}

/** What `Ref` gives for a resource of the given type. */
function refText(type: string, name: string): string {
  const p = `\${${name}}`;
  if (type === "AWS::SNS::Topic") return attributeText(type, name, "TopicArn");
  if (type === "AWS::SQS::Queue") return `https://sqs.\${AWS::Region}.\${AWS::URLSuffix}/\${AWS::AccountId}/${p}`;
  return p;
}

class Assembly {
  readonly root: Scope;
  readonly stackName: string;

  constructor(private readonly directory: string) {
    const manifest = JSON.parse(readFileSync(join(directory, "manifest.json"), "utf8")) as Json;
    const stacks = Object.entries(manifest.artifacts as Record<string, Json>).filter(([, a]) => a.type === "aws:cloudformation:stack");
    if (stacks.length !== 1) throw new Error(`expected one stack in ${directory}, found ${stacks.map(([id]) => id).join(", ") || "none"}`);
    const [stackName, artifact] = stacks[0]!;
    this.stackName = stackName;
    this.root = this.scope(artifact.properties.templateFile, {});
  }

  private scope(file: string, parameters: Record<string, Resolved>): Scope {
    const template = JSON.parse(readFileSync(join(this.directory, file), "utf8")) as Json;
    const scope: Scope = { file, template, parameters, nested: new Map() };
    for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
      if (resource.Type !== "AWS::CloudFormation::Stack") continue;
      const nestedFile = resource.Metadata?.["aws:asset:path"];
      if (typeof nestedFile !== "string") throw new Error(`${file}: nested stack ${id} names no template (aws:asset:path)`);
      const passed = Object.fromEntries(Object.entries((resource.Properties.Parameters ?? {}) as Record<string, Json>).map(([name, value]) => [name, this.resolve(value, scope)]));
      scope.nested.set(id, this.scope(nestedFile, passed));
    }
    return scope;
  }

  /** Every scope: the stack's own template and its nested ones. */
  scopes(scope: Scope = this.root): Scope[] {
    return [scope, ...[...scope.nested.values()].flatMap((s) => this.scopes(s))];
  }

  /** A resource's name in the manifest: its construct path in the stack, without the stack and a trailing `/Resource`. */
  nameOf(scope: Scope, logicalId: string): string {
    const resource = scope.template.Resources[logicalId];
    if (!resource) throw new Error(`${scope.file}: no resource ${logicalId}`);
    const path = resource.Metadata?.["aws:cdk:path"];
    if (typeof path !== "string") throw new Error(`${scope.file}: ${logicalId} has no aws:cdk:path metadata (synthesise with path metadata on)`);
    return path.replace(new RegExp(`^${this.stackName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`), "").replace(/\/Resource$/, "");
  }

  resolve(value: Json, scope: Scope): Resolved {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return { text: String(value) };
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${scope.file}: cannot resolve ${JSON.stringify(value)} to one value`);
    const [fn, argument] = Object.entries(value)[0] ?? [];
    if (Object.keys(value).length !== 1) throw new Error(`${scope.file}: not an intrinsic: ${JSON.stringify(value)}`);
    switch (fn) {
      case "Ref": {
        const name = argument as string;
        if (name.startsWith("AWS::")) return { text: `\${${name}}` };
        if (name in scope.parameters) return scope.parameters[name]!;
        const resource = scope.template.Resources[name];
        if (!resource) throw new Error(`${scope.file}: Ref to unknown ${name}`);
        const resourceName = this.nameOf(scope, name);
        return { text: refText(resource.Type, resourceName), target: resourceName };
      }
      case "Fn::GetAtt": {
        const [id, attribute] = (typeof argument === "string" ? argument.split(/\.(.*)/s) : argument) as [string, string];
        const nested = scope.nested.get(id);
        if (nested && attribute.startsWith("Outputs.")) {
          const output = nested.template.Outputs?.[attribute.slice("Outputs.".length)];
          if (!output) throw new Error(`${nested.file}: no output ${attribute}`);
          return this.resolve(output.Value, nested);
        }
        const resource = scope.template.Resources[id];
        if (!resource) throw new Error(`${scope.file}: GetAtt of unknown ${id}`);
        const resourceName = this.nameOf(scope, id);
        return { text: attributeText(resource.Type, resourceName, attribute), target: resourceName };
      }
      case "Fn::Join": {
        const [separator, parts] = argument as [string, Json[]];
        return { text: parts.map((part) => this.resolve(part, scope).text).join(separator) };
      }
      case "Fn::Sub": {
        const [text, variables] = (typeof argument === "string" ? [argument, {}] : argument) as [string, Record<string, Json>];
        return {
          text: text.replace(/\$\{([^}!][^}]*)\}/g, (_, reference: string) => {
            if (reference in variables) return this.resolve(variables[reference], scope).text;
            if (reference.startsWith("AWS::")) return `\${${reference}}`;
            const [id, attribute] = reference.split(/\.(.*)/s) as [string, string | undefined];
            return this.resolve(attribute ? { "Fn::GetAtt": [id, attribute] } : { Ref: id }, scope).text;
          }),
        };
      }
      default:
        throw new Error(`${scope.file}: intrinsic ${fn} is not resolved by the IAM manifest (extend infra/iam-manifest.ts): ${JSON.stringify(value)}`);
    }
  }
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The manifest of a cloud assembly directory (`cdk.out` or a fresh synth). */
export function manifestFromAssembly(directory: string): IamManifest {
  const assembly = new Assembly(resolve(directory));
  const scopes = assembly.scopes();
  const resourcesOf = (scope: Scope) => Object.entries(scope.template.Resources as Record<string, Json>);

  // Who invokes each function, as AWS routes invocations: by function name.
  const invokedBy = new Map<string, string[]>();
  const invokes = (fn: Resolved, how: string) => {
    if (!fn.target) throw new Error(`cannot tell which function ${how} invokes: ${fn.text}`);
    invokedBy.set(fn.target, [...(invokedBy.get(fn.target) ?? []), how]);
  };
  for (const scope of scopes) {
    for (const [, resource] of resourcesOf(scope)) {
      const p = resource.Properties ?? {};
      if (resource.Type === "AWS::ApiGatewayV2::Route") {
        // Target: `integrations/<Ref of the integration>`.
        const integrationId = JSON.stringify(p.Target).match(/"Ref":"([^"]+)"/)?.[1];
        const integration = integrationId ? scope.template.Resources[integrationId] : undefined;
        if (integration?.Type !== "AWS::ApiGatewayV2::Integration") throw new Error(`route ${p.RouteKey}: no integration in ${JSON.stringify(p.Target)}`);
        invokes(assembly.resolve(integration.Properties.IntegrationUri, scope), `api:${p.RouteKey}`);
      } else if (resource.Type === "AWS::Events::Rule") {
        for (const target of asArray<Json>(p.Targets)) {
          const arn = assembly.resolve(target.Arn, scope);
          if (arn.text.includes(":lambda:")) invokes(arn, "eventbridge-rule");
        }
      } else if (resource.Type === "AWS::Lambda::EventSourceMapping") {
        const source = assembly.resolve(p.EventSourceArn, scope);
        invokes(assembly.resolve(p.FunctionName, scope), `${source.text.includes("/stream/") ? "dynamodb-stream" : "event-source"}:${source.target ?? source.text}`);
      } else if (resource.Type === "Custom::S3BucketNotifications") {
        invokes(assembly.resolve(p.ServiceToken, scope), `cloudformation:${resource.Type}`);
        const bucket = assembly.resolve(p.BucketName, scope);
        for (const configuration of asArray<Json>(p.NotificationConfiguration?.LambdaFunctionConfigurations)) {
          const prefix = asArray<Json>(configuration.Filter?.Key?.FilterRules).find((r) => r.Name === "prefix")?.Value ?? "";
          invokes(assembly.resolve(configuration.LambdaFunctionArn, scope), `s3:${bucket.target}/${prefix}*`);
        }
      } else if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") {
        invokes(assembly.resolve(p.ServiceToken, scope), `cloudformation:${resource.Type}`);
      }
    }
  }

  // Every policy document, by the role it is attached to.
  const documentsOfRole = new Map<string, Json[]>();
  const attach = (role: Resolved, document: Json) => {
    if (!role.target) throw new Error(`a policy is attached to a role the manifest cannot name: ${role.text}`);
    documentsOfRole.set(role.target, [...(documentsOfRole.get(role.target) ?? []), document]);
  };
  for (const scope of scopes) {
    for (const [, resource] of resourcesOf(scope)) {
      if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
        for (const role of asArray<Json>(resource.Properties.Roles)) attach(assembly.resolve(role, scope), resource.Properties.PolicyDocument);
      }
    }
  }

  // Every `${...}` placeholder a function's statements or environment use (pseudo parameters aside).
  const placeholdersUsed = new Set<string>();
  const resolveText = (value: Json, scope: Scope): string => {
    const text = assembly.resolve(value, scope).text;
    for (const [, token] of text.matchAll(/\$\{([^}]+)\}/g)) if (!token!.startsWith("AWS::")) placeholdersUsed.add(token!);
    return text;
  };
  const located = new Map(scopes.flatMap((scope) => resourcesOf(scope).map(([id, r]) => [assembly.nameOf(scope, id), { scope, resource: r as Json }] as const)));

  const functions: Record<string, ManifestFunction> = {};
  for (const [name, { scope, resource }] of located) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    // A back-office function is `<Id>/Function` (infra/function.ts); CDK's own handlers keep their path.
    const functionId = name.endsWith("/Function") ? name.slice(0, -"/Function".length).split("/").at(-1)! : name;
    if (functions[functionId]) throw new Error(`two functions are named ${functionId}`);
    const p = resource.Properties;
    const role = assembly.resolve(p.Role, scope);
    const roleFound = role.target ? located.get(role.target) : undefined;
    if (!role.target || !roleFound) throw new Error(`${name}: its role is not a resource of the stack (${role.text})`);
    const documents = [...(documentsOfRole.get(role.target) ?? []), ...asArray<Json>(roleFound.resource.Properties.Policies).map((policy) => policy.PolicyDocument)];
    // CDK puts a role's policies in the role's template: resolve them there.
    const resolveValue = (value: Json) => resolveText(value, roleFound.scope);
    const statements = documents.flatMap((document) =>
      asArray<Json>(document.Statement).map((raw) =>
        normaliseStatement({
          ...raw,
          ...(raw.Resource === undefined ? {} : { Resource: asArray(raw.Resource).map(resolveValue) }),
          ...(raw.NotResource === undefined ? {} : { NotResource: asArray(raw.NotResource).map(resolveValue) }),
          ...(raw.Condition === undefined
            ? {}
            : {
                Condition: Object.fromEntries(
                  Object.entries(raw.Condition as Record<string, Record<string, Json>>).map(([op, keys]) => [
                    op,
                    Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, asArray(values).map(resolveValue)])),
                  ]),
                ),
              }),
        }),
      ),
    );
    functions[functionId] = {
      path: name,
      ...(p.Description === undefined ? {} : { description: assembly.resolve(p.Description, scope).text }),
      invokedBy: [...new Set(invokedBy.get(name) ?? [])].sort(),
      environment: Object.fromEntries(
        Object.entries((p.Environment?.Variables ?? {}) as Record<string, Json>)
          .map(([key, value]) => [key, resolveText(value, scope)] as const)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
      role: role.target,
      managedPolicyArns: asArray<Json>(roleFound.resource.Properties.ManagedPolicyArns).map(resolveValue),
      statements,
    };
  }

  // Each placeholder with the type of the resource it stands for (and the attribute, for `${Events.StreamLabel}`).
  const placeholders = Object.fromEntries(
    [...placeholdersUsed].sort().map((token) => {
      if (/[{}]/.test(token)) throw new Error(`placeholder \${${token}}: a construct path with braces cannot be a placeholder`);
      const direct = located.get(token);
      if (direct) return [token, direct.resource.Type as string];
      const dot = token.lastIndexOf(".");
      const owner = dot > 0 ? located.get(token.slice(0, dot)) : undefined;
      if (!owner) throw new Error(`placeholder \${${token}} names no resource of the stack`);
      return [token, `${owner.resource.Type}.${token.slice(dot + 1)}`];
    }),
  );
  return {
    $comment:
      "Generated by `npx tsx infra/iam-manifest.ts` from the synthesised template: each function's IAM statements with references as placeholders. " +
      "Do not edit by hand; test/infra/iam-manifest.test.ts fails when it differs from a fresh synth. local/iam-parity.ts enforces it on the local runtime's SDK clients.",
    stack: assembly.stackName,
    placeholders,
    functions: Object.fromEntries(Object.entries(functions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The manifest as committed: stable key order, two-space JSON, a final newline. */
export function formatManifest(manifest: IamManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Synthesises the app as `cdk synth` does (infra/app.ts, cdk.json's context, path metadata on),
 * but without bundling the Lambda code, which IAM does not depend on: seconds instead of a minute.
 */
export function synthesiseWithoutBundling(): { directory: string; dispose: () => void } {
  const directory = mkdtempSync(join(tmpdir(), "iam-manifest-"));
  const context = { ...cdkJsonContext, "aws:cdk:enable-path-metadata": true, "aws:cdk:enable-asset-metadata": true, "aws:cdk:bundling-stacks": [] };
  const result = spawnSync(process.execPath, ["--import", "tsx", join(projectRoot, "infra", "app.ts")], {
    cwd: projectRoot,
    env: { ...process.env, CDK_OUTDIR: directory, CDK_CONTEXT_JSON: JSON.stringify(context) },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`synthesis failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  return { directory, dispose: () => rmSync(directory, { recursive: true, force: true }) };
}

/** The manifest of the app as it stands: from `from` (a cloud assembly) when given, else from a fresh synth. */
export function currentManifest(from?: string): IamManifest {
  if (from) return manifestFromAssembly(from);
  const synthesised = synthesiseWithoutBundling();
  try {
    return manifestFromAssembly(synthesised.directory);
  } finally {
    synthesised.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const fromIndex = args.indexOf("--from");
  const from = fromIndex >= 0 ? args[fromIndex + 1] : undefined;
  const text = formatManifest(currentManifest(from));
  if (args.includes("--check")) {
    const committed = readFileSync(manifestPath, "utf8");
    if (committed !== text) {
      console.error(`${manifestPath} differs from the synthesised stack: run npx tsx infra/iam-manifest.ts and commit it`);
      process.exit(1);
    }
    console.log(`${manifestPath} matches the synthesised stack`);
  } else {
    writeFileSync(manifestPath, text);
    const manifest = JSON.parse(text) as IamManifest;
    console.log(`wrote ${manifestPath}: ${Object.keys(manifest.functions).length} functions, ${Object.values(manifest.functions).reduce((n, f) => n + f.statements.length, 0)} statements`);
  }
}
