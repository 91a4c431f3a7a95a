// What a step did to Docker resources, and which removals are hazards.
import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { auditStep, describeCall, hazards, isMutating, snapshotResources, type ResourceSnapshot } from "./resource-audit.js";

const p = "drill-x";
const before: ResourceSnapshot = {
  containers: [
    { id: "a".repeat(64), name: `${p}-postgresql`, service: "postgresql", state: "exited", restart: "unless-stopped", mounts: [{ volume: `${p}_postgres-data`, destination: "/var/lib/postgresql/data" }] },
    { id: "b".repeat(64), name: `${p}-minio-init`, service: "minio-init", state: "exited", restart: "no", mounts: [] },
    { id: "c".repeat(64), name: `${p}-minio`, service: "minio", state: "running", mounts: [{ volume: `${p}_minio-data`, destination: "/data" }] },
  ],
  volumes: [`${p}_minio-data`, `${p}_postgres-data`, `${p}_loki-data`],
  networks: [`${p}_app-network`],
};

describe("resource audit", () => {
  it("names what a prune removed, and calls removing a stopped service's container and its data volume hazards", () => {
    const after: ResourceSnapshot = { containers: [before.containers[2]!], volumes: [`${p}_minio-data`], networks: [`${p}_app-network`] };
    const calls = [
      { step: "3.2", method: "POST", path: "/containers/prune", status: 200, at: "" },
      { step: "3.2", method: "POST", path: "/volumes/prune", status: 200, at: "" },
    ];
    const r = auditStep(before, after, calls);
    expect(r.calls).toEqual(["POST /containers/prune -> 200", "POST /volumes/prune -> 200"]);
    expect(r.removed).toEqual([
      { kind: "container", name: `${p}-postgresql`, service: "postgresql", from: "exited" },
      { kind: "container", name: `${p}-minio-init`, service: "minio-init", from: "exited" },
      { kind: "volume", name: `${p}_postgres-data` },
      { kind: "volume", name: `${p}_loki-data` },
    ]);
    expect(r.hazards).toHaveLength(2);
    expect(r.hazards![0]).toMatch(/^removed the container of stopped service postgresql/);
    expect(r.hazards![1]).toBe(
      `removed volume ${p}_postgres-data, which held postgresql's data (mounted at /var/lib/postgresql/data) while postgresql was stopped (exited): everything in it is gone`,
    );
  });

  it("a finished one-shot job and a volume no service mounted are no hazard", () => {
    expect(hazards(before, [{ kind: "container", name: `${p}-minio-init`, service: "minio-init", from: "exited" }, { kind: "volume", name: `${p}_loki-data` }])).toEqual([]);
  });

  it("a stopped container compose replaces within the step is no hazard; its volume removed is", () => {
    const after: ResourceSnapshot = { containers: [{ ...before.containers[0]!, id: "e".repeat(64), state: "running" }], volumes: [], networks: [] };
    const h = hazards(before, [{ kind: "container", name: `${p}-postgresql`, service: "postgresql", from: "exited" }, { kind: "volume", name: `${p}_postgres-data` }], after);
    expect(h).toHaveLength(1);
    expect(h[0]).toMatch(/^removed volume drill-x_postgres-data/);
  });

  it("sees a volume removed and created again under the same name in one step (volume rm, then up -d)", () => {
    const calls = [{ step: "4.3b", method: "DELETE", path: `/volumes/${p}_postgres-data`, status: 204, at: "" }];
    const r = auditStep(before, before, calls);
    expect(r.removed).toEqual([{ kind: "volume", name: `${p}_postgres-data` }]);
    expect(r.created).toEqual([{ kind: "volume", name: `${p}_postgres-data` }]);
    expect(r.hazards?.[0]).toMatch(/^removed volume drill-x_postgres-data, which held postgresql's data/);
  });

  it("records state changes and creations", () => {
    const after: ResourceSnapshot = {
      containers: [{ ...before.containers[0]!, state: "running" }, before.containers[1]!, before.containers[2]!, { id: "d".repeat(64), name: `${p}-x`, state: "running", mounts: [] }],
      volumes: before.volumes,
      networks: before.networks,
    };
    const r = auditStep(before, after, []);
    expect(r.changed).toEqual([{ kind: "container", name: `${p}-postgresql`, service: "postgresql", from: "exited", to: "running" }]);
    expect(r.created).toEqual([{ kind: "container", name: `${p}-x`, service: undefined, to: "running" }]);
    expect(r.hazards).toBeUndefined();
  });

  it("counts only calls that change something, and shortens IDs", () => {
    expect(isMutating("GET", "/containers/json")).toBe(false);
    expect(isMutating("POST", "/containers/abc/exec")).toBe(false);
    expect(isMutating("POST", "/exec/abc/start")).toBe(false);
    expect(isMutating("POST", "/containers/abc/stop")).toBe(true);
    expect(isMutating("DELETE", "/volumes/x")).toBe(true);
    expect(describeCall({ method: "DELETE", path: `/containers/${"f".repeat(64)}`, status: 204 })).toBe(`DELETE /containers/${"f".repeat(12)} -> 204`);
  });
});

describe("snapshotResources", () => {
  // A fake engine: no labelled resources left, one anonymous volume that still exists unmounted.
  const engine = (existing: string[]) =>
    ({
      listContainers: async () => [],
      listVolumes: async () => ({ Volumes: [] }),
      listNetworks: async () => [],
      getVolume: (name: string) => ({ inspect: async () => (existing.includes(name) ? { Name: name } : Promise.reject(new Error("no such volume"))) }),
    }) as unknown as Docker;

  it("keeps an earlier anonymous volume that exists unmounted, so removing its container is not read as removing the volume", async () => {
    const anon = "940c49111c2408f6d681c48d43492bd9351a7ef1506dec513479710ad62bfa6d";
    const after = await snapshotResources(engine([anon]), "drill-x", [], [anon, "gone-volume"]);
    expect(after.volumes).toEqual([anon]);
    const before: ResourceSnapshot = { containers: [{ id: "c1", name: "drill-x-postgres-backup", service: "postgres-backup", state: "running", mounts: [{ volume: anon, destination: "/var/lib/postgresql/data" }] }], volumes: [anon], networks: [] };
    const audit = auditStep(before, after, []);
    expect(audit.removed.filter((r) => r.kind === "volume")).toEqual([]);
    expect(audit.hazards ?? []).toEqual([]);
  });
});
