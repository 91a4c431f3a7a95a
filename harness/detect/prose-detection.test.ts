// A prose Detection is checked as written, timed, and a route that already failed before
// the fault proves nothing.
import { describe, expect, it } from "vitest";
import { loadRunbook } from "../runbook/resolve/load.js";
import { repoRoot } from "../util/paths.js";
import { demux, missingProse, ProseWatch, type ProseProbe } from "./prose-detection.js";

const section8 = loadRunbook(repoRoot, "runbooks/failure-modes.md").runbook.sections.find((s) => s.number === 8)!;

/** A probe whose answers change when `faulty` is set. */
function fakeBrowser(state: { faulty: boolean }): ProseProbe {
  return {
    how: "GET /grafana/, /api/health",
    async probe(_since, exclude) {
      const seen = { "/grafana/": 502, "/api/health": state.faulty ? 502 : 200 };
      const held = Object.entries(seen).filter(([, s]) => s === 502).map(([p]) => p);
      return { ok: held.some((p) => !exclude.has(p)), detail: JSON.stringify(seen), held };
    },
  };
}

describe("prose detection", () => {
  it("accepts only lines the section's Detection says, as written", () => {
    expect(missingProse([{ says: "Browser shows 404 or 502" }, { says: "Caddy logs show routing errors" }], section8.detection)).toEqual([]);
    expect(missingProse([{ says: "Browser shows 500" }], section8.detection)).toEqual(["Browser shows 500"]);
  });

  it("does not count a route that already answered 502 before the fault, and times the first sighting", async () => {
    const state = { faulty: false };
    const watch = await ProseWatch.baseline([{ says: "Browser shows 404 or 502" }], () => fakeBrowser(state));
    const injectedAt = new Date().toISOString();
    // Before the fault only /grafana/ (already broken) answers 502: nothing to see yet.
    const quiet = await watch.detect(injectedAt, 1200);
    expect(quiet.status).toBe("failed");
    expect(quiet.findings[0]).toMatch(/^the runbook's Detection "Browser shows 404 or 502" did not become observable within 1 s/);
    state.faulty = true;
    const seen = await watch.detect(injectedAt, 5000);
    expect(seen.status).toBe("passed");
    expect(seen.sightings[0]).toMatchObject({ says: "Browser shows 404 or 502", heldBeforeFault: true });
    expect(seen.sightings[0]!.secondsAfterFault).toBeGreaterThan(1);
    expect(seen.firstAt).toBe(seen.sightings[0]!.observedAt);
  });

  it("reads docker logs frames", () => {
    const frame = (id: number, text: string) => Buffer.concat([Buffer.from([id, 0, 0, 0, 0, 0, 0, Buffer.byteLength(text)]), Buffer.from(text)]);
    expect(demux(Buffer.concat([frame(2, '{"level":"error"}\n'), frame(1, "ok\n")]))).toBe('{"level":"error"}\nok\n');
    expect(demux(Buffer.from("plain text\n"))).toBe("plain text\n");
  });
});
