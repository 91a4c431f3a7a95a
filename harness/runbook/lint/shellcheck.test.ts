import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureTool, SHELLCHECK, type ToolHost } from "../../engine/debian-tools.js";
import { silentLogger } from "../../util/log.js";
import type { RunResult } from "../../util/run.js";
import { lintRunbook } from "./lint.js";
import { checkScripts, defaultShellcheckRunner, type ShellcheckRunner } from "./shellcheck.js";

const repo = join(import.meta.dirname, "../fixtures/repo");
// The real shellcheck: on PATH, or installed by the harness (root with apt-get, as CI
// runs). Elsewhere its test is skipped and says why; the fake-runner tests still run.
const runner = await defaultShellcheckRunner();
const why = "unavailable" in runner ? runner.unavailable : undefined;

const ok = (stdout = "", exitCode = 0, stderr = ""): RunResult => ({ command: "x", exitCode, stdout, stderr, durationMs: 1, timedOut: false });

describe("checkScripts", () => {
  it("maps shellcheck's lines back to the runbook's, per script", async () => {
    const seen: string[] = [];
    const scripts: string[] = [];
    const fake: ShellcheckRunner = {
      description: "fake shellcheck",
      check: async (dir, files) => {
        seen.push(...files);
        scripts.push(...files.map((f) => readFileSync(join(dir, f), "utf8")));
        return ok(
          JSON.stringify({
            comments: [
              { file: files[1], line: 3, level: "warning", code: 2164, message: "Use 'cd ... || exit'" },
              { file: files[0], line: 1, level: "info", code: 2086, message: "Double quote" },
              { file: files[1], line: 9, level: "error", code: 1072, message: "Expected 'fi'" },
            ],
          }),
          1,
        );
      },
    };
    const comments = await checkScripts(fake, [
      { id: "4.1", text: "# 1. x\nls $D", line: 139 },
      { id: "4.3b", text: "# b) y\nx\ncd /a\nif true; then", line: 152 },
    ]);
    expect(seen).toEqual(["4.1.sh", "4.3b.sh"]);
    // Checked as the drill runs it (bash -euo pipefail), without moving any line.
    expect(scripts[0]).toBe("set -euo pipefail; # 1. x\nls $D\n");
    expect(comments.map((c) => [c.id, c.line, c.level, c.code])).toEqual([
      ["4.3b", 154, "warning", 2164],
      ["4.1", 139, "info", 2086],
      ["4.3b", 155, "error", 1072], // past the script's end: its last line
    ]);
  });

  it("a shellcheck that fails to run is an error of the check, not an empty pass", async () => {
    const broken: ShellcheckRunner = { description: "fake", check: async () => ok("", 4, "unrecognized option") };
    await expect(checkScripts(broken, [{ id: "1.1", text: "ls", line: 1 }])).rejects.toThrow(/exited 4: unrecognized option/);
  });
});

describe("ensureTool (shellcheck)", () => {
  const host = (over: Partial<ToolHost>, calls: string[] = []): ToolHost => ({
    which: async () => undefined,
    whyNoInstall: () => undefined,
    aptGet: async (args) => {
      calls.push(args.join(" "));
      return ok();
    },
    ...over,
  });

  it("uses shellcheck from PATH", async () => {
    expect(await ensureTool(SHELLCHECK, silentLogger, host({ which: async () => "/usr/bin/shellcheck" }))).toEqual({ available: true, path: "/usr/bin/shellcheck" });
  });

  it("installs it with apt-get where it may, updating the lists only when install fails", async () => {
    const calls: string[] = [];
    let installed = false;
    let attempts = 0;
    const h = host(
      {
        which: async () => (installed ? "/usr/bin/shellcheck" : undefined),
        aptGet: async (args) => {
          calls.push(args.join(" "));
          if (args[0] === "install" && ++attempts === 1) return ok("", 100, "E: Unable to locate package shellcheck");
          if (args[0] === "install") installed = true;
          return ok();
        },
      },
      calls,
    );
    expect(await ensureTool(SHELLCHECK, silentLogger, h)).toEqual({ available: true, path: "/usr/bin/shellcheck", action: "installed shellcheck with apt-get" });
    expect(calls).toEqual(["install -y -qq --no-install-recommends shellcheck", "update -qq", "install -y -qq --no-install-recommends shellcheck"]);
  });

  it("says why not when it may not install, or installing fails", async () => {
    expect(await ensureTool(SHELLCHECK, silentLogger, host({ whyNoInstall: () => "not root, so it may not install packages" }))).toEqual({
      available: false,
      why: "shellcheck is not on PATH and this process is not root, so it may not install packages (install the Debian package shellcheck)",
    });
    const failing = host({ aptGet: async () => ok("", 100, "E: Could not get lock") });
    expect(await ensureTool(SHELLCHECK, silentLogger, failing)).toEqual({
      available: false,
      why: "shellcheck is not on PATH and `apt-get install shellcheck` failed: E: Could not get lock",
    });
  });
});

describe("lint: shellcheck", () => {
  it("when shellcheck cannot run, lint says so and why (never silently)", async () => {
    const { findings } = await lintRunbook({ repoRoot: repo, runbookFile: "runbooks/shellcheck.md", promtool: null, shellcheck: { unavailable: "shellcheck is not on PATH and this process is not root" } });
    expect(findings.filter((f) => f.kind === "shellcheck")).toEqual([
      { kind: "shellcheck", severity: "warning", file: "runbooks/shellcheck.md", line: 1, section: null, message: "shellcheck not run: shellcheck is not on PATH and this process is not root" },
    ]);
  });

  it.skipIf(why !== undefined)(`reports shellcheck's comments at the runbook's own lines${why ? ` (skipped: ${why})` : ""}`, async () => {
    const { findings } = await lintRunbook({ repoRoot: repo, runbookFile: "runbooks/shellcheck.md", promtool: null });
    const sc = findings.filter((f) => f.kind === "shellcheck").map((f) => `${f.line} ${f.severity} ${f.step ?? "-"} ${f.message.split(" (https")[0]}`);
    expect(sc[0]).toMatch(/^1 info - shellcheck checked 4 steps and 1 shell Detection block \(shellcheck \(.*\)\): 9 comments$/);
    expect(sc.slice(1)).toEqual([
      "7 info - section 1 Detection: SC2002 Useless cat. Consider 'cmd < file | ..' or 'cmd file | ..' instead.",
      "14 warning 1.1 1.1: SC2061 Quote the parameter to -name so the shell won't interpret it.",
      "14 info 1.1 1.1: SC2035 Use ./*glob* or -- *glob* so names with dashes won't become options.",
      "20 warning 1.3 1.3: SC2115 Use \"${var:?}\" to ensure this never expands to /* .",
      "20 info 1.3 1.3: SC2086 Double quote to prevent globbing and word splitting.",
      "23 error 1.4 1.4: SC1046 Couldn't find 'fi' for this 'if'.",
      "23 error 1.4 1.4: SC1073 Couldn't parse this if expression. Fix to allow more checks.",
      "24 error 1.4 1.4: SC1047 Expected 'fi' matching previously mentioned 'if'.",
      "24 error 1.4 1.4: SC1072 Expected 'fi'. Fix any mentioned problems and try again.",
    ]);
    // Line 13's `cd` runs under `set -e` in a drill, so SC2164 (cd without || exit) does not apply.
    expect(sc.some((l) => l.startsWith("13 "))).toBe(false);
    // Step 1.2's `<service>` is a placeholder, not two redirections: nothing to say.
    expect(sc.some((l) => l.includes(" 1.2 "))).toBe(false);
  });
});
