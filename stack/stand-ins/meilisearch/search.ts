// Meilisearch stand-in: search: a deliberately small model of Meilisearch's matching.
import { type Doc, type Json, isPlainObject } from "./validation.js";

/** Lower-case, strip diacritics, split on anything that is not a letter/digit. */
export function tokenize(text: string): string[] {
  const folded = text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

// Word lists per stored document; documents are replaced, never mutated, so a
// WeakMap keyed by the object stays correct and frees itself.
export const wordCache = new WeakMap<Doc, string[]>();

export function documentWords(doc: Doc): string[] {
  let words = wordCache.get(doc);
  if (words === undefined) {
    const acc: string[] = [];
    const visit = (value: Json): void => {
      if (typeof value === "string") acc.push(...tokenize(value));
      else if (typeof value === "number") acc.push(...tokenize(String(value)));
      else if (Array.isArray(value)) value.forEach(visit);
      else if (isPlainObject(value)) Object.values(value).forEach(visit);
    };
    Object.values(doc).forEach(visit);
    words = acc;
    wordCache.set(doc, words);
  }
  return words;
}

export type MatchingStrategy = "last" | "all" | "frequency";

/**
 * Returns the documents matching `q`, best first.
 * - A query word matches a document word it is a prefix of (case/diacritic-insensitive).
 * - "all": every word must match. "last" (Meilisearch's default): documents matching
 *   all words come first, then those matching all but the last word, and so on
 *   down to the first word. "frequency" is treated like "last".
 * - Ties: more exact (non-prefix) word matches first, then insertion order.
 */
export function searchDocuments(docs: Iterable<Doc>, q: string, strategy: MatchingStrategy): Doc[] {
  const terms = tokenize(q);
  const all = Array.from(docs);
  if (terms.length === 0) return all; // placeholder search
  const scored: { doc: Doc; matched: number; exact: number; order: number }[] = [];
  all.forEach((doc, order) => {
    const words = documentWords(doc);
    let matched = 0;
    let exact = 0;
    for (const term of terms) {
      if (!words.some((w) => w.startsWith(term))) break;
      matched += 1;
      if (words.includes(term)) exact += 1;
    }
    const required = strategy === "all" ? terms.length : 1;
    if (matched >= required) scored.push({ doc, matched, exact, order });
  });
  scored.sort((a, b) => b.matched - a.matched || b.exact - a.exact || a.order - b.order);
  return scored.map((s) => s.doc);
}

export function pickFields(doc: Doc, fields: string[] | undefined): Doc {
  if (fields === undefined || fields.includes("*")) return doc;
  const out: Doc = {};
  for (const field of fields) {
    const value = doc[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}
