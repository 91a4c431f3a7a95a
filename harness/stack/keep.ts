// Stacks kept on purpose (`--keep`) are marked on the engine, not in one checkout's
// files: a marker volume per kept project, which every checkout and every machine
// sharing the engine sees, so no clone's preflight sweeps a stack another kept. The
// marker does not carry the project label, so the drill's own listings, prunes and
// teardown never see it; `stack down` and `clean --all` remove it with the stack.
import type Docker from "dockerode";

import { labelKept } from "./labels.js";

export const keepMarkerVolume = (project: string): string => `runbook-drills-kept-${project}`;

export async function markKept(docker: Docker, project: string): Promise<void> {
  await docker.createVolume({ Name: keepMarkerVolume(project), Labels: { [labelKept]: project, [`${labelKept}-at`]: new Date().toISOString() } });
}

export async function keptProjects(docker: Docker): Promise<Set<string>> {
  const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [labelKept] }) });
  return new Set((Volumes ?? []).map((v) => v.Labels?.[labelKept]).filter((p): p is string => typeof p === "string"));
}

export async function unmarkKept(docker: Docker, project: string): Promise<void> {
  await docker
    .getVolume(keepMarkerVolume(project))
    .remove()
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
}
