// memory-leak in isolation, against a fake service: it leaks at its pace, stops at the
// kernel's kill (it never kills anything itself), records what the engine reported, and
// refuses to run when the leak endpoint is not enabled.
import { describe, expect, it } from "vitest";
import { kernelOomLines, memoryLeakParams, startLeak, type LeakTarget } from "./memory-leak.js";

function fakeService(killAfterMb: number, opts: { endpoint?: boolean } = {}) {
  let held = 0;
  let emit: (action: string, attrs: Record<string, string>) => void = () => {};
  const target: LeakTarget = {
    leak: async (mb) => {
      if (opts.endpoint === false) return 404;
      held += mb;
      if (held >= killAfterMb) {
        // What the kernel and the engine do at the limit.
        held = 0;
        setTimeout(() => {
          emit("oom", {});
          emit("die", { exitCode: "137" });
          emit("start", {});
        }, 5);
      }
      return 200;
    },
    events: async (cb) => {
      emit = cb;
      return () => {};
    },
    state: async () => ({ oomKilled: true, exitCode: 137, restartCount: 1, status: "running" }),
    kernelLog: async () => "oom-kill:constraint=CONSTRAINT_MEMCG | Memory cgroup out of memory: Killed process 42 (python3)",
  };
  return { target, held: () => held };
}

const params = memoryLeakParams({ mbPerRequest: 2, intervalMs: 100, maxSeconds: 10 });

describe("memory-leak", () => {
  it("leaks until the OOM kill, then stops and records what the engine and the kernel said", async () => {
    const svc = fakeService(8);
    const applied = await startLeak(svc.target, params, () => {});
    await new Promise((r) => setTimeout(r, 1600));
    expect(applied.killed()).toBe(true);
    const seen = applied.observations().join("\n");
    expect(seen).toMatch(/engine event oom .* after 8 MiB leaked/);
    expect(seen).toMatch(/engine event die, exit code 137/);
    expect(seen).toMatch(/kernel log: .*Killed process 42/);
    await applied.revert();
    // Nothing leaked after the kill.
    expect(svc.held()).toBe(0);
  });

  it("refuses to run when the endpoint is not enabled", async () => {
    await expect(startLeak(fakeService(8, { endpoint: false }).target, params, () => {})).rejects.toThrow(/DRILL_MEMORY_LEAK=enabled/);
  });

  it("validates its parameters", () => {
    expect(memoryLeakParams({})).toEqual({ target: "fastapi-app", path: "/drill/leak", port: 8000, mbPerRequest: 1, intervalMs: 2000, maxSeconds: 600 });
    expect(() => memoryLeakParams({ mbPerRequest: 0 })).toThrow(/mbPerRequest must be an integer from 1 to 64/);
    expect(() => memoryLeakParams({ intervalMs: 1.5 })).toThrow(/intervalMs/);
    expect(() => memoryLeakParams({ path: "/x?mb=1000" })).toThrow(/plain URL path/);
    expect(() => memoryLeakParams({ rate: 3 })).toThrow(/unknown parameter rate/);
  });

  it("finds the kernel's report for one container's cgroup", () => {
    const dmesg = [
      "[1.0] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/other,task=java",
      "[1.1] Memory cgroup out of memory: Killed process 7 (java)",
      "[2.0] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/abc123,task=python3,pid=42",
      "[2.1] Memory cgroup out of memory: Killed process 42 (python3) total-vm:1kB",
    ].join("\n");
    expect(kernelOomLines(dmesg, "abc123")).toBe(
      "[2.0] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/abc123,task=python3,pid=42 | [2.1] Memory cgroup out of memory: Killed process 42 (python3) total-vm:1kB",
    );
    expect(kernelOomLines(dmesg, "zzz")).toMatch(/no oom-kill line/);
  });
});
