// Overhead of the Toxiproxy stand-in with no toxics: TCP echo round-trip latency
// (p50/p95/p99) and bulk echo throughput, direct vs through the proxy, in one run.
//
//   npx tsx stack/stand-ins/toxiproxy/bench.ts [--seconds 5] [--json]
//
// The echo server and the stand-in each run in their own child process (as in the stack,
// where they are separate containers), the client in this one. Loopback only; every loop
// is bounded by time and count. Figures are printed, not asserted.
// Goal to report: the proxy adds < 1 ms at p50 and keeps >= 80 % of direct throughput.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startToxiproxyStandIn } from "./server.js";

const HOST = "127.0.0.1";
const MESSAGE_BYTES = 64;
const MAX_ROUND_TRIPS = 500_000;
const BULK_CHUNK = randomBytes(64 * 1024);
const MAX_BULK_BYTES = 64 * 1024 ** 3;
const WARMUP_MS = 500;

// ---- child roles ---------------------------------------------------------------------

/** Children answer "cpu" with their CPU time so far (user+system, µs). */
function answerCpuQueries(): void {
  process.on("message", (msg) => {
    if (msg === "cpu") {
      const { user, system } = process.cpuUsage();
      process.send!({ cpu_us: user + system });
    }
  });
}

async function runEcho(): Promise<void> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.pipe(socket); // echo with backpressure
  });
  server.listen(0, HOST, () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  answerCpuQueries();
  process.on("disconnect", () => process.exit(0));
}

async function runProxy(): Promise<void> {
  const standIn = await startToxiproxyStandIn({ apiPort: 0, host: HOST });
  process.send!({ apiUrl: standIn.apiUrl });
  answerCpuQueries();
  process.on("disconnect", () => void standIn.close().then(() => process.exit(0)));
}

interface Child<T> {
  info: T;
  /** CPU µs the child has used so far. */
  cpu(): Promise<number>;
  stop(): void;
}

function spawnRole<T>(role: string): Promise<Child<T>> {
  // process.execArgv carries tsx's loader, so the child can run this .ts file too.
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--role", role], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once("message", (m) => resolve((m as { cpu_us: number }).cpu_us));
      child.send("cpu");
    });
  return new Promise((resolve, reject) => {
    child.once("message", (info) => resolve({ info: info as T, cpu, stop: () => child.disconnect() }));
    child.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

// ---- measurements --------------------------------------------------------------------

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    socket.setNoDelay(true);
    socket.once("error", reject);
    socket.once("connect", () => resolve(socket));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface LatencyResult {
  p50_us: number;
  p95_us: number;
  p99_us: number;
  round_trips: number;
}

/** Ping-pong of 64-byte messages on one connection for `seconds`. */
async function measureLatency(port: number, seconds: number): Promise<LatencyResult> {
  const socket = await connect(port);
  const message = Buffer.alloc(MESSAGE_BYTES, 7);
  let pending = 0;
  let wake: () => void = () => {};
  let fail: (err: Error) => void = () => {};
  socket.on("data", (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0) wake();
  });
  // A stalled connection must end the run, not hang it.
  socket.setTimeout(5_000, () => fail(new Error("no echo for 5 s")));
  socket.on("close", () => fail(new Error("connection closed")));
  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      pending = MESSAGE_BYTES;
      wake = resolve;
      fail = reject;
      socket.write(message);
    });

  const samples: number[] = [];
  const warmupEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmupEnd) await roundTrip();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && samples.length < MAX_ROUND_TRIPS) {
    const t0 = process.hrtime.bigint();
    await roundTrip();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  fail = () => {};
  socket.destroy();
  samples.sort((a, b) => a - b);
  return {
    p50_us: round(percentile(samples, 50)),
    p95_us: round(percentile(samples, 95)),
    p99_us: round(percentile(samples, 99)),
    round_trips: samples.length,
  };
}

interface ThroughputResult {
  mib_s: number;
  /** CPU ms each child process spent per MiB echoed back (load-independent cost). */
  echo_cpu_ms_per_mib: number;
  proxy_cpu_ms_per_mib: number;
}

/** Streams 64 KiB writes through the echo for `seconds`; MiB/s of data echoed back. */
async function measureThroughput(
  port: number,
  seconds: number,
  echo: Child<unknown>,
  proxy: Child<unknown>,
): Promise<ThroughputResult> {
  const socket = await connect(port);
  let received = 0;
  let sent = 0;
  let stopped = false;
  socket.on("data", (d: Buffer) => (received += d.length));
  const pump = () => {
    while (!stopped && sent < MAX_BULK_BYTES) {
      sent += BULK_CHUNK.length;
      if (!socket.write(BULK_CHUNK)) return; // wait for 'drain'
    }
  };
  socket.on("drain", pump);
  pump();
  await sleep(WARMUP_MS);
  const [echoCpu0, proxyCpu0] = [await echo.cpu(), await proxy.cpu()];
  const start = performance.now();
  const startBytes = received;
  await sleep(seconds * 1000);
  const mib = (received - startBytes) / 1024 ** 2;
  const elapsed = (performance.now() - start) / 1000;
  const [echoCpu1, proxyCpu1] = [await echo.cpu(), await proxy.cpu()];
  stopped = true;
  socket.destroy();
  return {
    mib_s: round(mib / elapsed),
    echo_cpu_ms_per_mib: round((echoCpu1 - echoCpu0) / 1000 / mib),
    proxy_cpu_ms_per_mib: round((proxyCpu1 - proxyCpu0) / 1000 / mib),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 100) / 100;

// ---- main ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const role = argv[argv.indexOf("--role") + 1];
  if (argv.includes("--role")) return role === "echo" ? runEcho() : runProxy();

  const asJson = argv.includes("--json");
  const secondsArg = argv.indexOf("--seconds");
  const seconds = secondsArg >= 0 ? Math.min(60, Math.max(1, Number(argv[secondsArg + 1]) || 5)) : 5;
  const progress = (msg: string) => {
    if (!asJson) process.stderr.write(`${msg}\n`);
  };

  const echo = await spawnRole<{ port: number }>("echo");
  const proxyChild = await spawnRole<{ apiUrl: string }>("proxy");
  const loadBefore = loadavg()[0]!;
  try {
    const res = await fetch(`${proxyChild.info.apiUrl}/proxies`, {
      method: "POST",
      body: JSON.stringify({ name: "bench", listen: `${HOST}:0`, upstream: `${HOST}:${echo.info.port}` }),
    });
    const listen = ((await res.json()) as { listen: string }).listen;
    const proxyPort = Number(listen.slice(listen.lastIndexOf(":") + 1));

    // Interleaved so slow drift of the machine hits both sides alike.
    progress(`latency, direct (${seconds} s)...`);
    const directLatency = await measureLatency(echo.info.port, seconds);
    progress(`latency, via stand-in (${seconds} s)...`);
    const proxyLatency = await measureLatency(proxyPort, seconds);
    progress(`throughput, direct (${seconds} s)...`);
    const direct = await measureThroughput(echo.info.port, seconds, echo, proxyChild);
    progress(`throughput, via stand-in (${seconds} s)...`);
    const proxied = await measureThroughput(proxyPort, seconds, echo, proxyChild);
    const directThroughput = direct.mib_s;
    const proxyThroughput = proxied.mib_s;

    const addedP50Ms = (proxyLatency.p50_us - directLatency.p50_us) / 1000;
    const throughputRatio = proxyThroughput / directThroughput;
    const result = {
      subject: "toxiproxy stand-in (TypeScript), no toxics",
      node: process.version,
      cpus: cpus().length,
      load_average_1m: { before: round(loadBefore), after: round(loadavg()[0]!) },
      seconds_per_measurement: seconds,
      message_bytes: MESSAGE_BYTES,
      direct: { ...directLatency, throughput_mib_s: directThroughput },
      via_proxy: {
        ...proxyLatency,
        throughput_mib_s: proxyThroughput,
        echo_cpu_ms_per_mib: proxied.echo_cpu_ms_per_mib,
        proxy_cpu_ms_per_mib: proxied.proxy_cpu_ms_per_mib,
      },
      added_latency_p50_ms: Math.round(addedP50Ms * 1000) / 1000,
      throughput_ratio: Math.round(throughputRatio * 1000) / 1000,
      goals: {
        added_p50_below_1ms: addedP50Ms < 1,
        throughput_at_least_80pct: throughputRatio >= 0.8,
      },
    };

    if (asJson) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      const row = (name: string, l: LatencyResult, t: number) =>
        `${name.padEnd(14)}${String(l.p50_us).padStart(10)}${String(l.p95_us).padStart(10)}${String(l.p99_us).padStart(10)}${String(l.round_trips).padStart(13)}${String(t).padStart(12)}`;
      console.log(`toxiproxy stand-in overhead, no toxics (node ${process.version}, ${seconds} s per measurement, loopback)`);
      console.log(`${"".padEnd(14)}${"p50 µs".padStart(10)}${"p95 µs".padStart(10)}${"p99 µs".padStart(10)}${"round trips".padStart(13)}${"MiB/s".padStart(12)}`);
      console.log(row("direct", directLatency, directThroughput));
      console.log(row("via stand-in", proxyLatency, proxyThroughput));
      const mark = (ok: boolean) => (ok ? "met" : "NOT met");
      console.log(`added latency at p50: ${result.added_latency_p50_ms} ms (goal < 1 ms: ${mark(result.goals.added_p50_below_1ms)})`);
      console.log(`throughput kept: ${(throughputRatio * 100).toFixed(1)} % (goal >= 80 %: ${mark(result.goals.throughput_at_least_80pct)})`);
      console.log(
        `CPU per MiB echoed via the proxy: echo server ${proxied.echo_cpu_ms_per_mib} ms, stand-in ${proxied.proxy_cpu_ms_per_mib} ms` +
          ` (relays both directions); ${result.cpus} CPUs, load ${result.load_average_1m.before} -> ${result.load_average_1m.after}`,
      );
    }
  } finally {
    echo.stop();
    proxyChild.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
