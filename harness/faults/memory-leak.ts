// A real memory leak in a service with a memory limit, grown until the kernel's OOM
// killer acts: the drill calls the app's drill-only leak endpoint (stack/app/drill_leak.py,
// routed only with DRILL_MEMORY_LEAK=enabled) at a steady rate, and each call keeps more
// memory alive in the process. Nothing here kills anything: the kill is the kernel's.
// What the kill looked like is recorded from the engine's own events (oom, die with its
// exit code, the restart policy's start), the container's OOMKilled state right after the
// die, and the kernel's log line where this machine lets the harness read it.
import type Docker from "dockerode";
import type { AppliedFault, Fault, FaultModule } from "./fault.js";
import { run } from "../util/run.js";

export interface MemoryLeakParams {
  target: string;
  port: number;
  path: string;
  mbPerRequest: number;
  intervalMs: number;
  /** Stop leaking after this long even if nothing was killed. */
  maxSeconds: number;
}

const allowed = ["target", "port", "path", "mbPerRequest", "intervalMs", "maxSeconds"];

export function memoryLeakParams(params: Record<string, unknown>): MemoryLeakParams {
  const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`memory-leak: unknown parameter ${unknown.join(", ")} (it takes: ${allowed.join(", ")})`);
  const int = (name: string, fallback: number, min: number, max: number) => {
    const v = params[name] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new Error(`memory-leak: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  };
  const target = params.target ?? "fastapi-app";
  if (typeof target !== "string" || !/^[a-z0-9-]+$/.test(target)) throw new Error(`memory-leak: target must be a service name, got ${JSON.stringify(target)}`);
  const path = params.path ?? "/drill/leak";
  if (typeof path !== "string" || !/^\/[A-Za-z0-9/_-]*$/.test(path)) throw new Error(`memory-leak: path must be a plain URL path, got ${JSON.stringify(path)}`);
  return {
    target,
    path,
    port: int("port", 8000, 1, 65535),
    mbPerRequest: int("mbPerRequest", 1, 1, 64),
    intervalMs: int("intervalMs", 2000, 100, 60_000),
    maxSeconds: int("maxSeconds", 600, 10, 3600),
  };
}

export interface LeakTarget {
  /** POST the leak endpoint once; resolves to the HTTP status. */
  leak(mb: number): Promise<number>;
  /** The engine's events for the target: calls back with each (action, attributes). */
  events(onEvent: (action: string, attrs: Record<string, string>) => void): Promise<() => void>;
  /** The container's state now. */
  state(): Promise<{ oomKilled: boolean; exitCode: number; restartCount: number; status: string }>;
  /** Kernel log lines about this container's OOM kill, or why they cannot be read. */
  kernelLog(): Promise<string>;
}

export async function startLeak(t: LeakTarget, p: MemoryLeakParams, log: (m: string) => void): Promise<AppliedFault & { observations(): string[]; killed(): boolean }> {
  const first = await t.leak(p.mbPerRequest);
  if (first === 404) throw new Error(`memory-leak: ${p.target} has no ${p.path} (the leak endpoint is routed only with DRILL_MEMORY_LEAK=enabled)`);
  if (first !== 200) throw new Error(`memory-leak: POST ${p.path} answered ${first}`);
  const started = Date.now();
  const notes: string[] = [];
  const note = (m: string) => {
    const line = `+${((Date.now() - started) / 1000).toFixed(1)} s: ${m}`;
    notes.push(line);
    log(`memory-leak: ${line}`);
  };
  let leakedMb = p.mbPerRequest;
  let oomSeen = false;
  let stopped = false;
  let failures = 0;
  const stopEvents = await t.events((action, attrs) => {
    if (action === "oom") {
      oomSeen = true;
      stopped = true;
      note(`engine event oom for ${p.target} after ${leakedMb} MiB leaked`);
      // The kernel writes its report as it kills; give it a moment, then read it.
      setTimeout(() => void t.kernelLog().then((k) => note(`kernel log: ${k}`)), 1000);
    } else if (action === "die") {
      note(`engine event die, exit code ${attrs.exitCode ?? "?"}`);
      void t.state().then((s) => note(`right after the die: OOMKilled=${s.oomKilled}, status ${s.status}, exit code ${s.exitCode}, restart count ${s.restartCount}`));
    } else if (action === "start" || action === "restart") {
      void t.state().then((s) => note(`engine event ${action}: status ${s.status}, restart count ${s.restartCount}, OOMKilled=${s.oomKilled}`));
      // The restart after the kill is the last thing to watch for.
      if (oomSeen) setTimeout(() => stopEvents(), 2000).unref();
    }
  });
  const loop = async () => {
    while (!stopped && Date.now() - started < p.maxSeconds * 1000) {
      await new Promise((r) => setTimeout(r, p.intervalMs));
      if (stopped) break;
      try {
        const status = await t.leak(p.mbPerRequest);
        if (status === 200) leakedMb += p.mbPerRequest;
        else failures++;
      } catch {
        // The process is being killed or restarted: the oom event says which.
        failures++;
      }
    }
    if (!oomSeen) note(`stopped leaking after ${leakedMb} MiB without an OOM kill (${failures} failed calls)`);
    // An engine event stream never ends by itself: close it once nothing more is expected.
    setTimeout(() => stopEvents(), 60_000).unref();
  };
  const running = loop();
  return {
    detail: `leaking ${p.mbPerRequest} MiB every ${p.intervalMs / 1000} s into ${p.target} (POST ${p.path}, memory kept alive by the process) until the kernel's OOM killer acts; the leaking calls stop at the first kill`,
    observations: () => [...notes],
    killed: () => oomSeen,
    revert: async () => {
      stopped = true;
      await running;
      stopEvents();
    },
  };
}

/** The kernel's last OOM report for a container: the oom-kill line naming its cgroup and the "Killed process" line after it. */
export function kernelOomLines(dmesg: string, containerId: string): string {
  const lines = dmesg.split("\n");
  let at = -1;
  lines.forEach((l, i) => {
    if (l.includes("oom-kill:") && l.includes(containerId)) at = i;
  });
  if (at < 0) return "no oom-kill line names this container's memory cgroup";
  const killed = lines.slice(at + 1, at + 4).find((l) => /Killed process \d+/.test(l));
  return [lines[at], killed].filter((l): l is string => l !== undefined).map((l) => l.trim()).join(" | ");
}

function dockerLeakTarget(docker: Docker, containerName: string, url: string): LeakTarget {
  const c = docker.getContainer(containerName);
  return {
    leak: async (mb) => (await fetch(`${url}?mb=${mb}`, { method: "POST", signal: AbortSignal.timeout(15_000) })).status,
    events: async (onEvent) => {
      const stream = (await docker.getEvents({ filters: JSON.stringify({ type: ["container"], container: [containerName] }) })) as NodeJS.ReadableStream & { destroy?: () => void };
      let buf = "";
      stream.on("data", (chunk: Buffer) => {
        buf += chunk.toString("utf8");
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const e = JSON.parse(line) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
            onEvent(e.Action ?? e.status ?? "", e.Actor?.Attributes ?? {});
          } catch {
            // A partial or foreign line: ignore.
          }
        }
      });
      stream.on("error", () => undefined);
      return () => stream.destroy?.();
    },
    state: async () => {
      const i = await c.inspect();
      return { oomKilled: i.State.OOMKilled, exitCode: i.State.ExitCode, restartCount: i.RestartCount, status: i.State.Status };
    },
    kernelLog: async () => {
      const id = (await c.inspect()).Id;
      const r = await run("dmesg", []).catch((err: unknown) => ({ exitCode: 1, stdout: "", stderr: err instanceof Error ? err.message : String(err) }));
      if (r.exitCode !== 0) return `not readable by the harness here (dmesg: ${r.stderr.trim() || `exit ${r.exitCode}`})`;
      return kernelOomLines(r.stdout, id);
    },
  };
}

export const memoryLeak: Fault = async ({ stack, log }, params) => {
  const p = memoryLeakParams(params);
  return startLeak(dockerLeakTarget(stack.docker, stack.containerName(p.target), stack.url(p.target, p.port, p.path)), p, log);
};

/** `kind: memory-leak` in a scenario. */
export const memoryLeakFault: FaultModule = {
  kind: "memory-leak",
  parameters: {
    target: { type: "string", about: "the service that leaks (default fastapi-app)" },
    port: { type: "integer", about: "its HTTP port (default 8000)" },
    path: { type: "string", about: "the leak endpoint (default /drill/leak)" },
    mbPerRequest: { type: "integer", about: "MiB kept per call (default 1)" },
    intervalMs: { type: "integer", about: "between calls (default 2000)" },
    maxSeconds: { type: "integer", about: "stop leaking after (default 600)" },
  },
  serviceParameters: ["target"],
  apply: memoryLeak,
};
