// Container faults: stop, kill (SIGKILL), pause, and OOM (a memory limit plus an
// allocation inside the container, so the kernel's OOM killer does the killing); and
// PostgreSQL's data volume changed while the server is stopped (corrupted, chowned).
import { param, type Fault, type FaultContext, type FaultModule, targetParameter } from "./fault.js";
import { pollUntil } from "../util/poll.js";
import { run, runChecked } from "../util/run.js";
import { baseImage } from "../stack/base-image.js";
import { labelProject } from "../stack/labels.js";

const target = (params: Record<string, unknown>) => param<string>(params, "target", "string");

export const containerStop: Fault = async ({ stack }, params) => {
  const c = stack.docker.getContainer(stack.containerName(target(params)));
  await c.stop({ t: 2 });
  return { detail: `stopped ${target(params)} (docker stop)`, revert: async () => void (await c.start().catch(() => {})) };
};

export const containerKill: Fault = async ({ stack }, params) => {
  const c = stack.docker.getContainer(stack.containerName(target(params)));
  await c.kill({ signal: "SIGKILL" });
  return { detail: `killed ${target(params)} with SIGKILL`, revert: async () => void (await c.start().catch(() => {})) };
};

export const containerPause: Fault = async ({ stack }, params) => {
  const c = stack.docker.getContainer(stack.containerName(target(params)));
  await c.pause();
  return { detail: `paused ${target(params)} (SIGSTOP to every process)`, revert: async () => void (await c.unpause().catch(() => {})) };
};

export const containerOom: Fault = async ({ stack }, params) => {
  const name = target(params);
  const limitMb = param<number>(params, "memoryMb", "number", 64);
  const c = stack.docker.getContainer(stack.containerName(name));
  const before = (await c.inspect()).HostConfig;
  await c.update({ Memory: limitMb * 1024 * 1024, MemorySwap: limitMb * 1024 * 1024 });
  // `tail` keeps its whole input in memory when it has no newline: a portable hog.
  const exec = await c.exec({ Cmd: ["sh", "-c", `head -c ${limitMb * 4}m /dev/zero | tail -c 1 >/dev/null`], AttachStdout: false, AttachStderr: false });
  await exec.start({ Detach: true });
  return {
    detail: `limited ${name} to ${limitMb} MiB and allocated ${limitMb * 4} MiB inside it`,
    revert: async () => {
      await c.update({ Memory: before.Memory ?? 0, MemorySwap: before.MemorySwap ?? 0 }).catch(() => {});
      await c.start().catch(() => {});
    },
  };
};

/**
 * Run a command on PostgreSQL's data volume (mounted at /data) while the server is
 * stopped, then start the server again. Returns what the command printed.
 */
async function onStoppedDataVolume(stack: FaultContext["stack"], command: string[]): Promise<string> {
  const c = stack.docker.getContainer(stack.containerName("postgresql"));
  await c.stop({ t: 5 });
  const r = await runChecked("docker", [
    "run", "--rm", "--label", `${labelProject}=${stack.project}`,
    "-v", `${stack.project}_postgres-data:/data`, baseImage, ...command,
  ]);
  await c.start();
  return r.stdout.trim();
}

/**
 * Cause (a) of the runbook's section 4, a volume permission error: the data directory
 * gets another owner (default 70:70, the postgres uid of the Alpine-based images, which
 * a volume restored or migrated from one carries), then the server starts again.
 */
export const postgresChown: Fault = async ({ stack }, params) => {
  const owner = param<string>(params, "owner", "string", "70:70");
  if (!/^\d+:\d+$/.test(owner)) throw new Error(`postgres-chown: owner must be uid:gid in numbers, got "${owner}"`);
  const name = stack.containerName("postgresql");
  const set = await onStoppedDataVolume(stack, ["sh", "-c", `chown -R ${owner} /data && stat -c %u:%g /data/PG_VERSION`]);
  // Evidence of what the start did with it: the owner once the server answers (or after 30 s).
  await pollUntil("PostgreSQL accepting connections", 30_000, 1000, async () =>
    (await run("docker", ["exec", name, "pg_isready", "-q"])).exitCode === 0 ? { value: true, reason: "" } : { reason: "not ready" },
  ).catch(() => undefined);
  const after = await run("docker", ["exec", name, "stat", "-c", "%u:%g", "/var/lib/postgresql/data/PG_VERSION"]);
  return {
    detail:
      `changed the owner of the PostgreSQL data directory to ${owner} (PG_VERSION owned by ${set}) and started the server again; ` +
      `after the start PG_VERSION is owned by ${after.exitCode === 0 ? after.stdout.trim() : `? (stat failed: ${after.stderr.trim()})`}`,
    revert: async () => {},
  };
};

/**
 * Corrupt PostgreSQL's data directory the way a bad disk does: remove global/pg_control
 * while the server is stopped, then start it. It cannot start again (PANIC) and, with
 * `restart: unless-stopped`, keeps restarting. Nothing can revert lost data.
 */
export const postgresCorrupt: Fault = async ({ stack }, params) => {
  const file = param<string>(params, "file", "string", "global/pg_control");
  await onStoppedDataVolume(stack, ["rm", "-f", `/data/${file}`]);
  return { detail: `removed ${file} from the PostgreSQL data directory and started the server again`, revert: async () => {} };
};


/** `kind: container-stop` in a scenario. */
export const containerStopFault: FaultModule = {
  kind: "container-stop",
  parameters: { target: targetParameter },
  serviceParameters: ["target"],
  apply: containerStop,
};

/** `kind: container-kill` in a scenario. */
export const containerKillFault: FaultModule = {
  kind: "container-kill",
  parameters: { target: targetParameter },
  serviceParameters: ["target"],
  apply: containerKill,
};

/** `kind: container-pause` in a scenario. */
export const containerPauseFault: FaultModule = {
  kind: "container-pause",
  parameters: { target: targetParameter },
  serviceParameters: ["target"],
  apply: containerPause,
};

/** `kind: container-oom` in a scenario. */
export const containerOomFault: FaultModule = {
  kind: "container-oom",
  parameters: { target: targetParameter, memoryMb: { type: "integer", about: "the memory limit set before the allocation (default 64)" } },
  serviceParameters: ["target"],
  apply: containerOom,
};

/** `kind: postgres-corrupt` in a scenario. */
export const postgresCorruptFault: FaultModule = {
  kind: "postgres-corrupt",
  parameters: { file: { type: "string", about: "the file removed from the data directory (default global/pg_control)" } },
  apply: postgresCorrupt,
};

/** `kind: postgres-chown` in a scenario. */
export const postgresChownFault: FaultModule = {
  kind: "postgres-chown",
  parameters: { owner: { type: "string", about: "uid:gid given to the data directory (default 70:70)" } },
  apply: postgresChown,
};
