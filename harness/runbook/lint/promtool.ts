// Checks that the runbook's PromQL parses, with Prometheus's own parser: each query
// becomes an alert rule in a generated rule file and `promtool check rules` judges it.
// promtool comes from PATH (Debian's `prometheus` package) or, failing that, from the
// stack's Prometheus image (DRILL_PROMETHEUS_IMAGE). With neither, the caller must say
// the queries were not checked; it must never count them as passing.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { stringify } from "yaml";
import { run, which, type RunResult } from "../../util/run.js";

export interface PromtoolRunner {
  /** For messages: "promtool (/usr/bin/promtool)", "promtool in prom/prometheus:v2.54.1". */
  readonly description: string;
  /** Runs `promtool check rules <files>`; files are names inside `dir`. */
  checkRules(dir: string, files: readonly string[]): Promise<RunResult>;
}

export class LocalPromtool implements PromtoolRunner {
  constructor(readonly path: string) {}
  get description(): string {
    return `promtool (${this.path})`;
  }
  checkRules(dir: string, files: readonly string[]): Promise<RunResult> {
    return run(this.path, ["check", "rules", ...files], { cwd: dir, timeoutMs: 60_000 });
  }
}

export class DockerPromtool implements PromtoolRunner {
  constructor(
    readonly image: string,
    readonly docker = "docker",
  ) {}
  get description(): string {
    return `promtool in ${this.image}`;
  }
  checkRules(dir: string, files: readonly string[]): Promise<RunResult> {
    const args = ["run", "--rm", "--pull", "never", "--network", "none", "--entrypoint", "promtool", "-v", `${dir}:/work:ro`, "-w", "/work"];
    return run(this.docker, [...args, this.image, "check", "rules", ...files], { timeoutMs: 120_000 });
  }
}

/** promtool from PATH, else the Prometheus image named by DRILL_PROMETHEUS_IMAGE when a
 *  docker CLI is there; undefined when neither is available. */
export async function defaultPromtoolRunner(env: NodeJS.ProcessEnv = process.env): Promise<PromtoolRunner | undefined> {
  const local = await which("promtool");
  if (local) return new LocalPromtool(local);
  const image = env.DRILL_PROMETHEUS_IMAGE;
  if (image && (await which("docker"))) return new DockerPromtool(image);
  return undefined;
}

export class PromtoolUnavailable extends Error {}

export interface ExprToCheck {
  /** Unique and file-name safe, e.g. `s4-q1`. */
  id: string;
  expr: string;
}

/** Checks expressions; returns id -> promtool's complaint, for the ones it rejects.
 *  Throws PromtoolUnavailable when the runner itself fails (no image, no engine). */
export async function checkExpressions(runner: PromtoolRunner, exprs: readonly ExprToCheck[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  if (exprs.length === 0) return problems;
  const dir = await mkdtemp(join(tmpdir(), "runbook-promql-"));
  // Readable by the image's unprivileged user when promtool runs in a container.
  await chmod(dir, 0o755);
  try {
    const files: string[] = [];
    for (const { id, expr } of exprs) {
      const file = `${id}.yml`;
      const rules = { groups: [{ name: "runbook-detection", rules: [{ alert: id.replace(/\W/g, "_"), expr }] }] };
      await writeFile(join(dir, file), stringify(rules), { mode: 0o644 });
      files.push(file);
    }
    let result: RunResult;
    try {
      result = await runner.checkRules(dir, files);
    } catch (e) {
      throw new PromtoolUnavailable(`${runner.description}: ${(e as Error).message}`);
    }
    if (result.exitCode === 0) return problems;
    // Failures are reported as `<path>: <line>:<col>: group "...", rule 1, "...": <why>`.
    for (const line of `${result.stderr}\n${result.stdout}`.split("\n")) {
      const m = /^\s*(\S+?\.yml):\s*(.*)$/.exec(line);
      if (!m) continue;
      const id = basename(m[1]!, ".yml");
      if (!exprs.some((e) => e.id === id)) continue;
      const why = /could not parse expression:\s*(.*)$/.exec(m[2]!)?.[1] ?? m[2]!;
      problems.set(id, problems.has(id) ? `${problems.get(id)}; ${why}` : why);
    }
    if (problems.size === 0) {
      const tail = (result.stderr || result.stdout).trim().split("\n").slice(-3).join(" / ");
      throw new PromtoolUnavailable(`${runner.description} exited ${result.exitCode}${tail ? `: ${tail}` : ""}`);
    }
    return problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
