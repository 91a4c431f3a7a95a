// Loki's push API bodies, both encodings real clients use:
//  - application/x-protobuf: a snappy *block* (not framed) compressed logproto.PushRequest,
//    what Promtail sends (pkg/push/push.proto upstream: PushRequest{streams=1},
//    StreamAdapter{labels=1, entries=2, hash=3}, EntryAdapter{timestamp=1, line=2,
//    structuredMetadata=3}, LabelPairAdapter{name=1, value=2}, google.protobuf.Timestamp);
//  - application/json: {"streams":[{"stream":{...},"values":[["<unix ns>","line"]]}]}.
// The schema is declared here as protobufjs JSON (field numbers from push.proto), so the
// bundle needs no .proto file at run time.
import protobuf from "protobufjs";
import SnappyJS from "snappyjs";
import { parseLabelSet } from "./logql.js";

export interface PushEntry {
  /** Unix time in nanoseconds. */
  ts: bigint;
  line: string;
  structuredMetadata?: Record<string, string>;
}

export interface PushStream {
  labels: Record<string, string>;
  entries: PushEntry[];
}

const root = protobuf.Root.fromJSON({
  nested: {
    logproto: {
      nested: {
        PushRequest: { fields: { streams: { rule: "repeated", type: "StreamAdapter", id: 1 } } },
        StreamAdapter: {
          fields: {
            labels: { type: "string", id: 1 },
            entries: { rule: "repeated", type: "EntryAdapter", id: 2 },
            hash: { type: "uint64", id: 3 },
          },
        },
        LabelPairAdapter: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        EntryAdapter: {
          fields: {
            timestamp: { type: "Timestamp", id: 1 },
            line: { type: "string", id: 2 },
            structuredMetadata: { rule: "repeated", type: "LabelPairAdapter", id: 3 },
          },
        },
        // Wire-identical to google.protobuf.Timestamp.
        Timestamp: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } },
      },
    },
  },
});
const PushRequest = root.lookupType("logproto.PushRequest");

interface WireEntry {
  timestamp?: { seconds?: string; nanos?: number };
  line?: string;
  structuredMetadata?: { name?: string; value?: string }[];
}
interface WireStream {
  labels?: string;
  entries?: WireEntry[];
}

/** The client's error: Loki answers these with 400. */
export class PushFormatError extends Error {}

/** The Prometheus-style label string Loki keys streams by: `{job="fastapi", level="INFO"}`. */
export function labelString(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(", ")}}`;
}

export function encodeProtobufPush(streams: PushStream[]): Buffer {
  const message = PushRequest.fromObject({
    streams: streams.map((s) => ({
      labels: labelString(s.labels),
      entries: s.entries.map((e) => ({
        timestamp: { seconds: (e.ts / 1_000_000_000n).toString(), nanos: Number(e.ts % 1_000_000_000n) },
        line: e.line,
        structuredMetadata: Object.entries(e.structuredMetadata ?? {}).map(([name, value]) => ({ name, value })),
      })),
    })),
  });
  return Buffer.from(SnappyJS.compress(PushRequest.encode(message).finish()));
}

export function decodeProtobufPush(body: Buffer): PushStream[] {
  let raw: Uint8Array;
  try {
    raw = SnappyJS.uncompress(new Uint8Array(body), 64 * 1024 * 1024);
  } catch (err) {
    throw new PushFormatError(`snappy: corrupt input: ${(err as Error).message}`);
  }
  let decoded: { streams?: WireStream[] };
  try {
    decoded = PushRequest.toObject(PushRequest.decode(raw), { longs: String, defaults: false }) as { streams?: WireStream[] };
  } catch (err) {
    throw new PushFormatError(`proto: ${(err as Error).message}`);
  }
  return (decoded.streams ?? []).map((s) => ({
    labels: parseStreamLabels(s.labels ?? ""),
    entries: (s.entries ?? []).map((e) => {
      const seconds = BigInt(e.timestamp?.seconds ?? "0");
      const metadata = Object.fromEntries((e.structuredMetadata ?? []).map((m) => [m.name ?? "", m.value ?? ""]));
      return {
        ts: seconds * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0),
        line: e.line ?? "",
        ...(Object.keys(metadata).length > 0 ? { structuredMetadata: metadata } : {}),
      };
    }),
  }));
}

function parseStreamLabels(text: string): Record<string, string> {
  try {
    return parseLabelSet(text);
  } catch (err) {
    throw new PushFormatError(`error parsing labels '${text}' with error ${(err as Error).message}`);
  }
}

export function decodeJsonPush(body: Buffer): PushStream[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new PushFormatError(`loghttp.PushRequest: ${(err as Error).message}`);
  }
  const streams = (doc as { streams?: unknown }).streams;
  if (!Array.isArray(streams)) throw new PushFormatError("loghttp.PushRequest: streams must be an array");
  return streams.map((s: unknown) => {
    const { stream, values } = (s ?? {}) as { stream?: unknown; values?: unknown };
    if (!stream || typeof stream !== "object" || Array.isArray(stream)) throw new PushFormatError("stream must be an object of labels");
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(stream)) {
      if (typeof v !== "string") throw new PushFormatError(`label ${k} must be a string`);
      labels[k] = v;
    }
    if (!Array.isArray(values)) throw new PushFormatError("values must be an array");
    const entries = values.map((v: unknown) => {
      if (!Array.isArray(v) || typeof v[0] !== "string" || typeof v[1] !== "string" || !/^\d+$/.test(v[0])) {
        throw new PushFormatError('each value must be ["<unix epoch in nanoseconds>", "<log line>"]');
      }
      const meta = v[2];
      const entry: PushEntry = { ts: BigInt(v[0]), line: v[1] };
      if (meta && typeof meta === "object" && !Array.isArray(meta)) {
        entry.structuredMetadata = Object.fromEntries(Object.entries(meta).map(([k, x]) => [k, String(x)]));
      }
      return entry;
    });
    return { labels, entries };
  });
}
