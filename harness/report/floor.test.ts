import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Journal } from "../drill/journal.js";
import { drillFloor } from "./floor.js";
import { secondsToHealthy } from "../stack/service-start.js";

const fixture = (name: string): Journal => JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8")) as Journal;

describe("a drill's floor", () => {
  it("adds the slowest service, the rule's bound, the steps, recovery and teardown", () => {
    const j = fixture("disk-full-passed.journal.json");
    j.slowestServiceStart = { service: "postgresql", seconds: 7.5, upperBound: false };
    const steps = j.steps.reduce((s, x) => s + (x.seconds ?? 0), 0);
    const recover = j.phases.find((p) => p.name === "recover");
    if (!recover?.endedAt) throw new Error("fixture has no finished recover phase");
    const recoverSeconds = (Date.parse(recover.endedAt) - Date.parse(recover.startedAt)) / 1000;
    const f = drillFloor(j);
    expect(f.missing).toEqual([]);
    expect(f.ruleBoundSeconds).toBe(j.detection.lowerBoundSeconds);
    expect(f.totalSeconds).toBeCloseTo(7.5 + (j.detection.lowerBoundSeconds ?? 0) + steps + recoverSeconds + (j.teardown?.seconds ?? 0), 6);
  });

  it("names what an older journal lacks instead of counting it as zero silently", () => {
    const j = fixture("disk-full-passed.journal.json");
    delete j.slowestServiceStart;
    expect(drillFloor(j).missing).toContain("slowest service start");
  });
});

describe("a service's time to healthy from the engine's health log", () => {
  const start = "2026-11-29T10:00:00.000Z";
  const at = (s: number, code: number) => ({ End: new Date(Date.parse(start) + s * 1000).toISOString(), ExitCode: code });
  it("is the first check of the final passing run", () => {
    expect(secondsToHealthy(start, [at(2, 1), at(4, 1), at(6, 0), at(8, 0)])).toEqual({ seconds: 6, upperBound: false });
  });
  it("is an upper bound when the full log holds only passing checks", () => {
    expect(secondsToHealthy(start, [at(2, 0), at(4, 0), at(6, 0), at(8, 0), at(10, 0)])).toEqual({ seconds: 2, upperBound: true });
  });
  it("is unknown when the last check failed", () => {
    expect(secondsToHealthy(start, [at(2, 0), at(4, 1)])).toBeUndefined();
  });
});
