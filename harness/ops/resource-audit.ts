// What a runbook step did to Docker resources. The scope guard sees every call a step
// makes; the mutating ones are logged with the engine's status, and the drill's
// resources are listed before and after the step, so the journal can say which
// containers, volumes and networks the step created, removed or stopped. A removal that
// loses a service's data (a volume a service mounts) or a stopped service's container
// is a hazard: on the production host the same command does the same, and no recovery
// check of the drill makes it safe.
import type Docker from "dockerode";
import { labelProject } from "../stack/compose-file.js";

export interface AuditedContainer {
  id: string;
  name: string;
  /** The compose service, when compose made it. */
  service?: string;
  state: string;
  /** Restart policy name ("no" for one-shot jobs such as minio-init). */
  restart?: string;
  mounts: { volume: string; destination: string }[];
}

export interface ResourceSnapshot {
  containers: AuditedContainer[];
  volumes: string[];
  networks: string[];
}

export interface ResourceChange {
  kind: "container" | "volume" | "network";
  name: string;
  service?: string;
  from?: string;
  to?: string;
}

export interface StepResources {
  /** Mutating API calls the guard forwarded during the step, with the engine's status. */
  calls: string[];
  created: ResourceChange[];
  removed: ResourceChange[];
  /** Containers whose state changed. */
  changed: ResourceChange[];
  hazards?: string[];
}

export interface GuardCall {
  step: string | undefined;
  method: string;
  path: string;
  status: number;
  at: string;
}

/** Calls that change something; reads, exec plumbing and attach are not. */
export function isMutating(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD") return false;
  return !/^\/(exec\/[^/]+\/(start|resize|json)|containers\/[^/]+\/(exec|attach|wait|resize))$/.test(path);
}

/** `DELETE /containers/0123456789abcdef...` -> `DELETE /containers/0123456789ab` (IDs shortened, as the CLI prints them). */
export function describeCall(c: Pick<GuardCall, "method" | "path" | "status">): string {
  return `${c.method} ${decodeURIComponent(c.path).replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, "$1")} -> ${c.status}`;
}

/** The drill's labelled containers (except the harness's own), volumes and networks. */
export async function snapshotResources(
  docker: Docker,
  project: string,
  hiddenContainers: readonly string[] = [],
  /** Volumes an earlier snapshot held: an anonymous one that no container mounts any more is still the drill's while it exists. */
  earlierVolumes: readonly string[] = [],
): Promise<ResourceSnapshot> {
  const filters = JSON.stringify({ label: [`${labelProject}=${project}`] });
  const [list, vols, nets] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listVolumes({ filters }),
    docker.listNetworks({ filters }),
  ]);
  const containers: AuditedContainer[] = [];
  for (const c of list) {
    const name = (c.Names[0] ?? c.Id).replace(/^\//, "");
    if (hiddenContainers.includes(name)) continue;
    // The restart policy is not in the listing; only a stopped container needs it (one-shot job or stopped service?).
    const restart = c.State !== "running" ? await docker.getContainer(c.Id).inspect().then((i) => i.HostConfig.RestartPolicy?.Name, () => undefined) : undefined;
    containers.push({
      id: c.Id,
      name,
      service: c.Labels["com.docker.compose.service"],
      state: c.State,
      restart: restart ?? undefined,
      mounts: c.Mounts.filter((m) => m.Type === "volume" && m.Name).map((m) => ({ volume: m.Name as string, destination: m.Destination })),
    });
  }
  // Anonymous volumes carry no label: they are the drill's when its containers mount them.
  const volumes = new Set((vols.Volumes ?? []).map((v) => v.Name));
  for (const c of containers) for (const m of c.mounts) volumes.add(m.volume);
  // Without this, removing the container that mounted an anonymous volume (compose `down`)
  // read as removing the volume, which still exists unmounted: a false hazard (seen on
  // postgres-backup's anonymous /var/lib/postgresql/data in steps 4.3a and 4.3b).
  for (const name of earlierVolumes) {
    if (volumes.has(name)) continue;
    const exists = await docker.getVolume(name).inspect().then(() => true, () => false);
    if (exists) volumes.add(name);
  }
  return { containers, volumes: [...volumes].sort(), networks: nets.map((n) => n.Name).sort() };
}

/** What changed between two snapshots, and the hazards among the removals. */
export function auditStep(before: ResourceSnapshot, after: ResourceSnapshot, calls: readonly GuardCall[]): StepResources {
  const byId = (s: ResourceSnapshot) => new Map(s.containers.map((c) => [c.id, c]));
  const b = byId(before);
  const a = byId(after);
  const created: ResourceChange[] = [];
  const removed: ResourceChange[] = [];
  const changed: ResourceChange[] = [];
  for (const [id, c] of b) {
    const now = a.get(id);
    if (!now) removed.push({ kind: "container", name: c.name, service: c.service, from: c.state });
    else if (now.state !== c.state) changed.push({ kind: "container", name: c.name, service: c.service, from: c.state, to: now.state });
  }
  for (const [id, c] of a) if (!b.has(id)) created.push({ kind: "container", name: c.name, service: c.service, to: c.state });
  for (const kind of ["volume", "network"] as const) {
    const was = new Set(kind === "volume" ? before.volumes : before.networks);
    const is = new Set(kind === "volume" ? after.volumes : after.networks);
    for (const n of was) if (!is.has(n)) removed.push({ kind, name: n });
    for (const n of is) if (!was.has(n)) created.push({ kind, name: n });
  }
  // A volume removed and created again under the same name within the step (`volume rm`,
  // then `up -d`) is the same name before and after: the guard's call log shows the removal.
  for (const c of calls) {
    const m = /^\/volumes\/([^/]+)$/.exec(c.path);
    const name = m?.[1] ? decodeURIComponent(m[1]) : undefined;
    if (c.method === "DELETE" && c.status >= 200 && c.status < 300 && name && before.volumes.includes(name) && !removed.some((r) => r.kind === "volume" && r.name === name)) {
      removed.push({ kind: "volume", name });
      if (after.volumes.includes(name)) created.push({ kind: "volume", name });
    }
  }
  const out: StepResources = { calls: calls.map(describeCall), created, removed, changed };
  const h = hazards(before, removed, after);
  if (h.length) out.hazards = h;
  return out;
}

/**
 * Removals that lose something: a volume a service's container mounted (its data), and
 * the container of a service that was stopped (not a one-shot job that had finished)
 * when the step leaves the service without one (compose recreating it is no loss).
 */
export function hazards(before: ResourceSnapshot, removed: readonly ResourceChange[], after?: ResourceSnapshot): string[] {
  const out: string[] = [];
  for (const r of removed) {
    if (r.kind === "volume") {
      const users = before.containers.filter((c) => c.service && c.mounts.some((m) => m.volume === r.name));
      for (const u of users) {
        const at = u.mounts.find((m) => m.volume === r.name)?.destination ?? "?";
        out.push(
          `removed volume ${r.name}, which held ${u.service}'s data (mounted at ${at})${u.state !== "running" ? ` while ${u.service} was stopped (${u.state})` : ""}: everything in it is gone`,
        );
      }
    }
    if (r.kind === "container" && r.service && r.from !== "running") {
      const c = before.containers.find((x) => x.name === r.name);
      const replaced = after?.containers.some((x) => x.service === r.service);
      if (c && c.restart !== "no" && !replaced) {
        out.push(`removed the container of stopped service ${r.service} (${r.name}, ${r.from}): compose must recreate it, and its anonymous volumes${c.mounts.length ? ` and the named volumes it mounted (${c.mounts.map((m) => m.volume).join(", ")})` : ""} are no longer in use, so a volume prune removes them`);
      }
    }
  }
  return out;
}
