// journal.schema.json is the published contract of journal.json (for auditors' tools and
// CI consumers); this validates a parsed journal against it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Journal } from "./journal.js";

export const journalSchemaFile = fileURLToPath(new URL("./journal.schema.json", import.meta.url));

// RFC 3339 date-time as the harness writes it (toISOString) and as other tools may (offsets).
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => dateTime.test(s) && !Number.isNaN(Date.parse(s)) });
  return ajv.compile(JSON.parse(readFileSync(journalSchemaFile, "utf8")) as object);
}

const describe = (e: ErrorObject) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${e.keyword === "enum" ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : ""}`;

/** The journal, typed, or the reasons it does not match the schema. */
export function validateJournal(data: unknown): { ok: true; journal: Journal } | { ok: false; errors: string[] } {
  validator ??= compile();
  if (validator(data)) return { ok: true, journal: data as Journal };
  return { ok: false, errors: (validator.errors ?? []).map(describe) };
}
