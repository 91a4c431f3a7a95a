import { describe, expect, it } from "vitest";
import { containerPort, deriveDrillCompose, imageVariable, readComposeFile } from "./compose-file.js";
import { labelProject } from "./labels.js";
import { productionComposeFile, stackDir } from "../util/paths.js";

const prod = readComposeFile(productionComposeFile);
const opts = {
  project: "drill-test",
  images: { caddy: "img/caddy:1", postgresql: "img/pg:1", "node-exporter": "img/ne:1", prometheus: "img/prom:1" },
  ownerPid: 4242,
  ownerHost: "host-a",
  hostDiskSize: "64m",
  hostDiskVolumes: ["app-logs"],
  mountOverrides: { "./config/prometheus": "/tmp/derived-prom" },
  hostPort: (service: string, port: number) => 40000 + port - (service === "caddy" ? 0 : 1),
};

describe("production compose file", () => {
  it("names every image as ${X_IMAGE:-pinned} so profiles can swap it", () => {
    for (const [name, svc] of Object.entries(prod.services)) {
      const { variable, pinned } = imageVariable(name, svc.image);
      expect(variable).toMatch(/_IMAGE$/);
      expect(pinned).toMatch(/:/);
    }
  });

  it("keeps the runbook's container names and Caddy on 8080", () => {
    for (const name of ["fastapi-app", "postgresql", "minio", "meilisearch", "prometheus", "caddy", "loki", "promtail"]) {
      expect(prod.services[name]?.container_name).toBe(name);
    }
    expect(prod.services.caddy?.ports).toEqual(["8080:8080"]);
    expect(prod.services.postgresql?.volumes).toContain("postgres-data:/var/lib/postgresql/data");
  });
});

describe("drill-derived compose file", () => {
  const derived = deriveDrillCompose(prod, opts);

  it("keeps only the services it has images for", () => {
    expect(Object.keys(derived.services).sort()).toEqual(["caddy", "node-exporter", "postgresql", "prometheus"]);
  });

  it("prefixes container names, labels everything with the owner, and uses the profile's images", () => {
    const pg = derived.services.postgresql!;
    expect(pg.container_name).toBe("drill-test-postgresql");
    expect(pg.image).toBe("img/pg:1");
    expect(pg.labels?.[labelProject]).toBe("drill-test");
    expect(pg.labels?.["io.runbook-drills.owner-pid"]).toBe("4242");
    expect(derived.volumes?.["postgres-data"]?.labels).toMatchObject({ [labelProject]: "drill-test" });
    expect(derived.networks?.["app-network"]?.labels).toMatchObject({ [labelProject]: "drill-test" });
    expect(derived.services.caddy?.build).toBeUndefined();
  });

  it("publishes ports on the drill's own loopback ports", () => {
    expect(derived.services.caddy?.ports).toEqual(["127.0.0.1:48080:8080"]);
    expect(derived.services.postgresql?.ports).toEqual(["127.0.0.1:45431:5432"]);
    expect(containerPort("127.0.0.1:9090:9090")).toBe("9090");
  });

  it("points bind mounts into the checkout, or at their drill overrides", () => {
    expect(derived.services.caddy?.volumes).toContain(`${stackDir}/config/caddy/Caddyfile:/etc/caddy/Caddyfile:ro`);
    expect(derived.services.prometheus?.volumes).toContain("/tmp/derived-prom:/etc/prometheus:ro");
  });

  it("never mounts the host's root or shares its PID namespace", () => {
    const ne = derived.services["node-exporter"]!;
    expect(ne.volumes).toEqual(["host-disk:/host:ro"]);
    expect(ne.pid).toBeUndefined();
    expect(derived.volumes?.["host-disk"]?.driver_opts).toEqual({ type: "tmpfs", device: "tmpfs", o: "size=64m" });
  });

  it("puts the volumes that live on the host's root disk onto the drill's host disk", () => {
    const withApp = deriveDrillCompose(prod, { ...opts, images: { ...opts.images, "fastapi-app": "img/app:1" } });
    expect(withApp.services["fastapi-app"]?.volumes).toEqual(["host-disk:/mnt/logs"]);
    expect(withApp.volumes?.["app-logs"]).toBeUndefined();
  });

  it("refuses a bind mount of an absolute host path", () => {
    const bad = { ...prod, services: { x: { image: "${X_IMAGE:-x:1}", volumes: ["/etc:/etc"] } } };
    expect(() => deriveDrillCompose(bad, { ...opts, images: { x: "x:1" } })).toThrow(/reaches outside the drill/);
  });
});
