// The runbook engine's offline half: parse a runbook, resolve what a drill does with
// each step, and lint the runbook against its scenarios, Prometheus and the stack.
export type { CodeBlock, DetectionQuery, Diagnostic, Runbook, Section, Step } from "./types.js";
export { allSteps, findSection, parseRunbook } from "./parse/parse.js";
export { parseShell, type ShellScript, type SimpleCommand } from "./parse/shell-syntax.js";
export { classifyCommand, type CommandVerdict } from "./resolve/commands.js";
export { findPlaceholders, substitute, type Placeholder } from "./resolve/placeholders.js";
export { classifyShellText, classifyStep, STEP_MODES, type StepMode } from "./resolve/steps.js";
export {
  annotationsPathFor,
  inlineAnnotations,
  loadAnnotations,
  mergeAnnotations,
  overrideAnnotations,
  parseAnnotations,
  type Annotations,
  type StepAnnotation,
  type Waiver,
} from "./resolve/annotations.js";
export { loadRunbook, type LoadedRunbook } from "./resolve/load.js";
export {
  AnnotationError,
  checkExpectation,
  resolveSteps,
  resolveStepsWithDiagnostics,
  type Expectation,
  type Matcher,
  type ResolvedStep,
} from "./resolve/resolve.js";
export { extractSelectors, metricNames, type Selector } from "./lint/promql.js";
export { defaultPromtoolRunner, DockerPromtool, LocalPromtool, type PromtoolRunner } from "./lint/promtool.js";
export { checkScripts, defaultShellcheckRunner, LocalShellcheck, type ShellcheckRunner } from "./lint/shellcheck.js";
export { lintRunbook, type LintOptions, type LintResult } from "./lint/lint.js";
export type { Finding, FindingKind, FindingSeverity } from "./lint/findings.js";
