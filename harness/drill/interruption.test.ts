import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { InterruptionRecorder } from "./interruption.js";
import { newJournal } from "./journal.js";

function drillInPhase() {
  const journal = newJournal({ scenario: "disk-full", runbook: { file: "runbooks/failure-modes.md", section: 3, revision: "x" }, scenarioSource: "scenarios/disk-full.yaml:1" });
  const r = new InterruptionRecorder();
  r.onEvent({ type: "drill-begin", journal });
  journal.phases.push({ name: "preflight", startedAt: "2026-11-29T10:00:00.000Z", endedAt: "2026-11-29T10:00:01.000Z", status: "passed" });
  journal.phases.push({ name: "inject", startedAt: "2026-11-29T10:00:02.000Z", status: "passed" });
  return { journal, r };
}

describe("interruption recorder", () => {
  it("marks the journal interrupted in the running phase, leaving the drill's own journal alone", () => {
    const { journal, r } = drillInPhase();
    const j = r.snapshot("SIGINT", new Date("2026-11-29T10:00:03.000Z"));
    expect(j?.status).toBe("interrupted");
    expect(j?.interrupted).toEqual({ signal: "SIGINT", at: "2026-11-29T10:00:03.000Z", phase: "inject", betweenPhases: undefined });
    expect(j?.phases.at(-1)).toMatchObject({ name: "inject", status: "failed", detail: "interrupted by SIGINT", endedAt: "2026-11-29T10:00:03.000Z" });
    expect(j?.reason).toBe("interrupted by SIGINT during inject");
    expect(journal.status).not.toBe("interrupted");
    expect(r.recorded).toBe(true);
  });

  it("redacts the drill's secrets from what it writes", () => {
    const { journal, r } = drillInPhase();
    r.setSecrets(["s3cr3t-value"]);
    journal.phases[0]!.detail = "password s3cr3t-value";
    expect(JSON.stringify(r.snapshot("SIGTERM"))).not.toContain("s3cr3t-value");
  });

  it("adds the signal's teardown, failing it for what the engine still holds", async () => {
    const { r } = drillInPhase();
    const j = r.snapshot("SIGINT")!;
    const docker = {
      listContainers: async () => [{ Names: ["/drill-x-postgresql"], Labels: { "io.runbook-drills.project": "drill-x" } }],
      listNetworks: async () => [],
      listVolumes: async () => ({ Volumes: [] }),
    } as unknown as Docker;
    const done = await r.finish(j, { signal: "SIGINT", projects: ["drill-x"], seconds: 2.5 }, docker);
    const teardown = done.phases.at(-1);
    expect(teardown?.name).toBe("teardown");
    expect(teardown?.status).toBe("failed");
    expect(done.teardown?.leftBehind).toBe(1);
  });

  it("has nothing to record once the drill ended (the normal path wrote it)", () => {
    const { journal, r } = drillInPhase();
    r.onEvent({ type: "drill-end", journal });
    expect(r.snapshot("SIGINT")).toBeUndefined();
    expect(r.recorded).toBe(false);
  });
});
