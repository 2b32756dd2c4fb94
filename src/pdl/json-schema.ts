/**
 * The JSON Schema of persona documents, generated from the zod document schema so the two cannot
 * drift. Keys are listed in both spellings (structured `baseConfiguration` and seed-notation
 * `BaseConfiguration`), so editors complete and check either form.
 */
import { z } from "zod";
import { displayKey, PersonaDocument } from "./document.js";

type JsonSchema = { [key: string]: unknown };

/** The `$id` under which the schema is published. */
export const PERSONA_SCHEMA_ID = "https://pulumi-personas.dev/schemas/persona.schema.json";

/**
 * Builds the JSON Schema (draft 2020-12) for persona files.
 * @example
 * ```ts
 * writeFileSync("persona.schema.json", JSON.stringify(personaJsonSchema(), null, 2));
 * ```
 */
export function personaJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(PersonaDocument, {
    target: "draft-2020-12",
    unrepresentable: "any",
    reused: "ref",
  }) as JsonSchema;
  return {
    $schema: schema.$schema,
    $id: PERSONA_SCHEMA_ID,
    title: "pulumi-personas persona",
    description:
      "A persona: base configuration, software, telemetry triggers, external data sources and automated responses.",
    ...addPascalSpellings(withoutKeys(schema, ["$schema"]), "#"),
  };
}

function withoutKeys(schema: JsonSchema, keys: string[]): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));
}

/** Adds each property's PascalCase spelling as a `$ref` to the camelCase one (`pointer` locates `node`). */
function addPascalSpellings(node: unknown, pointer: string): JsonSchema {
  if (Array.isArray(node))
    return node.map((item, i) => addPascalSpellings(item, `${pointer}/${i}`)) as unknown as JsonSchema;
  if (node === null || typeof node !== "object") return node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === "properties" ? value : addPascalSpellings(value, `${pointer}/${key}`);
  }
  const properties = (node as JsonSchema).properties as Record<string, unknown> | undefined;
  if (properties) {
    const both: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties)) {
      both[key] = addPascalSpellings(value, `${pointer}/properties/${key}`);
      const pascal = displayKey(key, "pascal");
      if (pascal !== key) both[pascal] = { $ref: `${pointer}/properties/${key}` };
    }
    out.properties = both;
    const required = (node as JsonSchema).required as string[] | undefined;
    if (required && required.length > 0) {
      delete out.required;
      // A required key may be written in either spelling.
      out.allOf = required.map((key) => ({
        anyOf: [{ required: [key] }, { required: [displayKey(key, "pascal")] }],
      }));
    }
  }
  return out;
}
