// The runbook engine's offline half: parse a runbook, resolve what a drill does with
// each step, and lint the runbook against its scenarios, Prometheus and the stack.
export type { CodeBlock, DetectionQuery, Diagnostic, Runbook, Section, Step } from "./types.js";
export { allSteps, findSection, parseRunbook } from "./parse.js";
export { parseShell, type ShellScript, type SimpleCommand } from "./shell.js";
export { classifyCommand, type CommandVerdict } from "./commands.js";
export { findPlaceholders, substitute, type Placeholder } from "./placeholders.js";
export { classifyShellText, classifyStep, STEP_MODES, type StepMode } from "./steps.js";
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
} from "./annotations.js";
export { loadRunbook, type LoadedRunbook } from "./load.js";
export {
  AnnotationError,
  checkExpectation,
  resolveSteps,
  resolveStepsWithDiagnostics,
  type Expectation,
  type Matcher,
  type ResolvedStep,
} from "./resolve.js";
export { extractSelectors, metricNames, type Selector } from "./promql.js";
export { defaultPromtoolRunner, DockerPromtool, LocalPromtool, type PromtoolRunner } from "./promtool.js";
export { checkScripts, defaultShellcheckRunner, LocalShellcheck, type ShellcheckRunner } from "./shellcheck.js";
export { lintRunbook, type LintOptions, type LintResult } from "./lint.js";
export type { Finding, FindingKind, FindingSeverity } from "./findings.js";
