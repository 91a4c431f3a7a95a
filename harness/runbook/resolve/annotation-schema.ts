// JSON Schema of drill annotations (the `<runbook>.drill.yaml` sidecar, inline
// `<!-- drill: -->` comments and scenario overrides share the per-step part).

/** `4.3b`, or `4.*` for every step of section 4. */
export const STEP_KEY_PATTERN = "^[0-9]+\\.(?:[0-9]+[a-z]?|\\*)$";

const stringOrList = {
  anyOf: [
    { type: "string", minLength: 1 },
    { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
  ],
  description: "a string or a list of strings",
};

const matcher = {
  description: 'a substring, or {contains, regex, notContains}',
  anyOf: [
    { type: "string", minLength: 1 },
    {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: { contains: stringOrList, regex: stringOrList, notContains: stringOrList },
    },
  ],
};

export const stepAnnotationSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    mode: { enum: ["drilled", "adapted", "operator-fix", "manual"] },
    reason: { type: "string", minLength: 1 },
    run: { type: "string", minLength: 1 },
    derive: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        drop: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
        replace: {
          type: "array",
          minItems: 1,
          items: { type: "object", additionalProperties: false, required: ["from", "to"], properties: { from: { type: "string", minLength: 1 }, to: { type: "string" } } },
        },
      },
    },
    writtenFor: { type: "string", pattern: "^[0-9a-f]{12}$", description: "first 12 hex digits of the SHA-256 of the step's text this annotation was written against" },
    bind: {
      type: "object",
      propertyNames: { minLength: 1 },
      additionalProperties: { type: ["string", "number"] },
    },
    expect: {
      type: "object",
      additionalProperties: false,
      properties: {
        exit: {
          description: 'an exit code, a list of exit codes, or "any"',
          anyOf: [
            { type: "integer", minimum: 0, maximum: 255 },
            { type: "array", items: { type: "integer", minimum: 0, maximum: 255 }, minItems: 1 },
            { const: "any" },
          ],
        },
        stdout: matcher,
        stderr: matcher,
        output: matcher,
      },
    },
    timeout: {
      description: 'seconds, or a duration such as "90s", "2m", "500ms"',
      anyOf: [
        { type: "number", exclusiveMinimum: 0 },
        { type: "string", pattern: "^[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h)$" },
      ],
    },
    note: { type: "string" },
  },
  allOf: [
    {
      if: { required: ["mode"], properties: { mode: { const: "adapted" } } },
      then: {
        required: ["reason"],
        description: "needs `run` (a documented equivalent) or `derive` (the step's own text with lines dropped or replaced)",
        anyOf: [{ required: ["run"] }, { required: ["derive"] }],
      },
    },
    {
      if: { required: ["mode"], properties: { mode: { const: "manual" } } },
      then: { required: ["reason"] },
    },
    {
      // The runbook gives no command: what runs is the operator's own, said why.
      if: { required: ["mode"], properties: { mode: { const: "operator-fix" } } },
      then: { required: ["reason", "run"] },
    },
    {
      // `run` replaces the step's text, which only an adapted step or an operator's fix may do.
      if: { required: ["run"] },
      then: { required: ["mode"], properties: { mode: { enum: ["adapted", "operator-fix"] } } },
    },
    {
      if: { required: ["derive"] },
      then: { required: ["mode"], properties: { mode: { const: "adapted" } } },
    },
  ],
} as const;

export const stepOverridesSchema = {
  type: "object",
  propertyNames: { pattern: STEP_KEY_PATTERN },
  additionalProperties: stepAnnotationSchema,
} as const;

export const annotationsFileSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    runbook: { type: "string" },
    steps: stepOverridesSchema,
    waivers: {
      type: "object",
      propertyNames: { pattern: "^[0-9]+$" },
      additionalProperties: { type: "string", minLength: 1 },
    },
  },
} as const;
