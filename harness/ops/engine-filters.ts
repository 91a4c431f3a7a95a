// The Docker Engine API's `filters` query parameter, narrowed by one more label.
//
// The engine accepts two JSON shapes: `{"label":{"a=b":true}}` (what the docker CLI
// sends) and the legacy `{"label":["a=b"]}` (what docker-py sends). It parses the whole
// object in one shape or the other, so the added label must use the shape the other
// keys already use. Several `label` values are ANDed by the engine: the caller's own
// label filters still apply, within the drill.

type FilterValue = string[] | Record<string, boolean>;

export class FilterError extends Error {}

export function withLabelFilter(filters: string | null, label: string): string {
  let parsed: Record<string, FilterValue> = {};
  if (filters !== null && filters.trim() !== "") {
    const raw: unknown = JSON.parse(filters);
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new FilterError(`filters is not a JSON object: ${filters}`);
    parsed = raw as Record<string, FilterValue>;
  }
  const legacy = Object.values(parsed).some((v) => Array.isArray(v));
  const current = parsed.label;
  if (Array.isArray(current)) {
    parsed.label = [...current, label];
  } else if (current && typeof current === "object") {
    parsed.label = { ...current, [label]: true };
  } else {
    parsed.label = legacy ? [label] : { [label]: true };
  }
  return JSON.stringify(parsed);
}
