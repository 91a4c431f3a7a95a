// Every step of the drill's section is accounted for: the ones the drill runs, and the
// ones it does not, each with why. A step the runbook gives no command for, run as the
// operator's own fix, is not the runbook working: the gap is a finding of the runbook.
import { classifyStep, PROSE_REASON } from "../runbook/resolve/steps.js";
import type { Section } from "../runbook/types.js";
import { location } from "../runbook/types.js";
import type { StepRecord } from "./journal.js";

export interface StepNotRun {
  id: string;
  title: string;
  location: string;
  reason: string;
}

/** Steps of `section` that are not in `run`, with the scenario's reason (or say it gave none). */
export function stepsNotRun(section: Pick<Section, "steps">, run: readonly string[], reasons: Readonly<Record<string, string>> = {}): StepNotRun[] {
  const ran = new Set(run);
  return section.steps
    .filter((s) => !ran.has(s.id))
    .map((s) => {
      // A step with no command (`# 3. Common issues:`) heads its sub-steps; nothing could run.
      const prose = classifyStep(s).reason === PROSE_REASON;
      const heads = section.steps.filter((x) => x.parentId === s.id).map((x) => x.id);
      const own = prose ? (heads.length ? `no command: the heading of ${heads.join(", ")}` : "no command: the step is prose") : undefined;
      return {
        id: s.id,
        title: s.title,
        location: location(s.file, s.line),
        reason: reasons[s.id]?.trim() ?? own ?? "not part of this drill (the scenario gives no reason: add it to stepsNotRun)",
      };
    });
}

/** Reasons a scenario gives for steps that are not in its section or that it does run: mistakes to say. */
export function stepsNotRunMistakes(section: Pick<Section, "steps" | "number">, run: readonly string[], reasons: Readonly<Record<string, string>> = {}): string[] {
  const ids = new Set(section.steps.map((s) => s.id));
  return Object.keys(reasons).flatMap((id) =>
    !ids.has(id) ? [`stepsNotRun names ${id}, which is not a step of section ${section.number}`] : run.includes(id) ? [`stepsNotRun names ${id}, which the drill runs`] : [],
  );
}

/** The finding an operator's fix stands for: the runbook names the problem and gives no command. */
export function operatorFixFinding(step: Pick<StepRecord, "id" | "title" | "mode" | "reason" | "result">): string | undefined {
  if (step.mode !== "operator-fix") return undefined;
  return (
    `step ${step.id} (${step.title}) gives no command: the drill ran the operator's own fix, not the runbook's (${step.result}): ` +
    (step.reason ?? "").trim()
  );
}
