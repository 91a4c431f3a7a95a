// Meilisearch stand-in: small JSON helpers that mimic the wording of Meilisearch's deserr errors.
import { type ErrorCode, MeiliError } from "./errors.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Doc = { [key: string]: Json };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "boolean":
      return "a boolean";
    case "string":
      return "a string";
    case "number":
      if (!Number.isInteger(value)) return "a number";
      return value < 0 ? "a negative integer" : "a positive integer";
    default:
      return "an object";
  }
}

export const backticked = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

export function typeError(code: ErrorCode, field: string, expected: string, value: unknown): MeiliError {
  return new MeiliError(
    code,
    `Invalid value type at \`.${field}\`: expected ${expected}, but found ${kindOf(value)}: \`${JSON.stringify(value)}\``,
  );
}

export function expectObject(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new MeiliError(
      "bad_request",
      `Invalid value type: expected an object, but found ${kindOf(value)}: \`${JSON.stringify(value)}\``,
    );
  }
  return value;
}

export function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new MeiliError("bad_request", `Unknown field \`${key}\`: expected one of ${backticked(allowed)}`);
    }
  }
}

export function rejectUnknownParams(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw new MeiliError("bad_request", `Unknown parameter \`${key}\`: expected one of ${backticked(allowed)}`);
    }
  }
}

export function uintParam(params: URLSearchParams, name: string, code: ErrorCode): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new MeiliError(code, `Invalid value in parameter \`${name}\`: could not parse \`${raw}\` as a positive integer`);
  }
  return Number(raw);
}

export function uintField(body: Record<string, unknown>, name: string, code: ErrorCode): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw typeError(code, name, "a positive integer", value);
  }
  return value;
}

/** Comma-separated list parameter; `undefined` when absent. */
export function listParam(params: URLSearchParams, name: string): string[] | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function stringListField(body: Record<string, unknown>, name: string, code: ErrorCode): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw typeError(code, name, "an array", value);
  value.forEach((item, i) => {
    if (typeof item !== "string") throw typeError(code, `${name}[${i}]`, "a string", item);
  });
  return value as string[];
}
