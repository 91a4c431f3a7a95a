// Teardown is guaranteed: Ctrl-C (SIGINT) during a drill removes its stack, and what a
// SIGKILLed run left behind is swept by the next preflight.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { labelOwnerHost, labelOwnerPid, labelProject } from "../../harness/stack/labels.js";
import { listDrillResources, sweepLeftovers } from "../../harness/stack/leftovers.js";
import { repoRoot, stateDir } from "../../harness/util/paths.js";
import { pollUntil } from "../../harness/util/poll.js";

function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("true");
    child.on("exit", () => resolve(child.pid ?? 999_999));
  });
}

describe.sequential("teardown guarantees", () => {
  const docker = dockerClient();

  it("sweeps resources of a run whose owner died, and spares a live owner's", async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dead = `drill-sweeptest-dead-${suffix}`;
    const live = `drill-sweeptest-live-${suffix}`;
    const labels = (project: string, pid: number) => ({ [labelProject]: project, [labelOwnerPid]: String(pid), [labelOwnerHost]: hostname() });
    await docker.createVolume({ Name: `${dead}_data`, Labels: labels(dead, await deadPid()) });
    await docker.createNetwork({ Name: `${dead}_net`, Labels: labels(dead, await deadPid()) });
    await docker.createVolume({ Name: `${live}_data`, Labels: labels(live, process.pid) });
    try {
      const swept = await sweepLeftovers(docker);
      expect(swept.map((s) => s.project)).toContain(dead);
      expect(swept.map((s) => s.project)).not.toContain(live);
      expect(await listDrillResources(docker, dead)).toEqual([]);
      expect((await listDrillResources(docker, live))[0]?.volumes).toEqual([`${live}_data`]);
    } finally {
      await docker.getVolume(`${live}_data`).remove().catch(() => {});
      await docker.getVolume(`${dead}_data`).remove().catch(() => {});
      await docker.getNetwork(`${dead}_net`).remove().catch(() => {});
    }
  });

  it("removes the whole stack on Ctrl-C, which signals the whole process group (npm and tsx relay it again)", async () => {
    const up = await startStackUp("npm");
    const owner = await ownerPid(up.project);

    process.kill(-(up.child.pid ?? 0), "SIGINT");
    // Whether a wrapper's relayed copy reaches the drill process as a second signal depends
    // on timing (pending signals merge); send that copy ourselves so the case is certain.
    await new Promise((r) => setTimeout(r, 300));
    process.kill(owner, "SIGINT");
    // npm exits at once on SIGINT; the drill process (the owner) tears down, then exits.
    expect(await exitOf(owner, 60_000)).toBe("exited");
    expect(await listDrillResources(docker, up.project)).toEqual([]);
    expect(existsSync(join(stateDir, up.project))).toBe(false);
    expect(up.stderr()).toContain(`teardown: removing drill stack ${up.project}`);
  });

  it("removes the whole stack on SIGINT even when its output pipes are already closed", async () => {
    // When npm and vitest exit first, every write of the drill process fails with EPIPE.
    // That must not stop the teardown.
    const up = await startStackUp("tsx");
    up.child.stdout.destroy();
    up.child.stderr.destroy();

    up.child.kill("SIGINT");
    const code = await Promise.race([up.exited, new Promise<string>((r) => setTimeout(() => r("still running after 60 s"), 60_000).unref())]);
    if (code === "still running after 60 s") {
      // Leave nothing behind even when the guarantee is broken.
      process.kill(-(up.child.pid ?? 0), "SIGKILL");
      await up.exited;
      await new Promise((r) => setTimeout(r, 1000));
      await sweepLeftovers(docker);
    }
    expect(code).toBe(130);
    expect(await listDrillResources(docker, up.project)).toEqual([]);
  });

  /** The drill process's pid, from the owner label on its containers. */
  async function ownerPid(project: string): Promise<number> {
    const [c] = await docker.listContainers({ filters: JSON.stringify({ label: [`${labelProject}=${project}`] }) });
    const pid = Number(c?.Labels[labelOwnerPid]);
    if (!Number.isInteger(pid)) throw new Error(`no owner pid on the containers of ${project}`);
    return pid;
  }
});

/** Wait for a process that is not our child to go. */
async function exitOf(pid: number, timeoutMs: number): Promise<"exited" | "still running"> {
  return pollUntil(`process ${pid} to exit`, timeoutMs, 200, async () => {
    try {
      process.kill(pid, 0);
      return { reason: "still running" };
    } catch {
      return { value: "exited" as const, reason: "" };
    }
  }).catch(() => "still running" as const);
}

/**
 * `stack up --json` as a child in a process group of its own, as a terminal runs a
 * foreground job, once its stack is up: through npm as a user types it, or through
 * tsx alone when the test needs the drill process's own exit code.
 */
async function startStackUp(via: "npm" | "tsx") {
  const [file, args] =
    via === "npm"
      ? ["npm", ["run", "-s", "stack", "--", "up", "--json"]]
      : [`${repoRoot}/node_modules/.bin/tsx`, ["harness/cli/stack.ts", "up", "--json"]];
  const child = spawn(file, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    void exited.then((code) => reject(new Error(`stack up exited with ${code} before it was up:\n${stderr}`)));
  });
  const { project } = JSON.parse(firstLine) as { project: string };
  return { child, exited, project, stderr: () => stderr };
}
