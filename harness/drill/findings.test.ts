// Known findings are matched by cause: the same place with another failure is new.
import { describe, expect, it } from "vitest";
import type { KnownFinding } from "../scenario/types.js";
import { acknowledge, invalidPattern, KnownFindingsLedger, matchesCause } from "./findings.js";

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

describe("the known-findings ledger of a run", () => {
  const standIn: KnownFinding = { ...verifyWhileDown, id: "stand-in-limit", profiles: ["airgapped"] };
  const flaky: KnownFinding = { id: "sometimes-slow", phase: "recover", summary: "a slow restart", matches: "timed out", intermittent: true };

  it("applies a profile-bound finding only in its profile", () => {
    let profile: string | undefined = "upstream";
    const ledger = new KnownFindingsLedger([exporterBlind, standIn], () => profile);
    expect(ledger.expected().map((k) => k.id)).toEqual(["detection-watches-the-exporter"]);
    profile = "airgapped";
    expect(ledger.expected().map((k) => k.id)).toEqual(["detection-watches-the-exporter", "stand-in-limit"]);
  });

  it("gives an acknowledged finding the declared id, and a new one its place", () => {
    const ledger = new KnownFindingsLedger([exporterBlind], () => "upstream");
    expect(ledger.classify({ phase: "detect", summary: "alert X did not fire: timed out" })).toEqual({
      id: "detection-watches-the-exporter",
      phase: "detect",
      step: undefined,
      summary: "alert X did not fire: timed out",
      acknowledged: true,
    });
    expect(ledger.classify({ phase: "runbook", step: "4.4", summary: "step 4.4 failed: exit 2" })).toMatchObject({ id: "runbook-4.4-failed", acknowledged: false });
    // A failure no declaration may excuse stays new even when its text matches.
    expect(ledger.classify({ phase: "detect", summary: "did not fire" }, false)).toMatchObject({ id: "detect-failed", acknowledged: false });
    expect(ledger.expects({ phase: "detect", summary: "the runbook's detection did not fire: timed out" })).toBe(true);
    expect(ledger.expects({ phase: "detect", summary: "fetch failed" })).toBe(false);
  });

  it("fails a declared finding that did not happen, and only notes an intermittent one", () => {
    const ledger = new KnownFindingsLedger([exporterBlind, flaky], () => "upstream");
    const seen = ledger.notSeen([], false, "scenarios/postgres-down.yaml");
    expect(seen.failures).toEqual([
      {
        phase: "detect",
        step: undefined,
        summary:
          'known finding "detection-watches-the-exporter" did not reproduce (up{job=postgresql} follows the exporter); if the runbook or the stack changed, update scenarios/postgres-down.yaml',
      },
    ]);
    expect(seen.intermittent).toEqual([{ id: "sometimes-slow", summary: "a slow restart" }]);
    const reproduced = ledger.classify({ phase: "detect", summary: "did not fire" });
    expect(ledger.notSeen([reproduced], false, "s.yaml").failures).toEqual([]);
    // A finding recorded but not acknowledged (another failure) does not count as reproduced.
    expect(ledger.notSeen([{ ...reproduced, acknowledged: false }], false, "s.yaml").failures).toHaveLength(1);
    // A drill that stopped early proves nothing about what it did not reach.
    expect(ledger.notSeen([], true, "s.yaml")).toEqual({ failures: [], intermittent: [] });
  });
});
