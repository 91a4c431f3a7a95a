// Runs shellcheck over every step (and every shell Detection block) of a runbook and
// maps its comments back to the runbook's own lines. Each step is checked as the script
// a drill runs (the operator shell runs `bash -euo pipefail -c <step>`); a step's line 1
// is its `# N.` heading, so shellcheck's line L is the runbook's step.line + L - 1.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTool, SHELLCHECK, type ToolAvailability } from "../../engine/debian-tools.js";
import { silentLogger, type Logger } from "../../util/log.js";
import { run, type RunResult } from "../../util/run.js";
import { findPlaceholders } from "../resolve/placeholders.js";

export type ShellcheckLevel = "error" | "warning" | "info" | "style";

export interface ShellcheckRunner {
  readonly description: string;
  /** Runs shellcheck (json1 output) over files inside `dir`. */
  check(dir: string, files: readonly string[]): Promise<RunResult>;
  /** What the harness did to get shellcheck (installed it), if anything. */
  readonly action?: string;
}

export class LocalShellcheck implements ShellcheckRunner {
  constructor(
    readonly path: string,
    readonly action?: string,
  ) {}
  get description(): string {
    return `shellcheck (${this.path})`;
  }
  check(dir: string, files: readonly string[]): Promise<RunResult> {
    // --norc: a user's ~/.shellcheckrc must not change what lint reports.
    return run(this.path, ["--norc", "--shell=bash", "--format=json1", "--severity=style", ...files], { cwd: dir, timeoutMs: 120_000 });
  }
}

/** shellcheck from PATH, installed with apt-get where this process may; otherwise why not. */
export async function defaultShellcheckRunner(log: Logger = silentLogger): Promise<ShellcheckRunner | { unavailable: string }> {
  const tool: ToolAvailability = await ensureTool(SHELLCHECK, log);
  return tool.available ? new LocalShellcheck(tool.path, tool.action) : { unavailable: tool.why };
}

export class ShellcheckUnavailable extends Error {}

export interface ScriptToCheck {
  /** Unique and file-name safe, e.g. `step-4.3b`. */
  id: string;
  text: string;
  /** The runbook line of the script's first line. */
  line: number;
}

export interface ShellcheckComment {
  id: string;
  /** The runbook's line. */
  line: number;
  level: ShellcheckLevel;
  code: number;
  message: string;
}

/** Runs shellcheck over the scripts; every comment comes back at the runbook's line.
 *  Throws ShellcheckUnavailable when shellcheck itself fails (not when it finds issues). */
export async function checkScripts(runner: ShellcheckRunner, scripts: readonly ScriptToCheck[]): Promise<ShellcheckComment[]> {
  if (scripts.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), "runbook-shellcheck-"));
  try {
    const byFile = new Map<string, ScriptToCheck>();
    for (const s of scripts) {
      const file = `${s.id.replace(/[^\w.-]/g, "_")}.sh`;
      await writeFile(join(dir, file), `${forShellcheck(s.text, s.line)}\n`);
      byFile.set(file, s);
    }
    let result: RunResult;
    try {
      result = await runner.check(dir, [...byFile.keys()]);
    } catch (e) {
      throw new ShellcheckUnavailable(`${runner.description}: ${(e as Error).message}`);
    }
    // 0: nothing to say; 1: comments; anything else: shellcheck could not do its job.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      const tail = (result.stderr || result.stdout).trim().split("\n").slice(-2).join(" / ");
      throw new ShellcheckUnavailable(`${runner.description} exited ${result.exitCode}${tail ? `: ${tail}` : ""}`);
    }
    let parsed: { comments?: { file: string; line: number; level: ShellcheckLevel; code: number; message: string }[] };
    try {
      parsed = JSON.parse(result.stdout || "{}") as typeof parsed;
    } catch {
      throw new ShellcheckUnavailable(`${runner.description} printed no JSON: ${result.stdout.slice(0, 200)}`);
    }
    const out: ShellcheckComment[] = [];
    for (const c of parsed.comments ?? []) {
      const script = byFile.get(c.file.replace(/^\.\//, ""));
      if (!script) continue;
      // "Expected 'fi'" comes at the line after the script's last: that is its end.
      const last = script.line + script.text.split("\n").length - 1;
      out.push({ id: script.id, line: Math.min(script.line + c.line - 1, last), level: c.level, code: c.code, message: c.message });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `<service>` would read as two redirections; a word of the same line keeps shellcheck
 *  reading the command as the reader does. Other placeholders are words already. */
function forShellcheck(text: string, firstLine: number): string {
  const lines = text.split("\n");
  // The operator shell runs a step as `bash -euo pipefail -c <step>`: check it that way
  // (a failing `cd` stops the step, so SC2164 does not apply). Same line, so the numbers hold.
  lines[0] = `set -euo pipefail; ${lines[0]}`;
  for (const p of findPlaceholders(text, firstLine)) {
    if (p.kind !== "angle") continue;
    const k = p.line - firstLine;
    lines[k] = lines[k]!.split(p.token).join(`__${p.token.slice(1, -1).replace(/\W/g, "_")}__`);
  }
  return lines.join("\n");
}
