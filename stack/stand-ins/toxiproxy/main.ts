// Entry point of the Toxiproxy stand-in container:
//   node toxiproxy.mjs -host 0.0.0.0 -port 8474 [-config /etc/toxiproxy.json]
// Built with: esbuild main.ts --bundle --platform=node --target=node18 --format=esm
import { run } from "./cli.js";

run(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
