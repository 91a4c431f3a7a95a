// One runbook step in the operator shell: what ran, what it printed, every HTTP answer
// it got, and whether the runbook's own expectation held. A step the drill cannot run
// (manual, stale adaptation, unresolved placeholder) is recorded as such, never as passed.
import { checkExpectation, type ResolvedStep } from "../runbook/resolve/resolve.js";
import { httpExpectations } from "../runbook/resolve/http-expectations.js";
import type { StepRecord } from "./journal.js";
import type { JournalRecorder } from "./recorder.js";
import type { OperatorShellLike } from "./shell.js";
import { judgeHttp } from "./step-http.js";

export async function runStep(step: ResolvedStep, shell: OperatorShellLike, record: JournalRecorder): Promise<StepRecord> {
  const base = { id: step.id, title: step.title, location: step.location, mode: step.mode, reason: step.reason };
  record.stepBegin({ id: step.id, title: step.title, mode: step.mode });
  if (step.mode === "manual" || step.command === undefined) {
    return { ...base, result: "skipped", reason: step.reason ?? "manual step" };
  }
  if (step.stale) {
    return { ...base, result: "failed", command: step.command, failures: [step.stale] };
  }
  if (step.unresolved.length > 0) {
    return { ...base, result: "failed", command: step.command, failures: [`unresolved placeholders: ${step.unresolved.join(", ")}`] };
  }
  const startedAt = record.at();
  const r = await shell.run(step.command, Math.round(step.timeoutMs / 1000), step.id, (chunk) => record.stepOutput(step.id, chunk));
  // Every answer the step's curl got, and what the runbook's text says it should be.
  const { failures: httpFailures, ...http } = judgeHttp(httpExpectations(step.command), r.http, `${r.stdout}\n${r.stderr}`);
  const failures = r.timedOut ? [`timed out after ${Math.round(step.timeoutMs / 1000)} s`] : [...checkExpectation(step.expect, r), ...httpFailures];
  return {
    ...http,
    ...(r.resources ? { resources: r.resources } : {}),
    ...base,
    startedAt,
    command: step.command,
    result: failures.length === 0 ? "passed" : "failed",
    exitCode: r.exitCode,
    seconds: r.seconds,
    stdout: r.stdout,
    stderr: r.stderr,
    timedOut: r.timedOut,
    failures: failures.length ? failures : undefined,
    refusals: r.refusals.length ? r.refusals : undefined,
  };
}
