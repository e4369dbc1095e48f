import { handler as classifyHub } from "../evaluation/classify-hub.ts";
import { handler as recordEvaluationFinding } from "../evaluation/record-finding.ts";
import { handler as recordKnowledgeSessionAttendance } from "../evaluation/record-session-attendance.ts";
import { handler as recordOzoneModule } from "../evaluation/record-ozone-module.ts";
import { handler as submitSelfEvaluation } from "../evaluation/submit-self-evaluation.ts";
import { dispatcher } from "../dispatch.ts";

/** The evaluation-commands API function: ClassifyHub, RecordEvaluationFinding, RecordKnowledgeSessionAttendance, RecordOzoneModule, SubmitSelfEvaluation. */
export const handler = dispatcher("evaluation-commands", {
  ClassifyHub: classifyHub,
  RecordEvaluationFinding: recordEvaluationFinding,
  RecordKnowledgeSessionAttendance: recordKnowledgeSessionAttendance,
  RecordOzoneModule: recordOzoneModule,
  SubmitSelfEvaluation: submitSelfEvaluation,
});
