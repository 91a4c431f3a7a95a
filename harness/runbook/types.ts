// The parsed shape of a runbook. Everything keeps its source position so that drills,
// lint findings and reports can point a person at the exact line of the runbook.

export type Severity = "error" | "warning";

export interface Diagnostic {
  file: string;
  line: number;
  severity: Severity;
  message: string;
  /** The step id (`4.3b`, `4.*`) the diagnostic is about, when there is one. */
  step?: string;
  /** `stale`: an annotation written for other text than the step has now. A drill fails that step; lint reports it. */
  kind?: "stale";
}

/** A fenced code block, with the 1-based lines of its fences and first content line. */
export interface CodeBlock {
  /** First word of the info string (`bash`, `promql`), lower-cased; "" when absent. */
  lang: string;
  /** The whole info string after the fence characters, e.g. `bash {"name":"x"}`. */
  info: string;
  /** Content lines joined with "\n", verbatim (no trailing newline). */
  text: string;
  /** Line of the opening fence. */
  fenceLine: number;
  /** Line of the first content line (fenceLine + 1). */
  firstLine: number;
  /** Line of the closing fence, or the last line of the file when unclosed. */
  endLine: number;
  closed: boolean;
  /** An `<!-- drill: ... -->` comment right before the fence, unparsed. */
  inlineAnnotation?: InlineAnnotationSource;
}

export interface InlineAnnotationSource {
  /** The text after `drill:` up to `-->` (YAML or JSON). */
  text: string;
  /** Line of the `<!--`. */
  line: number;
}

export interface Step {
  /** `<section>.<step>[<sub>]`, e.g. `4.3b`. Stable while the runbook's numbering is. */
  id: string;
  section: number;
  number: number;
  /** Sub-step letter (`a` in `# a) Volume permission error`). */
  sub?: string;
  /** For a sub-step, the id of the numbered step it belongs to. */
  parentId?: string;
  /** The heading comment's text without `# N.` / `# a)`. */
  title: string;
  /** All lines from the heading comment up to the next step heading, verbatim,
   *  without trailing blank lines (they separate steps; they are not part of one). */
  text: string;
  file: string;
  line: number;
  endLine: number;
}

export type QueryLanguage = "promql" | "bash" | "text";

export interface DetectionQuery {
  language: QueryLanguage;
  /** The expression exactly as written (promql: without leading `# comment` lines). */
  expr: string;
  /** Leading comment lines of a promql block, without `#`. */
  comment?: string;
  file: string;
  line: number;
  endLine: number;
}

export interface Section {
  /** `### N. Title` gives N; non-numbered sections (Preventive Measures) have null. */
  number: number | null;
  title: string;
  /** The enclosing `##` heading, e.g. "System-Wide Failures". */
  group?: string;
  /** Numbered sections are drillable; the rest are kept for completeness only. */
  drillable: boolean;
  file: string;
  line: number;
  endLine: number;
  symptoms: string[];
  likelyCauses: string[];
  detection: DetectionQuery[];
  steps: Step[];
  /** Line of the `**Runbook**` heading, when there is one. */
  runbookLine?: number;
  /** Bold `**Label**:` parts that the parser does not model, with their lines. */
  otherParts: { label: string; line: number }[];
  /** All fenced blocks in the section, in order. */
  blocks: CodeBlock[];
}

export interface Runbook {
  file: string;
  title?: string;
  sections: Section[];
  diagnostics: Diagnostic[];
}

export const location = (file: string, line: number): string => `${file}:${line}`;
