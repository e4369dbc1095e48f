import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { App, type CfnElement, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { build } from "esbuild";
import { expect, it } from "vitest";
import { FORM_WORKER_MARK, type FormWorkerMessage } from "../../functions/intake/form-worker.ts";
import { applicationFormPdf } from "../../functions/intake/form-pdf.ts";
import { cdkJsonContext } from "../../infra/context.ts";
import { BackOfficeFunction, bundleFileName, lambdaEsbuildOptions, projectRoot } from "../../infra/function.ts";
import { intakeExtraBundles } from "../../infra/stack.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

/**
 * Issue 12 finding 3: the intake reads PDF forms in a worker thread whose entry esbuild does not follow
 * from `new Worker(new URL(...))`, so the intake's asset carries it as a second bundle. This builds
 * the intake function's asset as CDK does and runs the worker from it.
 */
it("the intake's asset holds form-worker.mjs, built with the Lambda options, next to the index.mjs that starts it, and it reads a form", async () => {
  const app = new App({ context: { ...cdkJsonContext } });
  const single = new Stack(app, "FormWorkerCheck");
  const intake = new BackOfficeFunction(single, "Intake", {
    entry: "functions/intake/handler.ts",
    logRetention: RetentionDays.ONE_DAY,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    extraBundles: intakeExtraBundles,
  });
  const fnId = single.getLogicalId(intake.fn.node.defaultChild as CfnElement);
  const s3Key: string = Template.fromStack(single).toJSON().Resources[fnId].Properties.Code.S3Key;
  const assetDir = join(app.outdir, `asset.${s3Key.replace(/\.zip$/, "")}`);

  expect(Object.keys(intakeExtraBundles)).toEqual(["form-worker.mjs"]);
  // The handler's bundle looks for the worker by that name, next to itself.
  expect(readFileSync(join(assetDir, bundleFileName), "utf8")).toContain("form-worker.mjs");
  const worker = readFileSync(join(assetDir, "form-worker.mjs"));
  // The same bytes esbuild's API gives with the options every bundle is built with.
  const built = await build({ ...lambdaEsbuildOptions, entryPoints: [join(projectRoot, intakeExtraBundles["form-worker.mjs"]!)], outfile: join(assetDir, "form-worker.mjs"), absWorkingDir: projectRoot, write: false });
  expect(Buffer.from(built.outputFiles.find((f) => f.path.endsWith(".mjs"))!.contents).equals(worker)).toBe(true);

  // It runs on its own (no node_modules next to it) and answers the way form.ts expects.
  const form = await applicationFormPdf(bundledSchemes().get("technohubs-2020")!);
  const running = new Worker(join(assetDir, "form-worker.mjs"), { workerData: { mark: FORM_WORKER_MARK } });
  try {
    const answers: FormWorkerMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      running.on("error", reject);
      running.on("message", (message: FormWorkerMessage) => {
        answers.push(message);
        if (message.kind === "ready") running.postMessage({ id: 7, pdf: form });
        else resolve();
      });
    });
    expect(answers[0]).toEqual({ kind: "ready" });
    expect(answers[1]).toMatchObject({ kind: "fields", id: 7, fields: { scheme: expect.any(String) } });
  } finally {
    await running.terminate();
  }
}, 120_000);
