// Detection by the runbook's own shell command, for sections whose Detection block is
// bash rather than PromQL (section 6: `curl .../stats | jq .numberOfDocuments`, "returns
// 0 or much less than expected"). The command runs verbatim in the operator shell; the
// number it prints is compared with what the drill knows to be there (the seeded count).
import type { DetectionQuery } from "../runbook/types.js";
import type { OperatorShellLike } from "../drill/shell.js";

export interface ShellDetectionSpec {
  /** What the printed number is compared with. */
  expected: "seeded-documents";
  /** "Much less than expected": below this fraction of the expected count (default 0.5). */
  muchLessThan?: number;
}

export interface ShellDetectionProbe {
  at: string;
  command: string;
  exitCode: number;
  /** What the command printed on stdout, and on stderr, trimmed. */
  stdout: string;
  stderr: string;
  /** The number it printed last, when it printed one. */
  value?: number;
  expected: number;
  fired: boolean;
  verdict: string;
}

/** The runbook's command: the block without its trailing comment lines (they say what to expect). */
export function detectionCommand(block: DetectionQuery): string {
  return block.expr
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .trim();
}

/** Judge what the command printed: it detects when it prints 0 or much less than expected. */
export function judgeCount(stdout: string, expected: number, muchLessThan = 0.5): Pick<ShellDetectionProbe, "value" | "fired" | "verdict"> {
  const last = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (!/^-?\d+(\.\d+)?$/.test(last)) {
    return { fired: false, verdict: `printed ${JSON.stringify(last.slice(0, 80))}, not a count: it cannot tell whether documents are missing` };
  }
  const value = Number(last);
  const limit = expected * muchLessThan;
  if (value === 0 || value < limit) return { value, fired: true, verdict: `printed ${value}; ${expected} expected: ${value === 0 ? "0" : `much less (below ${limit})`}` };
  return { value, fired: false, verdict: `printed ${value}; ${expected} expected: not much less (threshold ${limit})` };
}

/** Run the section's bash Detection block verbatim and judge its output. */
export async function probeShellDetection(
  shell: OperatorShellLike,
  blocks: readonly DetectionQuery[],
  spec: ShellDetectionSpec,
  expected: number,
  tag: string,
): Promise<ShellDetectionProbe> {
  const block = blocks.find((b) => b.language === "bash");
  if (!block) throw new Error("the section has no bash Detection block to run");
  const command = detectionCommand(block);
  const r = await shell.run(command, 60, tag);
  const judged = r.exitCode === 0 ? judgeCount(r.stdout, expected, spec.muchLessThan) : { fired: false, verdict: `exit ${r.exitCode}` };
  return { at: new Date().toISOString(), command, exitCode: r.exitCode, stdout: r.stdout.trim().slice(-2000), stderr: r.stderr.trim().slice(-2000), expected, ...judged };
}

/**
 * The detect phase for a bash Detection block: probe until it shows the failure or
 * `timeoutMs` passes. Returns the last probe; `fired` says whether it detected.
 */
export async function detectByShell(
  shell: OperatorShellLike,
  blocks: readonly DetectionQuery[],
  spec: ShellDetectionSpec,
  expected: number,
  timeoutMs: number,
): Promise<ShellDetectionProbe> {
  const deadline = Date.now() + timeoutMs;
  let probe = await probeShellDetection(shell, blocks, spec, expected, "detection");
  // A command that printed no count (an error body, null) will not start printing one.
  while (!probe.fired && probe.value !== undefined && Date.now() + 2000 < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    probe = await probeShellDetection(shell, blocks, spec, expected, "detection");
  }
  return probe;
}
