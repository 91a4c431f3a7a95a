// The production compose file, and the drill's own copy derived from it.
//
// The derived copy differs only where a drill must: container names carry the drill's
// project prefix, host ports are ephemeral on loopback, every resource is labelled so
// a crashed run can be swept, bind mounts point into this checkout, images are the
// profile's, and services the profile cannot serve are left out (and listed).
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseYaml, type YamlDiagnostic } from "../util/yaml-source.js";
import { stackDir, stateDir } from "../util/paths.js";
import { labelOwnerHost, labelOwnerPid, labelProject, labelService } from "./labels.js";

export interface ComposeService {
  image?: string;
  build?: unknown;
  container_name?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  labels?: Record<string, string>;
  pid?: string;
  command?: string | string[];
  healthcheck?: { test: string[] | string; start_period?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ComposeFile {
  version?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, Record<string, unknown> | null>;
  volumes?: Record<string, Record<string, unknown> | null>;
}

/** The one compose reader (bring-up, the operator shell, lint's inventory, `affected`):
 *  the document when it is a compose file (it has `services:`), and the YAML's
 *  diagnostics at file:line. */
export function parseComposeText(text: string, file: string): { compose?: ComposeFile; diagnostics: YamlDiagnostic[] } {
  const { value, diagnostics } = parseYaml(text, file);
  const isCompose = value !== null && typeof value === "object" && "services" in value;
  return { compose: isCompose ? (value as ComposeFile) : undefined, diagnostics };
}

export function readComposeFile(path: string): ComposeFile {
  const { compose, diagnostics } = parseComposeText(readFileSync(path, "utf8"), path);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.file}:${d.line}: ${d.message}`).join("\n"));
  if (!compose) throw new Error(`${path}: not a compose file (no services:)`);
  return compose;
}

/** `${POSTGRES_IMAGE:-postgres:16}` -> { variable: "POSTGRES_IMAGE", pinned: "postgres:16" } */
export function imageVariable(service: string, image: string | undefined): { variable: string; pinned: string } {
  const m = /^\$\{([A-Z0-9_]+):-([^}]+)\}$/.exec(image ?? "");
  if (!m?.[1] || !m[2]) {
    throw new Error(`stack/docker-compose.yml: service ${service} must name its image as \${X_IMAGE:-pinned/image:tag}, found "${image}"`);
  }
  return { variable: m[1], pinned: m[2] };
}

// The label names live in labels.ts; re-exported for the modules that take them from here.
export { labelOwnerHost, labelOwnerPid, labelProject } from "./labels.js";

export interface DeriveOptions {
  project: string;
  /** Image per service; a service missing here is left out of the drill. */
  images: Record<string, string>;
  ownerPid: number;
  ownerHost: string;
  /** Size of the volume that stands for the host's root disk (node-exporter's /host). */
  hostDiskSize: string;
  /**
   * Production volumes that live on the host's root disk in a drill: they become the
   * one host-disk volume, so filling "the disk" hits them as it would in production.
   */
  hostDiskVolumes?: string[];
  /**
   * The loopback host port for a service's published port. Fixed per drill (not left
   * to Docker) so a restarted or recreated container keeps its address; without it
   * the engine assigns a new ephemeral port on every restart.
   */
  hostPort: (service: string, containerPort: number) => number;
  /** Drill-only services (e.g. the alert webhook standing for Slack), labelled like the rest. */
  extraServices?: Record<string, ComposeService>;
  /** Replacement bind-mount sources, keyed by the production source (e.g. a derived config dir). */
  mountOverrides?: Record<string, string>;
  /** Drill-only environment per service (e.g. a local SES endpoint), stated in reports. */
  environmentOverrides?: Record<string, Record<string, string>>;
  /** Drill-only bind mounts per service, `source:target[:mode]`, sources under the drill's state dir. */
  extraMounts?: Record<string, string[]>;
  /** Memory limit per service in MiB, swap included (the kernel's OOM killer acts at it). */
  memoryLimitsMb?: Record<string, number>;
}

/** The port a service listens on inside its container, from "8080:8080" or "127.0.0.1:9090:9090". */
export function containerPort(spec: string): string {
  const parts = spec.split(":");
  const last = parts[parts.length - 1];
  if (!last) throw new Error(`bad port spec "${spec}"`);
  return last;
}

function dependsOnList(dep: ComposeService["depends_on"]): string[] {
  if (!dep) return [];
  return Array.isArray(dep) ? dep : Object.keys(dep);
}

export function deriveDrillCompose(prod: ComposeFile, opts: DeriveOptions): ComposeFile {
  const labels = {
    [labelProject]: opts.project,
    [labelOwnerPid]: String(opts.ownerPid),
    [labelOwnerHost]: opts.ownerHost,
  };
  const kept = new Set(Object.keys(prod.services).filter((s) => s in opts.images));
  const services: Record<string, ComposeService> = {};

  const all = { ...prod.services, ...(opts.extraServices ?? {}) };
  for (const name of Object.keys(opts.extraServices ?? {})) kept.add(name);
  for (const [name, svc] of Object.entries(all)) {
    if (!kept.has(name)) continue;
    const out: ComposeService = { ...svc };
    delete out.build;
    out.image = opts.images[name];
    out.container_name = `${opts.project}-${name}`;
    out.labels = { ...(svc.labels ?? {}), ...labels, [labelService]: name };
    // Free loopback ports picked per drill: drills never collide with each other or a user's stack.
    if (svc.ports) out.ports = svc.ports.map((p) => `127.0.0.1:${opts.hostPort(name, Number(containerPort(p)))}:${containerPort(p)}`);
    if (svc.volumes) out.volumes = svc.volumes.map((v) => rewriteMount(v, opts));
    const envOverride = opts.environmentOverrides?.[name];
    if (envOverride) out.environment = { ...(svc.environment ?? {}), ...envOverride };
    const mounts = opts.extraMounts?.[name];
    if (mounts) out.volumes = [...(out.volumes ?? []), ...mounts.map((m) => rewriteMount(m, opts))];
    const limit = opts.memoryLimitsMb?.[name];
    if (limit !== undefined) {
      out.mem_limit = `${limit}m`;
      out.memswap_limit = `${limit}m`;
    }
    // Sharing the host's PID namespace would let a drill see (and signal) host processes.
    if (out.pid === "host") delete out.pid;
    // A start period: on a loaded machine a service may take longer than interval x
    // retries to start, and would be marked unhealthy although it comes up. Failures in
    // the start period do not count; a passing check still marks it healthy at once.
    if (out.healthcheck && !("start_period" in out.healthcheck)) out.healthcheck = { ...out.healthcheck, start_period: healthStartPeriod };
    const deps = dependsOnList(svc.depends_on).filter((d) => kept.has(d));
    if (svc.depends_on) {
      if (deps.length > 0) out.depends_on = deps;
      else delete out.depends_on;
    }
    services[name] = out;
  }

  const networks: Record<string, Record<string, unknown>> = {};
  for (const [name, net] of Object.entries(prod.networks ?? {})) {
    networks[name] = { ...(net ?? {}), labels: labels };
  }
  const volumes: Record<string, Record<string, unknown>> = {};
  const onHostDisk = new Set(opts.hostDiskVolumes ?? []);
  for (const [name, vol] of Object.entries(prod.volumes ?? {})) {
    if (!onHostDisk.has(name)) volumes[name] = { ...(vol ?? {}), labels: labels };
  }
  if (Object.values(services).some((s) => s.volumes?.some((v) => v.startsWith(`${hostDiskVolume}:`)))) {
    // A size-limited tmpfs, so "the disk" can be filled to a real ENOSPC without
    // touching the machine's own disk.
    volumes[hostDiskVolume] = {
      driver: "local",
      driver_opts: { type: "tmpfs", device: "tmpfs", o: `size=${opts.hostDiskSize}` },
      labels,
    };
  }

  return { version: prod.version, services, networks, volumes };
}

/** How long a drill service may take to start before failed health checks count (see deriveDrillCompose). */
export const healthStartPeriod = "150s";

/** The drill's stand-in for the host's root disk. */
export const hostDiskVolume = "host-disk";

function rewriteMount(spec: string, opts: DeriveOptions): string {
  const [source, target, mode] = spec.split(":");
  if (source === undefined || target === undefined) return spec;
  // The host's root filesystem becomes the drill's own small volume.
  if (source === "/") return `${hostDiskVolume}:${target}:ro`;
  if (opts.hostDiskVolumes?.includes(source)) return [hostDiskVolume, target, mode].filter((x) => x !== undefined).join(":");
  if (source.startsWith("./") || source.startsWith("../")) {
    const override = opts.mountOverrides?.[source];
    const abs = override ?? resolve(stackDir, source);
    return [abs, target, mode].filter((x) => x !== undefined).join(":");
  }
  // The drill's own generated files (.drill-state/<project>/...) may be mounted.
  if (isAbsolute(source) && source.startsWith(`${stateDir}/`)) return spec;
  if (isAbsolute(source)) {
    throw new Error(`stack/docker-compose.yml: bind mount "${spec}" reaches outside the drill; use a named volume or a path under stack/`);
  }
  return spec;
}
