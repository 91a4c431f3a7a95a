// Network faults on the app's path to a dependency, through the drill's Toxiproxy
// (the kernel here has no netem): add a toxic, and remove it to revert.
import { Toxiproxy, type ICreateToxicBody } from "toxiproxy-node-client";
import { param, type Fault } from "./fault.js";

export const toxic: Fault = async ({ stack }, params) => {
  const proxyName = param<string>(params, "proxy", "string");
  const type = param<string>(params, "type", "string", "latency");
  const stream = param<string>(params, "stream", "string", "downstream");
  const toxicity = param<number>(params, "toxicity", "number", 1);
  const attributes = (params.attributes ?? { latency: 2000, jitter: 0 }) as Record<string, number>;
  const client = new Toxiproxy(stack.url("toxiproxy", 8474, "").replace(/\/$/, ""));
  const proxy = await client.get(proxyName);
  const body = { name: `drill_${type}`, type, stream, toxicity, attributes } as unknown as ICreateToxicBody<unknown>;
  const added = await proxy.addToxic(body);
  return {
    detail: `added a ${type} toxic (${JSON.stringify(attributes)}, ${stream}, toxicity ${toxicity}) to the app's path to ${proxyName}`,
    revert: async () => void (await added.remove().catch(() => {})),
  };
};
