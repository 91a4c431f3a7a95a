import { describe, expect, it } from "vitest";
import { detectionCommand, judgeCount, probeShellDetection } from "./shell-detection.js";
import type { OperatorShellLike } from "../drill/shell.js";

const block = {
  language: "bash" as const,
  expr: "curl http://localhost:7700/indexes/documents/stats | jq .numberOfDocuments\n# Returns 0 or much less than expected",
  file: "runbooks/failure-modes.md",
  line: 220,
  endLine: 221,
};

describe("shell detection", () => {
  it("runs the block without its comment lines", () => {
    expect(detectionCommand(block)).toBe("curl http://localhost:7700/indexes/documents/stats | jq .numberOfDocuments");
  });

  it("fires on 0 and on much less than expected, not on the expected count", () => {
    expect(judgeCount("0\n", 3).fired).toBe(true);
    expect(judgeCount("1\n", 4).fired).toBe(true);
    expect(judgeCount("3\n", 3)).toMatchObject({ value: 3, fired: false });
    expect(judgeCount("2\n", 4).fired).toBe(false);
  });

  it("does not fire when the command prints no count (e.g. jq's null for a 401 body)", () => {
    const j = judgeCount("null\n", 3);
    expect(j.fired).toBe(false);
    expect(j.value).toBeUndefined();
    expect(j.verdict).toMatch(/"null", not a count/);
  });

  it("probes through the shell and reports what the command printed", async () => {
    const ran: string[] = [];
    const shell: OperatorShellLike = {
      run: async (script) => {
        ran.push(script);
        return { exitCode: 0, stdout: "null\n", stderr: "  % Total ...", seconds: 0.1, timedOut: false, refusals: [] };
      },
      close: async () => {},
    };
    const p = await probeShellDetection(shell, [block], { expected: "seeded-documents" }, 3, "detection");
    expect(ran).toEqual(["curl http://localhost:7700/indexes/documents/stats | jq .numberOfDocuments"]);
    expect(p).toMatchObject({ exitCode: 0, fired: false, expected: 3 });
    expect(p.stdout).toBe("null");
  });
});
