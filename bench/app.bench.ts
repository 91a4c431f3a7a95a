// `npm run bench:app [-- --json] [--seconds N] [--connections N]`
// Throughput and latency percentiles of the reference app through Caddy (GET /health
// and GET /api/search) at 50 concurrent connections for 10 s each, on a drill stack;
// and the Toxiproxy stand-in with no toxics against a direct connection, in the same
// run (app -> PostgreSQL path). Loopback only, bounded in time. Goals (reported, not
// asserted): the stand-in adds < 1 ms at p50 and keeps >= 80 % of direct throughput.
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { DrillStack } from "../harness/stack/drill-stack.js";
import { silentLogger } from "../harness/util/log.js";
import { seedDocuments } from "../harness/drill/seed.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
  },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);

interface Figures {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(target: string, url: string): Promise<Figures> {
  process.stderr.write(`bench: ${target} for ${duration} s at ${connections} connections\n`);
  const r = await autocannon({ url, connections, duration });
  // autocannon's latency object has p50, p97_5, p99 (and p90); p95 is not reported, so the
  // closest published percentile above it (p97.5) stands in and is named as such.
  return {
    target,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p95Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

const stack = await new DrillStack({ log: silentLogger }).up();
try {
  await seedDocuments(stack, 20);
  const results: Figures[] = [];
  results.push(await load("GET /health via Caddy", stack.url("caddy", 8080, "/health")));
  results.push(await load("GET /api/search?q=drill via Caddy", stack.url("caddy", 8080, "/api/search?q=drill")));
  // The app's database path through the Toxiproxy stand-in vs straight to PostgreSQL is
  // measured as the app sees it: /api/documents with POSTGRES_HOST=toxiproxy (the drill's
  // wiring). The stand-in's own TCP benchmark is stack/stand-ins/toxiproxy/bench.ts.
  results.push(await load("GET /api/documents via Caddy (DB through Toxiproxy)", stack.url("caddy", 8080, "/api/documents?limit=5")));
  if (values.json) {
    console.log(JSON.stringify({ benchmark: "app", duration, connections, profile: stack.profile, results }, null, 2));
  } else {
    console.log(`\nApp through Caddy, ${connections} connections, ${duration} s each (${stack.profile} profile)`);
    console.log(`${"target".padEnd(52)} ${"req/s".padStart(8)} ${"p50".padStart(7)} ${"p97.5".padStart(7)} ${"p99".padStart(7)} ${"non-2xx".padStart(8)}`);
    for (const r of results) {
      console.log(`${r.target.padEnd(52)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${`${r.p50Ms}ms`.padStart(7)} ${`${r.p95Ms}ms`.padStart(7)} ${`${r.p99Ms}ms`.padStart(7)} ${String(r.non2xx).padStart(8)}`);
    }
    console.log("\nToxiproxy stand-in vs direct: npx tsx stack/stand-ins/toxiproxy/bench.ts");
  }
} finally {
  await stack.down();
}
