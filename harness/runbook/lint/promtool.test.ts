import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkExpressions, DockerPromtool, LocalPromtool, PromtoolUnavailable, type PromtoolRunner } from "./promtool.js";

function promtoolOnPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const promtool = promtoolOnPath();
const realName = promtool
  ? "the real promtool accepts good PromQL and rejects bad PromQL"
  : "the real promtool accepts good PromQL and rejects bad PromQL (skipped: no promtool on PATH; apt-get install prometheus)";

describe("checkExpressions", () => {
  it.skipIf(!promtool)(realName, async () => {
    const problems = await checkExpressions(new LocalPromtool(promtool!), [
      { id: "s3-q1", expr: 'node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes < 0.10' },
      { id: "s9-q1", expr: "rate(http_requests_total[5m] > 1" },
      { id: "s9-q2", expr: "sum by (job (up)" },
    ]);
    expect([...problems.keys()].sort()).toEqual(["s9-q1", "s9-q2"]);
    expect(problems.get("s9-q1")).toMatch(/parse error/);
  });

  const image = process.env.DRILL_PROMETHEUS_IMAGE;
  it.skipIf(!image)(
    image
      ? `promtool inside ${image} rejects bad PromQL`
      : "promtool inside the stack's Prometheus image rejects bad PromQL (skipped: DRILL_PROMETHEUS_IMAGE is not set)",
    async () => {
      const problems = await checkExpressions(new DockerPromtool(image!), [
        { id: "s4-q1", expr: 'up{job="postgresql"} == 0' },
        { id: "s9-q1", expr: "rate(x[5m] > 1" },
      ]);
      expect([...problems.keys()]).toEqual(["s9-q1"]);
    },
  );

  it("reads promtool's failure lines back to the query that caused them", async () => {
    const fake: PromtoolRunner = {
      description: "fake promtool",
      checkRules: async (_dir, files) => ({
        command: "promtool",
        exitCode: 1,
        stdout: files.map((f) => `Checking ${f}\n`).join(""),
        stderr: `  FAILED:\n${files[1]}: 5:11: group "runbook-detection", rule 1, "s2_q1": could not parse expression: 1:30: parse error: unclosed left parenthesis\n`,
        durationMs: 1,
        timedOut: false,
      }),
    };
    const problems = await checkExpressions(fake, [
      { id: "s1-q1", expr: "up" },
      { id: "s2-q1", expr: "rate(x[5m]" },
    ]);
    expect(problems).toEqual(new Map([["s2-q1", "1:30: parse error: unclosed left parenthesis"]]));
  });

  it("says so when the runner itself fails, instead of passing", async () => {
    const broken: PromtoolRunner = {
      description: "promtool in missing/image",
      checkRules: async () => ({ command: "docker", exitCode: 125, stdout: "", stderr: "Unable to find image", durationMs: 1, timedOut: false }),
    };
    await expect(checkExpressions(broken, [{ id: "s1-q1", expr: "up" }])).rejects.toThrow(PromtoolUnavailable);
    const missing: PromtoolRunner = {
      description: "promtool (/nope)",
      checkRules: () => Promise.reject(new Error("spawn /nope ENOENT")),
    };
    await expect(checkExpressions(missing, [{ id: "s1-q1", expr: "up" }])).rejects.toThrow("promtool (/nope): spawn /nope ENOENT");
  });
});
