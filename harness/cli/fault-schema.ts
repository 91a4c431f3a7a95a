// `npm run schema:faults`: write the fault modules' kinds and parameters into
// scenarios/scenario.schema.json's `fault` definition (harness/faults/schema.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { faultSchema } from "../faults/schema.js";
import { repoRoot } from "../util/paths.js";

const file = join(repoRoot, "scenarios/scenario.schema.json");
const schema = JSON.parse(readFileSync(file, "utf8")) as { definitions: Record<string, unknown> };
schema.definitions.fault = faultSchema();
writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
console.log(`wrote the fault definition (${Object.keys(faultSchema().allOf).length} kinds) into ${file}`);
