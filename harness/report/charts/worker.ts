// Child process of renderSvgSync: chart specs as JSON on stdin, one SVG string per spec
// as a JSON array on stdout.
import { renderSvg, type ChartSpec } from "./render.js";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const specs = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChartSpec[];
const svgs: string[] = [];
for (const s of specs) svgs.push(await renderSvg(s));
process.stdout.write(JSON.stringify(svgs));
