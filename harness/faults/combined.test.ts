// Several faults at once: applied in order, reverted in reverse, and undone when one fails.
import { describe, expect, it } from "vitest";
import type { Fault, FaultContext } from "./fault.js";
import { combined } from "./combined.js";

const ctx = { log: () => {} } as unknown as FaultContext;

function library(events: string[], failing?: string): Record<string, Fault> {
  const make = (name: string): Fault => async (_c, params) => {
    if (name === failing) throw new Error(`${name} failed`);
    events.push(`apply ${name} ${JSON.stringify(params)}`);
    return { detail: `${name} done`, revert: async () => void events.push(`revert ${name}`), observations: () => [`${name} saw`] };
  };
  return { "volume-fill": make("volume-fill"), "container-stop": make("container-stop") };
}

describe("combined fault", () => {
  it("applies each fault with its own parameters in order and reverts in reverse", async () => {
    const events: string[] = [];
    const f = await combined(library(events))(ctx, { of: [{ kind: "volume-fill", ageDays: 60 }, { kind: "container-stop", target: "postgresql" }] });
    expect(f.detail).toBe("volume-fill done; then container-stop done");
    expect(f.observations?.()).toEqual(["volume-fill saw", "container-stop saw"]);
    await f.revert();
    expect(events).toEqual(['apply volume-fill {"ageDays":60}', 'apply container-stop {"target":"postgresql"}', "revert container-stop", "revert volume-fill"]);
  });

  it("reverts what it applied when a later fault fails, and refuses an unknown kind", async () => {
    const events: string[] = [];
    await expect(combined(library(events, "container-stop"))(ctx, { of: [{ kind: "volume-fill" }, { kind: "container-stop" }] })).rejects.toThrow("container-stop failed");
    expect(events).toEqual(["apply volume-fill {}", "revert volume-fill"]);
    await expect(combined(library([]))(ctx, { of: [{ kind: "nope" }] })).rejects.toThrow(/"nope" is not a fault of the library/);
  });
});
