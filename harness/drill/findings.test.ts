// Known findings are matched by cause: the same place with another failure is new.
import { describe, expect, it } from "vitest";
import type { KnownFinding } from "../scenario/types.js";
import { acknowledge, invalidPattern, matchesCause } from "./findings.js";

const exporterBlind: KnownFinding = {
  id: "detection-watches-the-exporter",
  phase: "detect",
  summary: "up{job=postgresql} follows the exporter",
  matches: "did not fire",
};
const verifyWhileDown: KnownFinding = { id: "verify-fails-while-down", phase: "runbook", step: "4.4", summary: "x", matches: "is not running" };

describe("known findings by cause", () => {
  it("acknowledges the failure it names", () => {
    const f = { phase: "detect" as const, summary: "the runbook's detection `up == 0` (alert PostgreSQLDown) did not fire: timed out" };
    expect(acknowledge([exporterBlind], f)?.id).toBe("detection-watches-the-exporter");
  });

  it("does not acknowledge another failure in the same phase (a Prometheus API error)", () => {
    const f = { phase: "detect" as const, summary: "fetch failed: connect ECONNREFUSED 127.0.0.1:39090" };
    expect(acknowledge([exporterBlind], f)).toBeUndefined();
  });

  it("does not acknowledge a different failure of the same step", () => {
    const other = { phase: "runbook" as const, step: "4.4", summary: "step 4.4 failed: exit 2 — it said: pg_isready: could not translate host name" };
    expect(matchesCause(verifyWhileDown, other)).toBe(false);
    const same = { phase: "runbook" as const, step: "4.4", summary: "step 4.4 failed: exit 1 — it said: Error response from daemon: Container abc is not running" };
    expect(matchesCause(verifyWhileDown, same)).toBe(true);
    // Same text, another step: not this finding either.
    expect(matchesCause(verifyWhileDown, { ...same, step: "4.3c" })).toBe(false);
  });

  it("says where a pattern does not compile", () => {
    expect(invalidPattern({ ...exporterBlind, matches: "did not (fire" })).toMatch(/detection-watches-the-exporter: matches is not a regular expression/);
    expect(invalidPattern(exporterBlind)).toBeUndefined();
  });
});
