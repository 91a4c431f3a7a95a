// Teardown is guaranteed: Ctrl-C (SIGINT) during a drill removes its stack, and what a
// SIGKILLed run left behind is swept by the next preflight.
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { labelOwnerHost, labelOwnerPid, labelProject } from "../../harness/stack/compose-file.js";
import { listDrillResources, sweepLeftovers } from "../../harness/stack/leftovers.js";
import { repoRoot } from "../../harness/util/paths.js";

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

  it("removes the whole stack when the drill process gets SIGINT", async () => {
    const up = await startStackUp();
    expect((await listDrillResources(docker, up.project))[0]?.containers.length).toBeGreaterThan(0);

    up.child.kill("SIGINT");
    expect(await up.exited).toBe(130);
    expect(await listDrillResources(docker, up.project)).toEqual([]);
    expect(up.stderr()).toContain(`teardown: removing drill stack ${up.project}`);
  });

  it("removes the whole stack on SIGINT even when its output pipes are already closed", async () => {
    // A terminal's Ctrl-C reaches npm and vitest too; when they exit first, every write
    // of the drill process fails with EPIPE. That must not stop the teardown.
    const up = await startStackUp();
    up.child.stdout.destroy();
    up.child.stderr.destroy();

    up.child.kill("SIGINT");
    const code = await Promise.race([up.exited, new Promise<string>((r) => setTimeout(() => r("still running after 60 s"), 60_000).unref())]);
    if (code === "still running after 60 s") {
      // Leave nothing behind even when the guarantee is broken: the owner is dead now.
      up.child.kill("SIGKILL");
      await up.exited;
      await sweepLeftovers(docker);
    }
    expect(code).toBe(130);
    expect(await listDrillResources(docker, up.project)).toEqual([]);
  });
});

/** `npm run stack -- up --json` as a child process, once its stack is up. */
async function startStackUp() {
  const child = spawn(`${repoRoot}/node_modules/.bin/tsx`, ["harness/cli/stack.ts", "up", "--json"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
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
