// What `lint:runbooks` reports. Every finding points at a file and line a person can
// open; `section` and `step` let reports group findings under the runbook's structure.
import type { Diagnostic } from "../types.js";

export type FindingSeverity = "error" | "warning" | "info";

export type FindingKind =
  | "parse" // the runbook's own structure (numbering, fences, missing blocks)
  | "annotation" // the drill annotations (schema, unknown step ids, bindings)
  | "coverage" // a numbered section with neither a scenario nor a waiver
  | "placeholder" // a step that would run with a placeholder still in it
  | "promql-syntax" // a Detection query promtool rejects (or could not check)
  | "promql-series" // a Detection selector that a live Prometheus has no series for
  | "inventory" // a container, volume, network, port or path the stack does not have
  | "detection" // a section whose detection a drill cannot load into Prometheus
  | "shellcheck"; // what shellcheck says about a step (or that it could not run)

export interface Finding {
  kind: FindingKind;
  severity: FindingSeverity;
  file: string;
  line: number;
  /** The numbered section the finding is about; null for the file as a whole. */
  section: number | null;
  step?: string;
  message: string;
}

export function fromDiagnostic(kind: FindingKind, d: Diagnostic, section: number | null = null): Finding {
  return { kind, severity: d.severity, file: d.file, line: d.line, section, message: d.message };
}

export const hasErrors = (findings: readonly Finding[]): boolean => findings.some((f) => f.severity === "error");
