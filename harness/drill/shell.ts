// What the drill runner needs from the operator shell (harness/ops): run a script in
// it and get the redacted result. Kept as an interface so the runner does not depend
// on how the shell is built.
import type { ObservedCurl } from "../ops/curl-log.js";
import type { StepResources } from "../ops/resource-audit.js";

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
  refusals: string[];
  /** The calls the shell's curl made, with the answers' status lines (observed, not parsed from the output). */
  http?: ObservedCurl[];
  /** For a runbook step: what it did to Docker resources. */
  resources?: StepResources;
}

export interface OperatorShellLike {
  /** Run `script` with bash strict mode; `stepId` tags scope-guard refusals. */
  run(script: string, timeoutSeconds: number, stepId?: string, onOutput?: (chunk: string) => void): Promise<ShellResult>;
  close(): Promise<void>;
}
