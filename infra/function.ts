import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, type RemovalPolicy, Validations } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, type FunctionOptions, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { BuildOptions } from "esbuild";

/** The repository root: Lambda entries (routes.ts, the stack) are given relative to it. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * How every Lambda bundle is built, in esbuild's own terms. The CDK bundling below is derived from
 * this object, and bench/bundle-size.ts passes it to esbuild unchanged, so the sizes it measures are
 * the sizes that get deployed (a test builds one bundle both ways and compares the bytes).
 */
export const lambdaEsbuildOptions = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  // Prefer ESM entry points of dependencies; CommonJS ones still need `require` in an ESM bundle.
  mainFields: ["module", "main"],
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  // Bundle the SDK: the pinned version runs, not whatever the runtime ships, and cold starts read one file.
  external: [],
  minify: true,
  // The map goes into the asset beside the bundle, without a sourceMappingURL comment: Node does not
  // read it at import (no --enable-source-maps, see below), and a stack trace from the logs maps back
  // offline with the map of that deployment.
  sourcemap: "external",
  sourcesContent: false,
  logLevel: "warning",
} as const satisfies BuildOptions;

/** The file name of the bundle inside the asset (what Lambda's `index.handler` loads for an ESM bundle). */
export const bundleFileName = "index.mjs";

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * esbuild's command line for one more bundle in a function's asset, with the same options as the
 * function's own bundle (`lambdaEsbuildOptions`): how `extraBundles` are built by CDK's bundling
 * (a command hook runs in the same place as the bundling, locally or in its container).
 */
export function extraBundleCommand(inputDir: string, outputDir: string, entry: string, fileName: string): string {
  const o = lambdaEsbuildOptions;
  return [
    shellQuote(join(inputDir, "node_modules", ".bin", "esbuild")),
    shellQuote(join(inputDir, entry)),
    "--bundle",
    `--platform=${o.platform}`,
    `--target=${o.target}`,
    `--format=${o.format}`,
    `--main-fields=${o.mainFields.join(",")}`,
    shellQuote(`--banner:js=${o.banner.js}`),
    ...o.external.map((name: string) => shellQuote(`--external:${name}`)),
    ...(o.minify ? ["--minify"] : []),
    `--sourcemap=${o.sourcemap}`,
    `--sources-content=${o.sourcesContent}`,
    `--log-level=${o.logLevel}`,
    shellQuote(`--outfile=${join(outputDir, fileName)}`),
  ].join(" ");
}

export interface BackOfficeFunctionProps
  extends Pick<FunctionOptions, "description" | "timeout" | "memorySize" | "environment" | "onFailure" | "retryAttempts" | "maxEventAge"> {
  /** The handler module relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /**
   * More bundles in the asset, next to `index.mjs`: file name -> entry module relative to the project
   * root, built with the same options. For code the handler starts as a worker thread
   * (`new Worker(new URL("./name.mjs", import.meta.url))`), which esbuild does not follow.
   */
  readonly extraBundles?: Readonly<Record<string, string>>;
}

/**
 * Every Lambda of the back office, built the same way: Node.js 22 on arm64, one self-contained ESM
 * bundle, its own log group, and its own role that starts with nothing but writing to that log group
 * (no AWS managed policy): the stack adds exactly what the function uses.
 */
export class BackOfficeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** The handler module, relative to the project root (as given). */
  readonly entry: string;
  /** The environment the function gets (values may be CloudFormation tokens, such as table names). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: BackOfficeFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    // No NODE_OPTIONS=--enable-source-maps: it made every cold start read and parse the 1 MB map
    // (+26 ms median import over 56 functions, bench/README.md), while the handlers log error names and
    // codes, not stack traces. Lambda's own report of an uncaught error maps back offline.
    this.environment = { ...props.environment };
    const entry = join(projectRoot, props.entry);
    // NodejsFunction's own message does not say which construct asked for the file.
    if (!existsSync(entry)) throw new Error(`${this.node.path}: no handler module at ${props.entry}`);

    // An explicit log group, so retention and removal are ours (no log-retention custom resource).
    this.logGroup = new LogGroup(this, "Logs", { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });

    // Instead of AWSLambdaBasicExecutionRole (logs:CreateLogGroup/CreateLogStream/PutLogEvents on every
    // log group of the account): stream creation and writes on this function's own log group only.
    this.role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com"), description: `Execution role of ${this.node.path}` });
    this.logGroup.grantWrite(this.role);

    const esbuild = lambdaEsbuildOptions;
    const extraBundles = Object.entries(props.extraBundles ?? {});
    for (const [fileName, module] of extraBundles) {
      if (!/^[\w-]+\.mjs$/.test(fileName) || fileName === bundleFileName) throw new Error(`${this.node.path}: extra bundle ${fileName} must be a plain .mjs file name other than ${bundleFileName}`);
      if (!existsSync(join(projectRoot, module))) throw new Error(`${this.node.path}: no module at ${module} (extra bundle ${fileName})`);
    }
    this.fn = new NodejsFunction(this, "Function", {
      entry,
      handler: "handler",
      projectRoot,
      depsLockFilePath: join(projectRoot, "package-lock.json"),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      role: this.role,
      environment: { ...this.environment },
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      bundling: {
        format: esbuild.format === "esm" ? OutputFormat.ESM : OutputFormat.CJS,
        target: esbuild.target,
        platform: esbuild.platform,
        mainFields: [...esbuild.mainFields],
        banner: esbuild.banner.js,
        externalModules: [...esbuild.external],
        bundleAwsSDK: esbuild.external.length === 0,
        minify: esbuild.minify,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: esbuild.sourcesContent,
        logLevel: LogLevel.WARNING,
        ...(extraBundles.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => extraBundles.map(([fileName, entry]) => extraBundleCommand(inputDir, outputDir, entry, fileName)),
              },
            }
          : {}),
      },
    });

    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Pinned to nodejs22.x on purpose: the project builds, tests and bundles for Node 22 (package.json engines and the node devDependency 22.x, esbuild target node22); " +
        "the runtime moves when the project moves to the next LTS (Node 22 is maintained until April 2027), not ahead of the code that was tested.",
    });
    Validations.of(this.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Resource '*' appears only for actions that support no resource-level permissions (Service Authorization Reference): xray:PutTraceSegments and " +
        "xray:PutTelemetryRecords, added by active tracing, and on the relay dynamodb:ListStreams, added by its DynamoDB stream event source. " +
        "A least-privilege test in test/infra/stack.test.ts fails if any other action gets '*'.",
    });
  }
}
