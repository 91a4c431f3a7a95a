// The step model: what a drill does with each runbook step. Without an annotation a
// step's mode follows from its own text: drilled when every command in it can run in
// the operator shell, manual (with the reasons) otherwise. `adapted` only ever comes
// from an annotation, because only a person can vouch that another command is equivalent.
// `operator-fix` also comes only from an annotation: the step names a problem but gives
// no command, and the drill runs what an operator would type; that is not the runbook
// working, so a drill reports it as the operator's own fix and the gap as a finding.
import { classifyCommand, type CommandVerdict } from "./commands.js";
import { findPlaceholders, type Placeholder } from "./placeholders.js";
import { parseShell } from "../parse/shell-syntax.js";
import type { Step } from "../types.js";

export type StepMode = "drilled" | "adapted" | "operator-fix" | "manual";

export const STEP_MODES: readonly StepMode[] = ["drilled", "adapted", "operator-fix", "manual"];

/** Modes whose text replaces the runbook's (an annotation's `run`). */
export const replacesText = (mode: StepMode): boolean => mode === "adapted" || mode === "operator-fix";

export const PROSE_REASON = "no command: the step is prose";

export interface StepClassification {
  mode: "drilled" | "manual";
  reason?: string;
  verdicts: CommandVerdict[];
  placeholders: Placeholder[];
}

export function classifyStep(step: Pick<Step, "text" | "line">): StepClassification {
  return classifyShellText(step.text, step.line);
}

export function classifyShellText(text: string, firstLine = 1): StepClassification {
  const script = parseShell(text, firstLine);
  const verdicts = script.commands.map(classifyCommand);
  const placeholders = findPlaceholders(text, firstLine);
  if (script.errors.length > 0) {
    const e = script.errors[0]!;
    return { mode: "manual", reason: `shell syntax: ${e.message} (line ${e.line})`, verdicts, placeholders };
  }
  if (verdicts.length === 0) return { mode: "manual", reason: PROSE_REASON, verdicts, placeholders };
  const reasons = [...new Set(verdicts.filter((v) => !v.runnable).map((v) => v.reason ?? v.command))];
  if (reasons.length > 0) return { mode: "manual", reason: reasons.join("; "), verdicts, placeholders };
  return { mode: "drilled", verdicts, placeholders };
}
