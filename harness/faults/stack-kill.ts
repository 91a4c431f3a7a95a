// The whole stack dies at once, as when the Docker daemon crashes: every running
// container of the drill's stack gets SIGKILL in the same instant (no polite stop, no
// shutdown hooks). `docker kill` also marks them as stopped by hand, so restart
// policies do not bring them back: the stack stays down until someone starts it, as it
// does until the daemon is restarted. The operator shell is not part of the stack.
import type Docker from "dockerode";
import { labelProject, labelService } from "../stack/labels.js";
import type { AppliedFault, Fault, FaultModule } from "./fault.js";


export interface StackKillParams {
  /** Services left running (names from the compose file); none by default. */
  spare: string[];
}

export function stackKillParams(params: Record<string, unknown>): StackKillParams {
  const unknown = Object.keys(params).filter((k) => k !== "spare");
  if (unknown.length > 0) throw new Error(`stack-kill: unknown parameter ${unknown.join(", ")} (it takes: spare)`);
  const spare = params.spare ?? [];
  if (!Array.isArray(spare) || !spare.every((s): s is string => typeof s === "string" && /^[a-z0-9-]+$/.test(s))) {
    throw new Error(`stack-kill: spare must be a list of service names, got ${JSON.stringify(spare)}`);
  }
  return { spare };
}

interface Victim {
  id: string;
  service: string;
}

/** The running service containers of `project`, less the spared ones. */
export async function stackVictims(docker: Pick<Docker, "listContainers">, project: string, spare: readonly string[]): Promise<Victim[]> {
  const listed = await docker.listContainers({ filters: JSON.stringify({ label: [`${labelProject}=${project}`, labelService], status: ["running"] }) });
  return listed
    // The engine filtered already; checked again so a fake or a wider filter cannot widen the blast radius.
    .filter((c) => c.Labels[labelProject] === project && c.Labels[labelService] !== undefined && c.State === "running")
    .map((c) => ({ id: c.Id, service: c.Labels[labelService] ?? "?" }))
    .filter((v) => !spare.includes(v.service))
    .sort((a, b) => a.service.localeCompare(b.service));
}

export async function killStack(docker: Pick<Docker, "listContainers" | "getContainer">, project: string, params: StackKillParams): Promise<AppliedFault & { killed: string[] }> {
  const victims = await stackVictims(docker, project, params.spare);
  if (victims.length === 0) throw new Error(`stack-kill: no running service containers in project ${project}`);
  const t0 = Date.now();
  // All at once: the kills are issued together, not one after another.
  const results = await Promise.allSettled(victims.map((v) => docker.getContainer(v.id).kill({ signal: "SIGKILL" })));
  const ms = Date.now() - t0;
  const failed = victims.filter((_, i) => results[i]?.status === "rejected");
  if (failed.length > 0) {
    const why = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
    throw new Error(`stack-kill: could not kill ${failed.map((f) => f.service).join(", ")}: ${why instanceof Error ? why.message : String(why)}`);
  }
  const killed = victims.map((v) => v.service);
  return {
    killed,
    detail: `killed all ${killed.length} running containers of the stack with SIGKILL within ${ms} ms (${killed.join(", ")})${params.spare.length ? `; spared ${params.spare.join(", ")}` : ""}`,
    // For a failed or kept drill: start what was killed (the runbook's own step does it in a drill).
    revert: async () => {
      await Promise.allSettled(victims.map((v) => docker.getContainer(v.id).start()));
    },
  };
}

export const stackKill: Fault = async ({ stack }, params) => killStack(stack.docker, stack.project, stackKillParams(params));

/** `kind: stack-kill` in a scenario. */
export const stackKillFault: FaultModule = {
  kind: "stack-kill",
  parameters: { spare: { type: "string-list", about: "services left running" } },
  serviceParameters: ["spare"],
  apply: stackKill,
};
