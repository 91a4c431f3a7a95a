// stack-kill in isolation, against a fake engine: what it kills, with which signal, and
// what it must never touch (another project's containers, the operator shell, spared
// services).
import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { killStack, stackKillParams } from "./stack-kill.js";
import { labelProject, labelService } from "../stack/labels.js";

interface FakeContainer {
  Id: string;
  State: string;
  Labels: Record<string, string>;
}

function fakeEngine(containers: FakeContainer[], failKill: string[] = []) {
  const calls: { id: string; verb: "kill" | "start"; signal?: string }[] = [];
  let filters: unknown;
  const docker = {
    // A careless engine: ignores the filters, so the fault's own check is what protects.
    listContainers: async (opts?: { filters?: string }) => {
      filters = opts?.filters ? JSON.parse(opts.filters) : undefined;
      return containers;
    },
    getContainer: (id: string) => ({
      kill: async (o: { signal: string }) => {
        calls.push({ id, verb: "kill", signal: o.signal });
        if (failKill.includes(id)) throw new Error("no such container");
      },
      start: async () => void calls.push({ id, verb: "start" }),
    }),
  } as unknown as Pick<Docker, "listContainers" | "getContainer">;
  return { docker, calls, filters: () => filters };
}

const svc = (id: string, service: string, project = "drill-a", state = "running"): FakeContainer => ({
  Id: id,
  State: state,
  Labels: { [labelProject]: project, [labelService]: service },
});

describe("stack-kill", () => {
  it("SIGKILLs every running service container of the project and nothing else", async () => {
    const shell: FakeContainer = { Id: "shell", State: "running", Labels: { [labelProject]: "drill-a", "io.runbook-drills.role": "operator-shell" } };
    const engine = fakeEngine([
      svc("c1", "caddy"),
      svc("c2", "postgresql"),
      svc("c3", "prometheus"),
      svc("x1", "caddy", "drill-b"),
      svc("j1", "minio-init", "drill-a", "exited"),
      shell,
    ]);
    const applied = await killStack(engine.docker, "drill-a", stackKillParams({}));
    expect(engine.calls).toEqual([
      { id: "c1", verb: "kill", signal: "SIGKILL" },
      { id: "c2", verb: "kill", signal: "SIGKILL" },
      { id: "c3", verb: "kill", signal: "SIGKILL" },
    ]);
    expect(applied.killed).toEqual(["caddy", "postgresql", "prometheus"]);
    expect(applied.detail).toMatch(/killed all 3 running containers of the stack with SIGKILL/);
    expect(engine.filters()).toEqual({ label: [`${labelProject}=drill-a`, labelService], status: ["running"] });
    await applied.revert();
    expect(engine.calls.filter((c) => c.verb === "start").map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
  });

  it("leaves spared services running", async () => {
    const engine = fakeEngine([svc("c1", "caddy"), svc("c2", "postgresql")]);
    const applied = await killStack(engine.docker, "drill-a", stackKillParams({ spare: ["postgresql"] }));
    expect(engine.calls.map((c) => c.id)).toEqual(["c1"]);
    expect(applied.detail).toContain("spared postgresql");
  });

  it("fails when a kill fails or there is nothing to kill", async () => {
    await expect(killStack(fakeEngine([svc("c1", "caddy"), svc("c2", "minio")], ["c2"]).docker, "drill-a", { spare: [] })).rejects.toThrow(
      /could not kill minio: no such container/,
    );
    await expect(killStack(fakeEngine([svc("x1", "caddy", "drill-b")]).docker, "drill-a", { spare: [] })).rejects.toThrow(/no running service containers/);
  });

  it("validates its parameters", () => {
    expect(() => stackKillParams({ signal: "SIGTERM" })).toThrow(/unknown parameter signal/);
    expect(() => stackKillParams({ spare: "caddy" })).toThrow(/spare must be a list/);
    expect(() => stackKillParams({ spare: ["../etc"] })).toThrow(/spare must be a list/);
    expect(stackKillParams({ spare: ["caddy"] })).toEqual({ spare: ["caddy"] });
  });
});
