/**
 * The JSON Schema of mapping files, generated from the zod document schema so the two cannot drift.
 * Shipped as `schemas/mapping.schema.json` and printed by `personas schema --mapping`, for editors.
 */
import { z } from "zod";
import { MappingDocument } from "./mapping.js";

/** The `$id` under which the schema is published. */
export const MAPPING_SCHEMA_ID = "https://pulumi-personas.dev/schemas/mapping.schema.json";

/**
 * Builds the JSON Schema (draft 2020-12) for mapping files.
 * @example
 * ```ts
 * writeFileSync("mapping.schema.json", JSON.stringify(mappingJsonSchema(), null, 2));
 * ```
 */
export function mappingJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(MappingDocument, {
    target: "draft-2020-12",
    unrepresentable: "any",
    reused: "ref",
  }) as Record<string, unknown>;
  return {
    $schema,
    $id: MAPPING_SCHEMA_ID,
    title: "pulumi-personas mapping",
    description:
      "Mapping rules: instance tags to a persona name and version range, with overrides (docs/mapping.md).",
    ...schema,
  };
}
