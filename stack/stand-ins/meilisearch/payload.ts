// Meilisearch stand-in: document payloads: JSON (object or array), NDJSON and CSV, as upstream.
import { MeiliError } from "./errors.js";
import { type Doc, backticked, isPlainObject } from "./validation.js";

export const DOCUMENT_CONTENT_TYPES = ["application/json", "application/x-ndjson", "text/csv"];
export type PayloadFormat = "json" | "ndjson" | "csv";

export function mimeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

export function malformedDocuments(format: PayloadFormat, detail: string): MeiliError {
  return format === "csv"
    ? new MeiliError("malformed_payload", `The \`csv\` payload provided is malformed: \`${detail}\`.`)
    : new MeiliError(
        "malformed_payload",
        `The \`${format}\` payload provided is malformed. \`Couldn't serialize document value: ${detail}\`.`,
      );
}

export function parseDocuments(contentType: string | undefined, raw: Buffer, csvDelimiter: string | null): Doc[] {
  if (contentType === undefined) {
    throw new MeiliError(
      "missing_content_type",
      `A Content-Type header is missing. Accepted values for the Content-Type header are: ${backticked(DOCUMENT_CONTENT_TYPES)}`,
    );
  }
  const essence = mimeEssence(contentType);
  const format: PayloadFormat | undefined =
    essence === "application/json"
      ? "json"
      : essence === "application/x-ndjson"
        ? "ndjson"
        : essence === "text/csv"
          ? "csv"
          : undefined;
  if (format === undefined) {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${essence.includes("/") ? essence : contentType}\` is invalid. Accepted values for the ` +
        `Content-Type header are: ${backticked(DOCUMENT_CONTENT_TYPES)}`,
    );
  }
  if (csvDelimiter !== null && format !== "csv") {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${essence}\` does not support the use of a csv delimiter. The csv delimiter can only be ` +
        "used with the Content-Type `text/csv`.",
    );
  }
  if (raw.length === 0) throw new MeiliError("missing_payload", `A ${format} payload is missing.`);
  const text = raw.toString("utf8");

  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw malformedDocuments("json", (err as Error).message);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (!list.every(isPlainObject)) {
      throw malformedDocuments("json", "data are neither an object nor a list of objects");
    }
    return list as Doc[];
  }
  if (format === "ndjson") {
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim().length > 0)
      .map((line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (err) {
          throw malformedDocuments("ndjson", (err as Error).message);
        }
        if (!isPlainObject(parsed)) throw malformedDocuments("ndjson", "data are neither an object nor a list of objects");
        return parsed as Doc;
      });
  }
  return parseCsv(text, csvDelimiter ?? ",");
}

/** RFC 4180-ish CSV with upstream's typed headers (`name:number`, `name:boolean`). */
export function parseCsv(text: string, delimiter: string): Doc[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === ""));
  const header = nonEmpty.shift();
  if (header === undefined) return [];
  const columns = header.map((h) => {
    const at = h.lastIndexOf(":");
    const type = at >= 0 ? h.slice(at + 1) : "";
    return type === "number" || type === "boolean" || type === "string"
      ? { name: h.slice(0, at), type }
      : { name: h, type: "string" };
  });
  return nonEmpty.map((cells, line) => {
    if (cells.length !== columns.length) {
      throw malformedDocuments(
        "csv",
        `CSV error: record ${line + 1} found record with ${cells.length} fields, but the previous record has ${columns.length} fields`,
      );
    }
    const doc: Doc = {};
    columns.forEach((col, i) => {
      const cell = cells[i] as string;
      const trimmed = cell.trim();
      if (col.type === "number") {
        if (trimmed === "") doc[col.name] = null;
        else if (Number.isFinite(Number(trimmed))) doc[col.name] = Number(trimmed);
        else throw malformedDocuments("csv", `invalid float literal at line ${line + 1}, value: ${cell}`);
      } else if (col.type === "boolean") {
        if (trimmed === "") doc[col.name] = null;
        else if (trimmed === "true" || trimmed === "false") doc[col.name] = trimmed === "true";
        else throw malformedDocuments("csv", `provided string was not \`true\` or \`false\` at line ${line + 1}, value: ${cell}`);
      } else doc[col.name] = cell === "" ? null : cell;
    });
    return doc;
  });
}

/** Body of a route that takes strict JSON (index creation, search...). */
export function parseJsonBody(contentType: string | undefined, raw: Buffer): unknown {
  if (contentType === undefined) {
    throw new MeiliError(
      "missing_content_type",
      "A Content-Type header is missing. Accepted values for the Content-Type header are: `application/json`",
    );
  }
  if (mimeEssence(contentType) !== "application/json") {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${contentType}\` is invalid. Accepted values for the Content-Type header are: \`application/json\``,
    );
  }
  if (raw.length === 0) throw new MeiliError("missing_payload", "A json payload is missing.");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new MeiliError("malformed_payload", `The json payload provided is malformed. \`${(err as Error).message}\`.`);
  }
}
