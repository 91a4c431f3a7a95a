// Promtail's Loki client: entries are batched (batchwait / batchsize), sent as
// snappy-compressed protobuf, and a failed batch is retried with exponential backoff
// on connection errors, 429 and 5xx, then dropped ("final error sending batch"), as
// upstream's client.go does. The queue in front of it is small, so while Loki is away
// the tailers stop reading (and the positions file stops advancing) instead of
// buffering without bound.
import type { Counter, Histogram } from "../exposition.js";
import type { Logger } from "../logfmt.js";
import { encodeProtobufPush, labelString, type PushStream } from "../loki/push.js";
import type { ClientConfig } from "./config.js";

export const USER_AGENT = "promtail/3.2.0-standin";

export interface Entry {
  labels: Record<string, string>;
  ts: bigint;
  line: string;
}

export interface ClientMetrics {
  sentEntries: Counter;
  sentBytes: Counter;
  droppedEntries: Counter;
  droppedBytes: Counter;
  encodedBytes: Counter;
  batchRetries: Counter;
  requestDuration: Histogram;
}

const QUEUE_LIMIT = 1000; // entries waiting in front of the batcher before readers wait

export class LokiClient {
  private readonly queue: Entry[] = [];
  private waiters: (() => void)[] = [];
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly host: string;
  private readonly done: Promise<void>;
  private abort = new AbortController();

  constructor(
    private readonly cfg: ClientConfig,
    private readonly metrics: ClientMetrics,
    private readonly log: Logger,
  ) {
    this.host = new URL(cfg.url).host;
    this.done = this.run();
  }

  /** Hands an entry to the client; waits while the queue is full (backpressure on the tailers). */
  async handle(e: Entry): Promise<void> {
    while (this.queue.length >= QUEUE_LIMIT && !this.stopped) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) return;
    this.queue.push({ ...e, labels: { ...this.cfg.externalLabels, ...e.labels } });
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped || this.queue.length > 0) {
      if (this.queue.length === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      // A batch: everything queued within batchwait, up to batchsize bytes.
      const deadline = Date.now() + this.cfg.batchWaitMs;
      let bytes = 0;
      const batch: Entry[] = [];
      while (Date.now() < deadline || this.stopped) {
        const next = this.queue[0];
        if (next) {
          if (bytes + next.line.length > this.cfg.batchSizeBytes && batch.length > 0) break;
          batch.push(next);
          this.queue.shift();
          bytes += next.line.length;
          for (const w of this.waiters.splice(0)) w();
          continue;
        }
        if (this.stopped) break;
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, Math.max(0, deadline - Date.now()));
        });
        this.wake = undefined;
      }
      if (batch.length > 0) await this.sendBatch(batch);
    }
  }

  private async sendBatch(batch: Entry[]): Promise<void> {
    const streams = new Map<string, PushStream>();
    for (const e of batch) {
      const key = labelString(e.labels);
      const s = streams.get(key) ?? { labels: e.labels, entries: [] };
      s.entries.push({ ts: e.ts, line: e.line });
      streams.set(key, s);
    }
    const body = encodeProtobufPush([...streams.values()]);
    this.metrics.encodedBytes.inc({ host: this.host }, body.length);
    let delay = this.cfg.backoff.minMs;
    let status = -1;
    let error = "";
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      ({ status, error } = await this.send(body));
      this.metrics.requestDuration.observe({ host: this.host, status_code: String(status) }, (Date.now() - started) / 1000);
      if (!error) {
        this.metrics.sentBytes.inc({ host: this.host }, body.length);
        this.metrics.sentEntries.inc({ host: this.host }, batch.length);
        return;
      }
      // Only 429s, 5xx and connection-level errors are retried.
      if (status > 0 && status !== 429 && Math.floor(status / 100) !== 5) break;
      this.log("warn", "error sending batch, will retry", { component: "client", host: this.host, status, tenant: this.cfg.tenantId ?? "", error });
      this.metrics.batchRetries.inc({ host: this.host, tenant: this.cfg.tenantId ?? "" });
      if (attempt + 1 >= this.cfg.backoff.maxRetries || this.abort.signal.aborted) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(this.cfg.backoff.maxMs, delay * 2);
    }
    this.log("error", "final error sending batch", { component: "client", host: this.host, status, tenant: this.cfg.tenantId ?? "", error });
    this.metrics.droppedEntries.inc({ host: this.host, tenant: this.cfg.tenantId ?? "", reason: "ingester_error" }, batch.length);
    this.metrics.droppedBytes.inc({ host: this.host, tenant: this.cfg.tenantId ?? "", reason: "ingester_error" }, batch.reduce((n, e) => n + e.line.length, 0));
  }

  /** One POST; errors read like Go's net/http ones (`Post "url": dial tcp ...`). */
  private async send(body: Buffer): Promise<{ status: number; error: string }> {
    const timeout = AbortSignal.timeout(this.cfg.timeoutMs);
    try {
      const headers: Record<string, string> = { "content-type": "application/x-protobuf", "user-agent": USER_AGENT };
      if (this.cfg.tenantId) headers["x-scope-orgid"] = this.cfg.tenantId;
      const res = await fetch(this.cfg.url, { method: "POST", headers, body: new Uint8Array(body), signal: AbortSignal.any([timeout, this.abort.signal]) });
      const text = await res.text();
      if (Math.floor(res.status / 100) === 2) return { status: res.status, error: "" };
      return { status: res.status, error: `server returned HTTP status ${res.status} ${res.statusText} (${res.status}): ${text.split("\n")[0] ?? ""}` };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code === "ENOTFOUND" ? `dial tcp: lookup ${new URL(this.cfg.url).hostname}: no such host` : cause?.code === "ECONNREFUSED" ? `dial tcp ${this.host}: connect: connection refused` : timeout.aborted ? "context deadline exceeded" : (cause?.message ?? String(err));
      return { status: -1, error: `Post "${this.cfg.url}": ${detail}` };
    }
  }

  /** Sends what is queued (retrying as configured) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w();
    this.wake?.();
    await this.done;
  }

  /** Stops without further retries. */
  async stopNow(): Promise<void> {
    this.abort.abort();
    await this.stop();
  }
}
