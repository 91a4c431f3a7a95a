import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { hostname } from "node:os";
import { describeFailure, removeProjectResources, sweepLeftovers } from "./leftovers.js";

// A stand-in for dockerode's handles: each resource name maps to how its removal ends.
function fakeDocker(outcomes: Record<string, () => Promise<unknown>>, calls: string[]): Docker {
  const handle = (name: string) => ({
    remove: () => {
      calls.push(name);
      return (outcomes[name] ?? (() => Promise.resolve()))();
    },
  });
  return { getContainer: handle, getNetwork: handle, getVolume: handle } as unknown as Docker;
}

const engineError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode, json: { message } });

describe("removeProjectResources", () => {
  it("reports what the engine refused, with its reason and what to do, and treats 'already gone' as removed", async () => {
    const calls: string[] = [];
    const docker = fakeDocker(
      {
        "p-caddy": () => Promise.reject(engineError(404, "No such container: p-caddy")),
        p_net: () => Promise.reject(engineError(403, "error while removing network: network p_net id 1 has active endpoints")),
      },
      calls,
    );
    const failures = await removeProjectResources(docker, { project: "p", containers: ["p-caddy", "p-app"], networks: ["p_net"], volumes: ["p_data"] });
    expect(failures).toEqual([{ kind: "network", name: "p_net", reason: "error while removing network: network p_net id 1 has active endpoints" }]);
    // The network was retried before it was reported; the rest went on the first try.
    expect(calls.filter((c) => c === "p_net")).toHaveLength(4);
    expect(calls.filter((c) => c === "p_data")).toHaveLength(1);
    expect(describeFailure(failures[0]!)).toMatch(/^could not remove network p_net: .*restart dockerd, then run `npm run clean` again/);
  });

  it("retries a volume the engine still holds and reports nothing once it goes", async () => {
    const calls: string[] = [];
    let tries = 0;
    const docker = fakeDocker({ p_data: () => (++tries < 2 ? Promise.reject(engineError(409, "volume is in use")) : Promise.resolve()) }, calls);
    expect(await removeProjectResources(docker, { project: "p", containers: [], networks: [], volumes: ["p_data"] })).toEqual([]);
    expect(tries).toBe(2);
  });
});

describe("sweepLeftovers", () => {
  it("spares a running drill whose newest container (a fault's helper) carries no owner labels", async () => {
    const project = "drill-20261129t101815-8150";
    const removed: string[] = [];
    const owned = { "io.runbook-drills.project": project, "io.runbook-drills.owner-pid": String(process.pid), "io.runbook-drills.owner-host": hostname() };
    const docker = {
      listContainers: async () => [
        { Id: "helper", Names: ["/fault-helper"], Labels: { "io.runbook-drills.project": project } },
        { Id: "pg", Names: [`/${project}-postgresql`], Labels: owned },
      ],
      listNetworks: async () => [{ Name: `${project}_app-network`, Labels: owned }],
      listVolumes: async (opts?: { filters?: string }) =>
        (opts?.filters ?? "").includes("io.runbook-drills.kept") ? { Volumes: [] } : { Volumes: [{ Name: `${project}_pg`, Labels: owned }] },
      getContainer: (n: string) => ({ remove: async () => void removed.push(n) }),
      getNetwork: (n: string) => ({ remove: async () => void removed.push(n) }),
      getVolume: (n: string) => ({ remove: async () => void removed.push(n) }),
    } as unknown as Docker;
    expect(await sweepLeftovers(docker)).toEqual([]);
    expect(removed).toEqual([]);
  });
});

describe("a network with a stale endpoint", () => {
  it("is force-disconnected from the project's containers by name and then removed", async () => {
    const calls: string[] = [];
    let stale = true;
    const docker = {
      getContainer: () => ({ remove: () => Promise.resolve() }),
      getVolume: () => ({ remove: () => Promise.resolve() }),
      getNetwork: (n: string) => ({
        remove: () => {
          calls.push(`rm ${n}`);
          return stale ? Promise.reject(engineError(403, `error while removing network: network ${n} id 1 has active endpoints`)) : Promise.resolve();
        },
        inspect: () => Promise.resolve({ Containers: {} }),
        disconnect: (o: { Container: string; Force: boolean }) => {
          calls.push(`disconnect -f ${o.Container}`);
          stale = false;
          return Promise.resolve();
        },
      }),
    } as unknown as Docker;
    const failures = await removeProjectResources(docker, { project: "p", containers: ["p-minio"], networks: ["p_net"], volumes: [] });
    expect(failures).toEqual([]);
    expect(calls).toEqual(["rm p_net", "disconnect -f p-minio", "rm p_net"]);
  });
});
