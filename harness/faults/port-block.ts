// A firewall drops one port of a service (the runbook's "Firewall/security group"): an
// iptables DROP rule on the service's own network interface, for packets to that port
// only. The process keeps running and its other ports keep answering; whoever connects
// to the blocked port waits until their own timeout. The rule is added from a throwaway
// container that joins the target's network namespace with NET_ADMIN, so nothing on the
// host's firewall changes, and it goes with the container.
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";
import { type AppliedFault, type Fault, type FaultModule, type ParameterSpec, targetParameter } from "./fault.js";
import { ImageBuilder } from "../stack/images.js";
import { labelProject } from "../stack/labels.js";
import { stackDir } from "../util/paths.js";
import { runChecked } from "../util/run.js";

export interface PortBlockParams {
  target: string;
  port: number;
}

export function portBlockParams(params: Record<string, unknown>): PortBlockParams {
  const unknown = Object.keys(params).filter((k) => k !== "target" && k !== "port");
  if (unknown.length > 0) throw new Error(`port-block: unknown parameter ${unknown.join(", ")} (it takes: target, port)`);
  const { target, port } = params;
  if (typeof target !== "string" || !/^[a-z0-9-]+$/.test(target)) throw new Error(`port-block: target must be a service name, got ${JSON.stringify(target)}`);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port-block: port must be a TCP port number, got ${JSON.stringify(port)}`);
  return { target, port };
}

/** The iptables arguments that add (-I) or delete (-D) the rule: inbound TCP to the port, dropped. */
export function dropRule(verb: "-I" | "-D", port: number): string[] {
  return [verb, "INPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP"];
}

/** Runs iptables with `args` in the network namespace of `container`. */
export type InNamespace = (container: string, args: string[]) => Promise<string>;

export async function blockPort(container: string, p: PortBlockParams, iptables: InNamespace): Promise<AppliedFault> {
  await iptables(container, dropRule("-I", p.port));
  const rules = await iptables(container, ["-S", "INPUT"]);
  const expected = `-A INPUT -p tcp -m tcp --dport ${p.port} -j DROP`;
  if (!rules.split("\n").some((l) => l.trim() === expected)) throw new Error(`port-block: the rule is not in ${p.target}'s INPUT chain after adding it:\n${rules}`);
  return {
    detail: `a firewall rule in ${p.target}'s network namespace drops inbound TCP to port ${p.port} (iptables ${expected.slice(3)}); the service and its other ports keep running`,
    revert: async () => void (await iptables(container, dropRule("-D", p.port)).catch(() => undefined)),
  };
}

const here = dirname(fileURLToPath(import.meta.url));

export const portBlock: Fault = async ({ stack, log }, params) => {
  const p = portBlockParams(params);
  const image = await new ImageBuilder(stack.docker, log).ensure("netfilter", relative(stackDir, join(here, "netfilter")));
  const iptables: InNamespace = async (container, args) =>
    (
      await runChecked("docker", [
        "run", "--rm", "--label", `${labelProject}=${stack.project}`,
        "--network", `container:${container}`, "--cap-add", "NET_ADMIN", image.ref, ...args,
      ])
    ).stdout;
  return blockPort(stack.containerName(p.target), p, iptables);
};


/** `kind: port-block` in a scenario. */
export const portBlockFault: FaultModule = {
  kind: "port-block",
  parameters: { target: targetParameter, port: { type: "integer", required: true, about: "the container port dropped" } },
  serviceParameters: ["target"],
  apply: portBlock,
};
