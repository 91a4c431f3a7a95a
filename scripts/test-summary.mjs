// Print vitest's JSON result as one plain line: "vitest: N passed, N failed, N skipped".
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/vitest-results.json";
const r = JSON.parse(readFileSync(file, "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
