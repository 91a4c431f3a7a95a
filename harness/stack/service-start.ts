// How long each service took from its container's start to its first passing health
// check, read from the engine right after bring-up. The slowest one is the floor of any
// bring-up (bench:scenarios compares a drill's wall time with that floor).
import type Docker from "dockerode";
import { labelProject, labelService } from "./labels.js";

export interface ServiceStart {
  service: string;
  /** Container start to healthy (0 for a service without a health check). */
  seconds: number;
  /**
   * True when the engine's health log (it keeps the last five checks) no longer holds the
   * check that first passed: `seconds` is then an upper bound.
   */
  upperBound: boolean;
}

interface HealthLogEntry {
  End: string;
  ExitCode: number;
}

/** Time from `startedAt` to the first check of the final passing run in `log`. */
export function secondsToHealthy(startedAt: string, log: readonly HealthLogEntry[], logCapacity = 5): { seconds: number; upperBound: boolean } | undefined {
  let first = log.length;
  while (first > 0 && log[first - 1]?.ExitCode === 0) first--;
  const entry = log[first];
  if (!entry) return undefined;
  const seconds = Math.max(0, (Date.parse(entry.End) - Date.parse(startedAt)) / 1000);
  // Every kept entry passed and the log is full: an earlier check may have passed first.
  return { seconds, upperBound: first === 0 && log.length >= logCapacity };
}

export async function serviceStarts(docker: Docker, project: string): Promise<ServiceStart[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${labelProject}=${project}`] } });
  const out: ServiceStart[] = [];
  for (const c of containers) {
    const info = await docker.getContainer(c.Id).inspect();
    const service = info.Config.Labels[labelService] ?? info.Name.replace(/^\//, "");
    const health = info.State.Health as { Log?: HealthLogEntry[] } | undefined;
    if (!health?.Log) {
      out.push({ service, seconds: 0, upperBound: false });
      continue;
    }
    const healthy = secondsToHealthy(info.State.StartedAt, health.Log);
    if (healthy) out.push({ service, ...healthy });
  }
  return out.sort((a, b) => b.seconds - a.seconds);
}
