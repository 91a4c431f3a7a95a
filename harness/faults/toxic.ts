// Network faults on the app's path to a dependency, through the drill's Toxiproxy
// (the kernel here has no netem): add a toxic, and remove it to revert.
import { Toxiproxy, type ICreateToxicBody } from "toxiproxy-node-client";
import { param, type Fault, type FaultModule } from "./fault.js";

/** Toxiproxy v2's TCP toxics and the integer attributes each takes. */
export const toxicAttributes: Record<string, readonly string[]> = {
  latency: ["latency", "jitter"],
  bandwidth: ["rate"],
  slow_close: ["delay"],
  timeout: ["timeout"],
  reset_peer: ["timeout"],
  slicer: ["average_size", "size_variation", "delay"],
  limit_data: ["bytes"],
};

export interface ToxicSpec {
  proxy: string;
  type: string;
  stream: "upstream" | "downstream";
  toxicity: number;
  attributes: Record<string, number>;
}

/** The toxic a scenario asks for, checked before anything is sent to Toxiproxy. */
export function toxicSpec(params: Record<string, unknown>): ToxicSpec {
  const proxy = param<string>(params, "proxy", "string");
  const type = param<string>(params, "type", "string", "latency");
  const stream = param<string>(params, "stream", "string", "downstream");
  const toxicity = param<number>(params, "toxicity", "number", 1);
  const allowed = toxicAttributes[type];
  if (!allowed) throw new Error(`toxic: type must be one of ${Object.keys(toxicAttributes).join(", ")}, got ${JSON.stringify(type)}`);
  if (stream !== "upstream" && stream !== "downstream") throw new Error(`toxic: stream must be upstream or downstream, got ${JSON.stringify(stream)}`);
  if (!(toxicity >= 0 && toxicity <= 1)) throw new Error(`toxic: toxicity must be between 0 and 1, got ${toxicity}`);
  const raw = params.attributes ?? (type === "latency" ? { latency: 2000, jitter: 0 } : undefined);
  if (raw === undefined || typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`toxic: a ${type} toxic needs attributes (${allowed.join(", ")})`);
  }
  const attributes: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw new Error(`toxic: a ${type} toxic has no attribute "${k}" (it has ${allowed.join(", ")})`);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new Error(`toxic: attribute ${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
    attributes[k] = v;
  }
  for (const extra of Object.keys(params)) {
    if (!["kind", "proxy", "type", "stream", "toxicity", "attributes"].includes(extra)) throw new Error(`toxic: unknown parameter "${extra}"`);
  }
  return { proxy, type, stream, toxicity, attributes };
}

export const toxic: Fault = async ({ stack }, params) => {
  const spec = toxicSpec(params);
  const client = new Toxiproxy(stack.url("toxiproxy", 8474, "").replace(/\/$/, ""));
  const proxy = await client.get(spec.proxy);
  const body = { name: `drill_${spec.type}_${spec.stream}`, type: spec.type, stream: spec.stream, toxicity: spec.toxicity, attributes: spec.attributes } as unknown as ICreateToxicBody<unknown>;
  const added = await proxy.addToxic(body);
  return {
    detail: `added a ${spec.type} toxic (${JSON.stringify(spec.attributes)}, ${spec.stream}, toxicity ${spec.toxicity}) to the app's path to ${spec.proxy} (Toxiproxy proxy ${proxy.listen} -> ${proxy.upstream})`,
    revert: async () => void (await added.remove().catch(() => {})),
  };
};

/** `kind: toxic` in a scenario. */
export const toxicFault: FaultModule = {
  kind: "toxic",
  parameters: {
    proxy: { type: "string", required: true, about: "the Toxiproxy proxy (a dependency of the app)" },
    type: { type: "string", about: "the toxic's type (default latency)" },
    stream: { type: "string", about: "upstream or downstream (default downstream)" },
    toxicity: { type: "number", about: "the share of connections affected, 0 to 1 (default 1)" },
    attributes: { type: "map", about: "the toxic's attributes" },
  },
  serviceParameters: ["proxy"],
  apply: toxic,
};
