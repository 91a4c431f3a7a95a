// Command-line tools the harness needs beside the Docker engine (shellcheck for lint):
// found on PATH, or installed the way the engine preflight installs docker.io (as root
// with apt-get on Debian/Ubuntu). Where neither works the caller gets the reason, so it
// can say the check did not run instead of passing it in silence.
import { existsSync } from "node:fs";
import { isDebianLike } from "./docker-engine.js";
import { run, which, type RunResult } from "../util/run.js";
import type { Logger } from "../util/log.js";

export interface DebianTool {
  /** The executable looked up on PATH. */
  binary: string;
  /** The Debian package that provides it. */
  package: string;
}

export const SHELLCHECK: DebianTool = { binary: "shellcheck", package: "shellcheck" };

export type ToolAvailability =
  | { available: true; path: string; /** what the harness did to get it, for the user */ action?: string }
  | { available: false; why: string };

/** What ensureTool needs from the machine; tests pass their own. */
export interface ToolHost {
  which(binary: string): Promise<string | undefined>;
  /** Why this process may not install packages, or undefined when it may. */
  whyNoInstall(): string | undefined;
  aptGet(args: readonly string[]): Promise<RunResult>;
}

export const localHost: ToolHost = {
  which,
  whyNoInstall() {
    if (process.getuid?.() !== 0) return "not root, so it may not install packages";
    if (!existsSync("/usr/bin/apt-get")) return "no apt-get on this machine";
    if (!isDebianLike()) return "not Debian or Ubuntu";
    return undefined;
  },
  aptGet(args) {
    // Wait for another apt/dpkg (a parallel preflight) instead of failing on its lock.
    return run("apt-get", ["-o", "DPkg::Lock::Timeout=300", ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeoutMs: 15 * 60_000,
    });
  },
};

const pending = new Map<string, Promise<ToolAvailability>>();

/** The tool's path, installing its package where this machine allows; once per process. */
export function ensureTool(tool: DebianTool, log: Logger, host: ToolHost = localHost): Promise<ToolAvailability> {
  if (host !== localHost) return ensure(tool, log, host);
  let p = pending.get(tool.binary);
  if (!p) {
    p = ensure(tool, log, host);
    pending.set(tool.binary, p);
  }
  return p;
}

async function ensure(tool: DebianTool, log: Logger, host: ToolHost): Promise<ToolAvailability> {
  const found = await host.which(tool.binary);
  if (found) return { available: true, path: found };
  const why = host.whyNoInstall();
  if (why) return { available: false, why: `${tool.binary} is not on PATH and this process is ${why} (install the Debian package ${tool.package})` };
  log(`preflight: installing ${tool.package} with apt-get`);
  // The package lists are usually there already; update only when install fails.
  let result = await host.aptGet(["install", "-y", "-qq", "--no-install-recommends", tool.package]);
  if (result.exitCode !== 0) {
    const update = await host.aptGet(["update", "-qq"]);
    if (update.exitCode === 0) result = await host.aptGet(["install", "-y", "-qq", "--no-install-recommends", tool.package]);
  }
  const path = result.exitCode === 0 ? await host.which(tool.binary) : undefined;
  if (!path) {
    const tail = (result.stderr || result.stdout).trim().split("\n").slice(-2).join(" / ");
    return { available: false, why: `${tool.binary} is not on PATH and \`apt-get install ${tool.package}\` failed${tail ? `: ${tail}` : ""}` };
  }
  return { available: true, path, action: `installed ${tool.package} with apt-get` };
}
