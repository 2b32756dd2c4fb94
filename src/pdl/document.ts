/**
 * The shape of a persona document, in its structured (camelCase) spelling. Seed-notation documents
 * use the same keys in PascalCase (`BaseConfiguration`, `CPU`, `URL`); keys are matched without
 * regard to case, so both forms validate against this one schema. Values may be phrases
 * ("32 GB", "CPU Load > 80% for 5 minutes") or explicit numbers and objects.
 *
 * This schema checks shape only; `parse.ts` reads the phrases and produces the `Persona` model.
 */
import { z } from "zod";
import { Action } from "./actions/index.js";
import { MissingData } from "./model.js";

const Quantity = z.union([z.number(), z.string()]);
/** A duration: a phrase ("5 minutes", "300s", "1 hour") or a number of seconds. */
const DurationInput = z.union([z.number(), z.string()]);
/** An action: a phrase ("Scale up to 16 cores") or an explicit object (`{ kind: scale, cpu: 16 }`). */
const ActionInput = z.union([z.string(), Action]);
const ActionsInput = z.union([ActionInput, z.array(ActionInput).min(1)]);

const ConditionObject = z.strictObject({
  metric: z.string().describe("Metric id, title or alias, e.g. cpu-utilization or 'CPU Load'."),
  operator: z.string().describe("One of >, >=, <, <= (or above, below, at least, at most)."),
  threshold: Quantity.describe("Threshold with its unit ('80%', '100ms') or a number in the metric's unit."),
  for: DurationInput.optional().describe("How long the condition must hold; default one 1-minute datapoint."),
  datapointsToAlarm: z
    .int()
    .optional()
    .describe("M of an 'M of N' window; default all datapoints of the window."),
});
const ConditionInput = z.union([z.string(), ConditionObject]);

const SoftwareInput = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    version: z.union([z.string(), z.number()]).optional().describe("'latest' (default) or a version to pin."),
    note: z.string().optional(),
  }),
]);

const FeatureInput = z.strictObject({
  name: z.string().describe("Feature name; actions refer to it ('Activate CDN caching')."),
  description: z.string().optional(),
  activate: z.string().optional().describe("Shell script run when the feature is switched on."),
  deactivate: z.string().optional().describe("Shell script run when the feature is switched off."),
  initial: z.enum(["on", "off"]).optional().describe("State at deployment; default off."),
});

const TriggerInput = z.strictObject({
  name: z.string().optional().describe("Trigger name; default derived from the condition."),
  condition: ConditionInput,
  action: ActionsInput.optional(),
  response: z.string().optional().describe("Name of an AutomatedResponses entry (instead of action)."),
  cooldown: DurationInput.optional().describe("Minimum time between two runs on one instance."),
  clear: ConditionInput.optional().describe(
    "'after <duration>' or a condition; when it holds the action is reverted.",
  ),
  clearAction: ActionsInput.optional().describe("What to do on clear instead of reverting the action."),
  missingData: MissingData.optional(),
});

const SourceInput = z.strictObject({
  name: z.string().optional(),
  url: z.string().describe("https URL of the feed."),
  frequency: DurationInput.describe("How often to fetch; at least 1 minute."),
  kind: z
    .enum(["list", "value"])
    .optional()
    .describe("list (addresses) or value (a number with a condition); inferred."),
  format: z.string().optional().describe("plain, spamhaus-drop, csv or json (lists); json or text (values)."),
  column: z.union([z.int(), z.string()]).optional().describe("csv: column index (0-based) or header name."),
  path: z.string().optional().describe("json lists: path to the entries, e.g. $.data[*].ip"),
  condition: z.string().optional().describe("Value sources: '$.threat.level >= 4' or 'value > 100'."),
  action: ActionsInput.optional(),
  response: z.string().optional(),
  cooldown: DurationInput.optional(),
  clear: z
    .string()
    .optional()
    .describe("Value sources: 'after <duration>' to revert once the condition stops holding."),
  timeout: DurationInput.optional().describe("Fetch timeout; default 10 seconds."),
  maxBytes: z.union([z.int(), z.string()]).optional().describe("Largest accepted body; default 10 MB."),
  maxShrink: Quantity.optional().describe(
    "Refuse a new list this much smaller than the last good one; default 50%.",
  ),
});

const ResponseInput = z.strictObject({
  name: z.string(),
  action: ActionsInput.optional(),
  actions: z.array(ActionInput).min(1).optional(),
  cooldown: DurationInput.optional(),
  maxActionsPerHour: z.int().optional(),
});

/** A persona document in structured form (seed notation is the same with PascalCase keys). */
export const PersonaDocument = z.strictObject({
  name: z.string().optional().describe("Persona name; default the file name."),
  version: z.string().optional().describe("Semantic version, e.g. 1.2.0."),
  description: z.string().optional(),
  extends: z.string().optional().describe("Parent persona: Name or Name@range."),
  baseConfiguration: z
    .strictObject({
      cpu: Quantity.optional().describe("vCPUs: '8 cores' or 8."),
      memory: Quantity.optional().describe("Memory: '32 GB' or 32 (GiB). GB and GiB both mean 2^30 bytes."),
      networkBandwidth: Quantity.optional().describe("Network: '10 Gbps' or 10 (Gbps)."),
      family: z.string().optional().describe("Instance family, e.g. c7i."),
      architecture: z.enum(["x86_64", "arm64"]).optional(),
      size: z.string().optional().describe("Explicit instance type / VM size."),
    })
    .optional(),
  softwareStack: z.array(SoftwareInput).optional(),
  features: z.array(FeatureInput).optional(),
  telemetryTriggers: z.array(TriggerInput).optional(),
  externalDataSources: z.array(SourceInput).optional(),
  automatedResponses: z.array(ResponseInput).optional(),
  bounds: z
    .strictObject({
      maxCpu: Quantity.optional(),
      maxMemory: Quantity.optional(),
      maxSize: z.string().optional(),
      maxActionsPerHour: z.int().optional(),
    })
    .optional(),
});
export type PersonaDocument = z.infer<typeof PersonaDocument>;

/** Short names accepted for top-level sections. */
const SECTION_ALIASES: Record<string, string> = {
  base: "baseConfiguration",
  software: "softwareStack",
  triggers: "telemetryTriggers",
  sources: "externalDataSources",
  externaldata: "externalDataSources",
  responses: "automatedResponses",
};

/** Spellings of keys that are not a plain PascalCase of the camelCase key. */
const DISPLAY_EXCEPTIONS: Record<string, string> = { cpu: "CPU", url: "URL", maxCpu: "MaxCPU" };

function looseKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, "");
}

const canonicalKeys = new Map<string, string>();
collectKeys(PersonaDocument);
for (const [alias, key] of Object.entries(SECTION_ALIASES)) canonicalKeys.set(alias, key);

function collectKeys(schema: z.ZodType): void {
  const def = (schema as unknown as { _zod: { def: { type: string } } })._zod.def;
  switch (def.type) {
    case "object":
      for (const [key, child] of Object.entries((schema as z.ZodObject).shape)) {
        canonicalKeys.set(looseKey(key), key);
        collectKeys(child as z.ZodType);
      }
      break;
    case "optional":
      collectKeys((schema as z.ZodOptional<z.ZodType>).unwrap());
      break;
    case "array":
      collectKeys((schema as z.ZodArray<z.ZodType>).element);
      break;
    case "union":
      for (const option of (schema as z.ZodUnion<z.ZodType[]>).options) collectKeys(option);
      break;
  }
}

/**
 * The canonical (camelCase) key for any spelling of a known key, or undefined for unknown keys.
 * @internal
 */
export function canonicalKey(key: string): string | undefined {
  return canonicalKeys.get(looseKey(key));
}

/**
 * How to show a canonical key to a user who writes in `style` (PascalCase seed notation or camelCase).
 * @internal
 */
export function displayKey(key: string, style: "pascal" | "camel"): string {
  if (style === "camel") return key;
  if (Object.hasOwn(DISPLAY_EXCEPTIONS, key)) return DISPLAY_EXCEPTIONS[key]!;
  return key === "" ? key : key[0]!.toUpperCase() + key.slice(1);
}

/**
 * The keys allowed in the object schema found at `path` of the document, for "did you mean".
 * @internal
 */
export function keysAt(path: readonly (string | number)[]): string[] {
  let schema: z.ZodType | undefined = PersonaDocument;
  for (const step of path) {
    schema = objectish(schema);
    if (!schema) return [];
    const def = (schema as unknown as { _zod: { def: { type: string } } })._zod.def;
    if (def.type === "array" && typeof step === "number") schema = (schema as z.ZodArray<z.ZodType>).element;
    else if (def.type === "object" && typeof step === "string")
      schema = (schema as z.ZodObject).shape[step] as z.ZodType;
    else return [];
  }
  const target = objectish(schema);
  return target && (target as unknown as { _zod: { def: { type: string } } })._zod.def.type === "object"
    ? Object.keys((target as z.ZodObject).shape)
    : [];
}

/** Unwraps optionals, and picks the object/array branch of a union. */
function objectish(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const type = (current as unknown as { _zod: { def: { type: string } } })._zod.def.type;
    if (type === "optional") current = (current as z.ZodOptional<z.ZodType>).unwrap();
    else if (type === "union") {
      current = (current as z.ZodUnion<z.ZodType[]>).options.find((o) => {
        const t = (o as unknown as { _zod: { def: { type: string } } })._zod.def.type;
        return t === "object" || t === "array";
      });
    } else return current;
  }
  return current;
}
