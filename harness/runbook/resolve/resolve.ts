// Steps + annotations + drill values -> what a drill does with each step: its final
// mode and reason, the exact text to run, what to expect and how long to wait.
import { createHash } from "node:crypto";
import { entriesFor, foldAnnotations, type Annotations, type ExpectInput, type MatchInput, type StepAnnotation } from "./annotations.js";
import type { CommandVerdict } from "./commands.js";
import { containsToken, findPlaceholders, substitute, type Placeholder } from "./placeholders.js";
import { classifyShellText, classifyStep, replacesText, type StepMode } from "./steps.js";
import type { Diagnostic, Runbook, Step } from "../types.js";
import { location } from "../types.js";

export const DEFAULT_TIMEOUT_MS = 120_000;

export interface Matcher {
  kind: "contains" | "regex" | "notContains";
  pattern: string;
}

export interface Expectation {
  /** Accepted exit codes; "any" accepts every code (the output is what matters). */
  exit: number[] | "any";
  stdout: Matcher[];
  stderr: Matcher[];
  /** Matched against stdout and stderr together. */
  output: Matcher[];
}

export interface ResolvedStep {
  id: string;
  section: number;
  title: string;
  file: string;
  line: number;
  endLine: number;
  /** `file:line`, for reports. */
  location: string;
  mode: StepMode;
  /** Why the step is adapted, an operator's fix or manual (and, for an annotated drilled step, any note). */
  reason?: string;
  /** Where the mode came from: the step's own text, or an annotation layer. */
  modeSource: "default" | "inline" | "file" | "override";
  /** The annotation that set the mode (and, when adapted, the text that runs). */
  modeAnnotation?: { file: string; line: number };
  /** The runbook's text, verbatim. */
  text: string;
  /** What the operator shell runs: the text verbatim, with bound placeholders filled
   *  in, or the adapted equivalent. Undefined for manual steps: nothing runs. */
  command?: string;
  /** Placeholders in the text that runs (the runbook's text for manual steps). */
  placeholders: Placeholder[];
  /** Placeholders left in `command` because nothing binds them. */
  unresolved: string[];
  /** `${NAME}` drill values that were needed but not given. */
  missingBindings: string[];
  /** `${NAME}` references left in place because no bindings were given (offline). */
  deferredBindings: string[];
  /** Values substituted from drill bindings: reports must redact them. */
  secrets: string[];
  expect: Expectation;
  timeoutMs: number;
  /** How each command of the runbook's text was judged. */
  verdicts: CommandVerdict[];
  /** `file:line` of every annotation that applied, lowest precedence first. */
  annotatedBy: string[];
  note?: string;
  /** Set when an annotation was written for other text than the step has now: the drill fails the step with this. */
  stale?: string;
  /** First 12 hex digits of the SHA-256 of the step's text (what `writtenFor` records). */
  textHash: string;
}

/** What an annotation's `writtenFor` records of a step's text. */
export function stepTextHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

export class AnnotationError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      "runbook annotations have errors:\n" +
        diagnostics.map((d) => `  ${location(d.file, d.line)}: ${d.message}`).join("\n"),
    );
  }
}

/** Resolves every step; throws AnnotationError when an annotation is wrong, because a
 *  drill must not guess what the runbook's owner meant. */
export function resolveSteps(
  runbook: Runbook,
  annotations: Annotations,
  bindings?: Readonly<Record<string, string>>,
): ResolvedStep[] {
  const { steps, diagnostics } = resolveStepsWithDiagnostics(runbook, annotations, bindings);
  // A stale annotation fails its step when the drill reaches it, not the whole drill.
  const errors = diagnostics.filter((d) => d.severity === "error" && d.kind !== "stale");
  if (errors.length > 0) throw new AnnotationError(errors);
  return steps;
}

/** Like resolveSteps, but returns the problems instead of throwing (for lint).
 *  Without `bindings` (offline), `${NAME}` references stay in the text as they are. */
export function resolveStepsWithDiagnostics(
  runbook: Runbook,
  annotations: Annotations,
  bindings?: Readonly<Record<string, string>>,
): { steps: ResolvedStep[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [...annotations.diagnostics, ...checkTargets(runbook, annotations)];
  const steps: ResolvedStep[] = [];
  for (const section of runbook.sections) {
    for (const step of section.steps) steps.push(resolveStep(step, annotations, bindings, diagnostics));
  }
  return { steps, diagnostics };
}

function resolveStep(
  step: Step,
  annotations: Annotations,
  bindings: Readonly<Record<string, string>> | undefined,
  diagnostics: Diagnostic[],
): ResolvedStep {
  const cls = classifyStep(step);
  const entries = entriesFor(annotations, step.id);
  const ann: StepAnnotation = foldAnnotations(entries);
  const modeEntry = [...entries].reverse().find((e) => e.annotation.mode !== undefined);
  const mode: StepMode = ann.mode ?? cls.mode;
  const reason = ann.mode !== undefined ? ann.reason : (ann.reason ?? cls.reason);
  const at = (d: Omit<Diagnostic, "file" | "line">, line?: number): void => {
    const e = modeEntry ?? entries[entries.length - 1];
    diagnostics.push({ file: e?.file ?? step.file, line: line ?? e?.line ?? step.line, step: step.id, ...d });
  };

  if (ann.mode === "drilled" && cls.mode === "manual" && cls.reason) {
    at({ severity: "warning", message: `annotation for ${step.id} marks it drilled, but ${cls.reason}` });
  }

  // Staleness: an annotation that recorded the text it was written for, and the text changed.
  const textHash = stepTextHash(step.text);
  const stale: string[] = [];
  for (const e of entries) {
    const recorded = e.annotation.writtenFor;
    if (recorded !== undefined && recorded !== textHash) {
      stale.push(`the annotation at ${location(e.file, e.line)} was written for text ${recorded}; the step's text is now ${textHash}`);
    }
  }
  const runEntry = [...entries].reverse().find((e) => e.annotation.run !== undefined);
  const replaced = replacesText(mode);
  if (replaced && ann.run !== undefined && runEntry && runEntry.annotation.writtenFor === undefined) {
    at(
      { severity: "warning", message: `the adaptation of ${step.id} is a copy of the runbook's text that records no writtenFor: add \`writtenFor: ${textHash}\` so a change to the step is noticed, or derive it from the step (derive: drop/replace)` },
      runEntry.line,
    );
  }
  let derived: string | undefined;
  if (mode === "adapted" && ann.run === undefined && ann.derive) {
    derived = step.text;
    const lines = derived.split("\n");
    for (const drop of ann.derive.drop ?? []) {
      const i = lines.findIndex((l) => l.trim() === drop.trim());
      if (i < 0) stale.push(`the line to drop \`${drop}\` is no longer in the step`);
      else lines.splice(i, 1);
    }
    derived = lines.join("\n");
    for (const { from, to } of ann.derive.replace ?? []) {
      if (!derived.includes(from)) stale.push(`the text to replace \`${from}\` is no longer in the step`);
      else derived = derived.split(from).join(to);
    }
  }
  const staleMessage = stale.length ? `the adaptation of ${step.id} was written for different text: review it (${stale.join("; ")})` : undefined;
  if (staleMessage) at({ severity: "error", kind: "stale", message: staleMessage });

  const runs = replaced ? (ann.run ?? derived ?? "") : step.text;
  if (replaced && ann.run !== undefined) {
    const adapted = classifyShellText(ann.run);
    if (adapted.mode === "manual") at({ severity: "warning", message: `adapted text for ${step.id} cannot run either: ${adapted.reason}` });
  }
  const bind = ann.bind ?? {};
  for (const token of Object.keys(bind)) {
    if (!containsToken(runs, token) && !containsToken(step.text, token)) {
      const e = [...entries].reverse().find((x) => x.annotation.bind?.[token] !== undefined);
      diagnostics.push({
        file: e?.file ?? step.file,
        line: e?.line ?? step.line,
        step: step.id,
        severity: "error",
        message: `annotation for ${step.id}: bind ${token}: no such token in the step's text`,
      });
    }
  }

  const missing = new Set<string>();
  const deferred = new Set<string>();
  const secrets: string[] = [];
  const values: Record<string, string> = {};
  for (const [token, value] of Object.entries(bind)) {
    values[token] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (ref, name: string) => {
      if (bindings === undefined) {
        deferred.add(name);
        return ref;
      }
      const v = bindings[name];
      if (v === undefined) {
        missing.add(name);
        return ref;
      }
      if (v !== "") secrets.push(v);
      return v;
    });
  }
  if (mode !== "manual" && missing.size > 0) {
    at({
      severity: "error",
      message: `step ${step.id} needs drill value${missing.size > 1 ? "s" : ""} ${[...missing].map((m) => "${" + m + "}").join(", ")}, which the drill does not provide`,
    });
  }

  const placeholders = findPlaceholders(runs, replaced ? 1 : step.line).map((p) =>
    replaced ? { ...p, line: modeEntry?.line ?? step.line } : p,
  );
  const unresolved = placeholders.filter((p) => values[p.token] === undefined).map((p) => p.token);
  const command = mode === "manual" ? undefined : substitute(runs, values);

  return {
    id: step.id,
    section: step.section,
    title: step.title,
    file: step.file,
    line: step.line,
    endLine: step.endLine,
    location: location(step.file, step.line),
    mode,
    ...(reason !== undefined ? { reason } : {}),
    modeSource: modeEntry ? modeEntry.origin : "default",
    ...(modeEntry ? { modeAnnotation: { file: modeEntry.file, line: modeEntry.line } } : {}),
    text: step.text,
    ...(command !== undefined ? { command } : {}),
    placeholders,
    unresolved: [...new Set(unresolved)],
    missingBindings: [...missing],
    deferredBindings: [...deferred],
    secrets,
    expect: expectation(ann.expect),
    timeoutMs: timeoutMs(ann.timeout),
    verdicts: cls.verdicts,
    annotatedBy: entries.map((e) => location(e.file, e.line)),
    ...(ann.note !== undefined ? { note: ann.note } : {}),
    ...(staleMessage ? { stale: staleMessage } : {}),
    textHash,
  };
}

/** Every annotation must name a step (or section) the runbook has, and every waiver a
 *  numbered section: a typo must not silently drop an annotation. */
function checkTargets(runbook: Runbook, annotations: Annotations): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ids = new Set(runbook.sections.flatMap((s) => s.steps.map((st) => st.id)));
  for (const e of annotations.entries) {
    const sectionNo = Number(e.target.split(".")[0]);
    const section = runbook.sections.find((s) => s.number === sectionNo);
    if (!section) {
      out.push({ file: e.file, line: e.line, step: e.target, severity: "error", message: `annotation for ${e.target}: no section ${sectionNo} in ${runbook.file}` });
    } else if (!e.target.endsWith(".*") && !ids.has(e.target)) {
      out.push({
        file: e.file,
        line: e.line,
        step: e.target,
        severity: "error",
        message: `annotation for ${e.target}: no such step in section ${sectionNo} (${location(section.file, section.line)})`,
      });
    }
  }
  for (const w of annotations.waivers) {
    if (!runbook.sections.some((s) => s.number === w.section)) {
      out.push({ file: w.file, line: w.line, step: `${w.section}.*`, severity: "error", message: `waiver for section ${w.section}: no such section in ${runbook.file}` });
    }
  }
  return out;
}

function expectation(input: ExpectInput | undefined): Expectation {
  const exit = input?.exit;
  return {
    exit: exit === undefined ? [0] : exit === "any" ? "any" : Array.isArray(exit) ? exit : [exit],
    stdout: matchers(input?.stdout),
    stderr: matchers(input?.stderr),
    output: matchers(input?.output),
  };
}

function matchers(input: MatchInput | undefined): Matcher[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [{ kind: "contains", pattern: input }];
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return [
    ...list(input.contains).map((pattern) => ({ kind: "contains" as const, pattern })),
    ...list(input.regex).map((pattern) => ({ kind: "regex" as const, pattern })),
    ...list(input.notContains).map((pattern) => ({ kind: "notContains" as const, pattern })),
  ];
}

export function timeoutMs(timeout: number | string | undefined): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeout === "number") return Math.round(timeout * 1000);
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(timeout);
  if (!m) return DEFAULT_TIMEOUT_MS;
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * scale);
}

/** Does a step's output meet its expectation? For the drill runner and its tests. */
export function checkExpectation(
  expect: Expectation,
  result: { exitCode: number; stdout: string; stderr: string },
): string[] {
  const failures: string[] = [];
  if (expect.exit !== "any" && !expect.exit.includes(result.exitCode)) {
    failures.push(`exit code ${result.exitCode}, expected ${expect.exit.join(" or ")}`);
  }
  const check = (stream: string, text: string, list: Matcher[]): void => {
    for (const m of list) {
      const ok =
        m.kind === "contains" ? text.includes(m.pattern) : m.kind === "notContains" ? !text.includes(m.pattern) : new RegExp(m.pattern, "m").test(text);
      if (!ok) failures.push(`${stream} ${m.kind === "notContains" ? "contains" : "does not match"} ${m.kind === "regex" ? `/${m.pattern}/` : JSON.stringify(m.pattern)}`);
    }
  };
  check("stdout", result.stdout, expect.stdout);
  check("stderr", result.stderr, expect.stderr);
  check("output", result.stdout + result.stderr, expect.output);
  return failures;
}
