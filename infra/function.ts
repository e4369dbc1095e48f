import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { Architecture, type FunctionOptions, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/** The repository root: Lambda entries (routes.ts, the stack) are given relative to it. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BackOfficeFunctionProps
  extends Pick<FunctionOptions, "description" | "timeout" | "memorySize" | "environment" | "onFailure" | "retryAttempts" | "maxEventAge"> {
  /** The handler module relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** Every Lambda of the back office, built the same way: Node.js 22 on arm64, one self-contained ESM bundle. */
export class BackOfficeFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: BackOfficeFunctionProps) {
    super(scope, id);
    const entry = join(projectRoot, props.entry);
    // NodejsFunction's own message does not say which construct asked for the file.
    if (!existsSync(entry)) throw new Error(`${this.node.path}: no handler module at ${props.entry}`);

    // An explicit log group, so retention and removal are ours (no log-retention custom resource).
    const logGroup = new LogGroup(this, "Logs", { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });

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
      environment: {
        // Stack traces point at the TypeScript sources instead of minified code.
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      logGroup,
      tracing: Tracing.ACTIVE,
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        platform: "node",
        // Prefer ESM entry points of dependencies; CommonJS ones still need `require` in an ESM bundle.
        mainFields: ["module", "main"],
        banner: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
        // Bundle the SDK: the pinned version runs, not whatever the runtime ships, and cold starts read one file.
        externalModules: [],
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        logLevel: LogLevel.WARNING,
      },
    });
  }
}
