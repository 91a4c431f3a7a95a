// Find and remove what drills left behind: every container, network and volume a
// drill creates carries io.runbook-drills.* labels, so a run killed with SIGKILL (no
// chance to tear down) is cleaned by the next run's preflight.
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { labelOwnerHost, labelOwnerPid, labelProject } from "./compose-file.js";
import { stateDir } from "../util/paths.js";

export interface ProjectResources {
  project: string;
  containers: string[];
  networks: string[];
  volumes: string[];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A stack kept on purpose with --keep has a marker file; its owner has exited. */
export function keepMarker(project: string): string {
  return join(stateDir, project, "KEEP");
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
  const labels = ctrs[0]?.Labels ?? nets[0]?.Labels ?? vols[0]?.Labels;
  const pid = Number(labels?.[labelOwnerPid]);
  const host = labels?.[labelOwnerHost];
  return Number.isFinite(pid) && host ? { pid, host } : undefined;
}

export async function removeProjectResources(docker: Docker, res: ProjectResources): Promise<void> {
  await Promise.all(res.containers.map((c) => docker.getContainer(c).remove({ force: true, v: true }).catch(() => {})));
  // Networks and volumes can only go once no container uses them.
  await Promise.all([
    ...res.networks.map((n) => docker.getNetwork(n).remove().catch(() => {})),
    ...res.volumes.map((v) => docker.getVolume(v).remove({ force: true }).catch(() => {})),
  ]);
}

/**
 * Remove the resources of drills whose owner process on this host is gone and that
 * were not kept on purpose. Returns what was removed, for the preflight to say.
 */
export async function sweepLeftovers(docker: Docker): Promise<ProjectResources[]> {
  const removed: ProjectResources[] = [];
  for (const res of await listDrillResources(docker)) {
    if (existsSync(keepMarker(res.project))) continue;
    const owner = await ownerOf(docker, res.project);
    if (owner && owner.host === hostname() && processAlive(owner.pid)) continue;
    if (owner && owner.host !== hostname()) continue; // another machine's drill on a shared engine
    await removeProjectResources(docker, res);
    removed.push(res);
  }
  return removed;
}
