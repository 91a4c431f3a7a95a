// The drill's stand-in for the runbook's Slack channel (#alerts): an Alertmanager
// webhook receiver that keeps every notification it gets, so a drill can prove the
// alert reached a person and measure time-to-notify. Node built-ins only (it is
// bundled and run by Debian's Node 18).
//   POST /slack          Alertmanager webhook payload (version 4)
//   GET  /received       every payload received, with the time it arrived
//   GET  /health         200
import { createServer } from "node:http";

interface Received {
  receivedAt: string;
  payload: unknown;
}

const received: Received[] = [];
const port = Number(process.env.PORT ?? 9095);

const server = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/health") return reply(200, { status: "ok" });
  if (req.method === "GET" && req.url === "/received") return reply(200, received);
  if (req.method === "POST") {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      try {
        received.push({ receivedAt: new Date().toISOString(), payload: JSON.parse(body) as unknown });
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: "notification received", path: req.url })}\n`);
        reply(200, { ok: true });
      } catch {
        reply(400, { error: "body is not JSON" });
      }
    });
    return;
  }
  reply(404, { error: "not found" });
});

server.listen(port, "0.0.0.0", () => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: "alert-sink listening", port })}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => server.close(() => process.exit(0)));
