// One fault = apply + revert (the Pumba shape). apply() injects the failure and
// returns how to undo it; the runner reverts after a failed drill so teardown is clean
// and a kept stack is usable. Revert never restores data: data loss is evidence.
import type { RunningStack } from "../stack/drill-stack.js";

export interface FaultContext {
  stack: RunningStack;
  log: (message: string) => void;
}

export interface AppliedFault {
  /** What was done, in words for the report. */
  detail: string;
  revert(): Promise<void>;
  /** What the fault saw happen after it was applied (e.g. the kernel's OOM kill), for the journal. */
  observations?(): string[];
}

export type Fault = (ctx: FaultContext, params: Record<string, unknown>) => Promise<AppliedFault>;

export function param<T>(params: Record<string, unknown>, name: string, kind: "string" | "number", fallback?: T): T {
  const v = params[name] ?? fallback;
  if (v === undefined) throw new Error(`fault parameter "${name}" is required`);
  if (typeof v !== kind) throw new Error(`fault parameter "${name}" must be a ${kind}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** What a fault's parameter holds, for the check at load. */
export type ParameterType = "string" | "number" | "integer" | "string-list" | "map" | "fault-list";

export interface ParameterSpec {
  type: ParameterType;
  required?: boolean;
  /** What it means, for the error message and the README. */
  about: string;
}

export type ParameterList = Record<string, ParameterSpec>;

/** The usual `target`: the compose service a fault acts on. */
export const targetParameter: ParameterSpec = { type: "string", required: true, about: "the compose service" };

/**
 * A fault module describes itself: the `kind` a scenario names, the parameters it may
 * write (checked at load, file:line, before any container starts), which of them name a
 * compose service, and apply (which returns the revert). The library is built from these.
 */
export interface FaultModule {
  kind: string;
  parameters: ParameterList;
  serviceParameters?: readonly string[];
  apply: Fault;
}
