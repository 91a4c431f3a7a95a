// Find and remove what drills left behind: every container, network and volume a
// drill creates carries io.runbook-drills.* labels, so a run killed with SIGKILL (no
// chance to tear down) is cleaned by the next run's preflight.
import { hostname } from "node:os";
import type Docker from "dockerode";
import { labelOwnerHost, labelOwnerPid, labelProject } from "./labels.js";
import { keptProjects } from "./keep.js";

export interface ProjectResources {
  project: string;
  containers: string[];
  networks: string[];
  volumes: string[];
  /** After a removal: what the engine refused to remove, and why. */
  failures?: RemovalFailure[];
}

export interface RemovalFailure {
  kind: "container" | "network" | "volume";
  name: string;
  reason: string;
}

/** One line per failure, with what to do where the cause is known. */
export function describeFailure(f: RemovalFailure): string {
  const hint = /active endpoints/.test(f.reason)
    ? " (the engine still counts a removed container on this network, a Docker engine bookkeeping fault; restart dockerd, then run `npm run clean` again)"
    : "";
  return `could not remove ${f.kind} ${f.name}: ${f.reason}${hint}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function listDrillResources(docker: Docker, project?: string): Promise<ProjectResources[]> {
  const filters = JSON.stringify({ label: [project ? `${labelProject}=${project}` : labelProject] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const byProject = new Map<string, ProjectResources>();
  const entry = (p: string) => {
    let e = byProject.get(p);
    if (!e) byProject.set(p, (e = { project: p, containers: [], networks: [], volumes: [] }));
    return e;
  };
  for (const c of containers) entry(c.Labels[labelProject] ?? "?").containers.push(c.Names[0]?.replace(/^\//, "") ?? c.Id);
  for (const n of networks) entry(n.Labels?.[labelProject] ?? "?").networks.push(n.Name);
  for (const v of volumes.Volumes ?? []) entry(v.Labels?.[labelProject] ?? "?").volumes.push(v.Name);
  return [...byProject.values()];
}

/** Owner of a project's resources, from any of its labelled containers/networks/volumes. */
async function ownerOf(docker: Docker, project: string): Promise<{ pid: number; host: string } | undefined> {
  const filters = JSON.stringify({ label: [`${labelProject}=${project}`] });
  const nets = await docker.listNetworks({ filters });
  const vols = (await docker.listVolumes({ filters })).Volumes ?? [];
  const ctrs = await docker.listContainers({ all: true, filters });
  // Any of them that names its owner: a fault's helper container (docker run --label
  // project only) may be listed first, and taking its missing owner for "crashed" would
  // sweep a running drill from under it.
  const labels = [...ctrs.map((c) => c.Labels), ...nets.map((n) => n.Labels), ...vols.map((v) => v.Labels)].find(
    (l) => l?.[labelOwnerPid] !== undefined && l?.[labelOwnerHost] !== undefined,
  );
  const pid = Number(labels?.[labelOwnerPid]);
  const host = labels?.[labelOwnerHost];
  return Number.isFinite(pid) && host ? { pid, host } : undefined;
}

/** Remove a project's resources; returns what the engine refused (already gone is fine). */
export async function removeProjectResources(docker: Docker, res: ProjectResources): Promise<RemovalFailure[]> {
  const failures: RemovalFailure[] = [];
  const attempt = async (kind: RemovalFailure["kind"], name: string, remove: () => Promise<unknown>, tries: number) => {
    for (let i = 1; ; i++) {
      try {
        await remove();
        return;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return;
        if (i >= tries) {
          failures.push({ kind, name, reason: engineMessage(err) });
          return;
        }
        // The engine may still be releasing a just-removed container's endpoints and mounts.
        await sleep(300 * i);
      }
    }
  };
  await Promise.all(res.containers.map((c) => attempt("container", c, () => docker.getContainer(c).remove({ force: true, v: true }), 2)));
  // Networks and volumes can only go once no container uses them.
  await Promise.all([
    ...res.networks.map((n) => attempt("network", n, () => docker.getNetwork(n).remove(), 4)),
    ...res.volumes.map((v) => attempt("volume", v, () => docker.getVolume(v).remove({ force: true }), 4)),
  ]);
  return failures;
}

/**
 * Remove the resources of drills whose owner process on this host is gone and that
 * were not kept on purpose. Returns what was found, with what could not be removed,
 * for the preflight to say.
 */
export async function sweepLeftovers(docker: Docker): Promise<ProjectResources[]> {
  const removed: ProjectResources[] = [];
  const kept = await keptProjects(docker);
  for (const res of await listDrillResources(docker)) {
    if (kept.has(res.project)) continue;
    const owner = await ownerOf(docker, res.project);
    if (owner && owner.host === hostname() && processAlive(owner.pid)) continue;
    if (owner && owner.host !== hostname()) continue; // another machine's drill on a shared engine
    const failures = await removeProjectResources(docker, res);
    removed.push({ ...res, failures });
  }
  return removed;
}
