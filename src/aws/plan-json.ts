/**
 * `personas plan --format json`: every input of every planned resource, as the components registered
 * it, in a form a reviewer (or a script) can read before `pulumi up`. The format is documented in
 * docs/aws.md ("personas plan --format json"). Three things are rewritten, nothing is dropped:
 *
 * - a value known only after deployment (another resource's ARN or id, or an auto-generated name) is
 *   a reference to the output it comes from: `{ "ref": "web-cpu-responder", "type":
 *   "aws:lambda/function:Function", "output": "arn" }`; a string that embeds one is
 *   `{ "interpolate": ["arn:...:", { "ref": ... }, "/*"] }`;
 * - a string holding a JSON object or array (IAM policies, state machine definitions) is
 *   `{ "json": <the parsed document> }`, with references inside it;
 * - an asset or archive (Lambda code, the agent bundle) is what it is: its kind, path, size and SHA-256.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedResource } from "./offline.js";

/** A value another resource outputs once deployed. */
export interface OutputReference {
  /** The resource's (logical) name. */
  readonly ref: string;
  /** The resource's type: names are unique only per type. */
  readonly type: string;
  /** The output: `arn`, `id`, or `name` (an auto-generated physical name). */
  readonly output: string;
}

/** One resource of the JSON plan. */
export interface PlanJsonResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  /** Every input the component registered, rewritten as the module comment says. */
  readonly inputs: Record<string, unknown>;
}

/** ARNs are matched inside longer strings too; ids and names only as whole values (they are short). */
const EMBEDDABLE_OUTPUTS = new Set(["arn"]);

/**
 * The JSON plan of `resources` (from `planOffline`): every input, with deploy-time values as
 * references, JSON documents parsed and assets described.
 *
 * @example
 * ```ts
 * const plan = await planJson(await planOffline(program));
 * plan.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")?.inputs.alarmActions;
 * // [{ ref: "web-cpu-responder", type: "aws:lambda/function:Function", output: "arn" }]
 * ```
 */
export async function planJson(resources: readonly PlannedResource[]): Promise<PlanJsonResource[]> {
  const outputs = new Map<string, OutputReference>();
  for (const resource of resources)
    for (const [output, value] of Object.entries(resource.outputs ?? {}))
      if (value !== "") outputs.set(value, { ref: resource.name, type: resource.type, output });
  const embeddable = [...outputs].filter(([, reference]) => EMBEDDABLE_OUTPUTS.has(reference.output));
  const rewrite = async (value: unknown, self: PlannedResource): Promise<unknown> => {
    if (typeof value === "string") return rewriteString(value, self, outputs, embeddable);
    if (Array.isArray(value)) return Promise.all(value.map((item: unknown) => rewrite(item, self)));
    if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value))
      return describeAsset(value);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = await rewrite(item, self);
      return out;
    }
    return value;
  };
  const plan: PlanJsonResource[] = [];
  for (const resource of resources)
    plan.push({
      type: resource.type,
      name: resource.name,
      parent: resource.parent ?? null,
      inputs: (await rewrite(resource.inputs, resource)) as Record<string, unknown>,
    });
  return plan;
}

function isSelf(reference: OutputReference, self: PlannedResource): boolean {
  return reference.ref === self.name && reference.type === self.type;
}

function rewriteString(
  value: string,
  self: PlannedResource,
  outputs: ReadonlyMap<string, OutputReference>,
  embeddable: readonly (readonly [string, OutputReference])[],
): unknown {
  const whole = outputs.get(value);
  if (whole && !isSelf(whole, self)) return whole;
  if (/^\s*[[{]/.test(value)) {
    let document: unknown;
    try {
      document = JSON.parse(value);
    } catch {
      // Not JSON after all (a shell script starting with `{`): shown as the string it is.
      document = undefined;
    }
    if (document !== undefined && typeof document === "object" && document !== null)
      return { json: rewriteDocument(document, self, outputs, embeddable) };
  }
  const parts: unknown[] = [];
  let rest = value;
  for (;;) {
    let first: { at: number; text: string; reference: OutputReference } | undefined;
    for (const [text, reference] of embeddable) {
      if (isSelf(reference, self)) continue;
      const at = rest.indexOf(text);
      if (
        at !== -1 &&
        (first === undefined || at < first.at || (at === first.at && text.length > first.text.length))
      )
        first = { at, text, reference };
    }
    if (first === undefined) break;
    if (first.at > 0) parts.push(rest.slice(0, first.at));
    parts.push(first.reference);
    rest = rest.slice(first.at + first.text.length);
  }
  if (parts.length === 0) return value;
  if (rest !== "") parts.push(rest);
  return { interpolate: parts };
}

function rewriteDocument(
  value: unknown,
  self: PlannedResource,
  outputs: ReadonlyMap<string, OutputReference>,
  embeddable: readonly (readonly [string, OutputReference])[],
): unknown {
  if (typeof value === "string") return rewriteString(value, self, outputs, embeddable);
  if (Array.isArray(value)) return value.map((item) => rewriteDocument(item, self, outputs, embeddable));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, rewriteDocument(item, self, outputs, embeddable)]),
    );
  return value;
}

/** An asset or archive as its kind, path (or URI) and, when the file exists, size and SHA-256. */
async function describeAsset(
  value: pulumi.asset.Asset | pulumi.asset.Archive,
): Promise<Record<string, unknown>> {
  const fields = value as unknown as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) resolved[key] = await field;
  const kind = value.constructor.name;
  if (typeof resolved.text === "string") {
    const bytes = Buffer.from(resolved.text);
    return { asset: kind, bytes: bytes.length, sha256: sha256(bytes) };
  }
  if (typeof resolved.uri === "string") return { [assetKey(value)]: kind, uri: resolved.uri };
  if (typeof resolved.path === "string")
    return { [assetKey(value)]: kind, path: resolved.path, ...fileFacts(resolved.path) };
  if (resolved.assets !== null && typeof resolved.assets === "object") {
    const assets: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(resolved.assets as Record<string, unknown>))
      assets[name] =
        pulumi.asset.Asset.isInstance(member) || pulumi.asset.Archive.isInstance(member)
          ? await describeAsset(member)
          : member;
    return { archive: kind, assets };
  }
  return { [assetKey(value)]: kind };
}

function assetKey(value: pulumi.asset.Asset | pulumi.asset.Archive): "asset" | "archive" {
  return pulumi.asset.Archive.isInstance(value) ? "archive" : "asset";
}

/** Size and SHA-256 of a file, or of a folder's files (sorted by relative path, path and content hashed). */
function fileFacts(path: string): Record<string, unknown> {
  if (!existsSync(path)) return { exists: false };
  if (!statSync(path).isDirectory()) {
    const bytes = readFileSync(path);
    return { bytes: bytes.length, sha256: sha256(bytes) };
  }
  const files = listFiles(path);
  const hash = createHash("sha256");
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    hash.update(`${relative(path, file)}\0`).update(content);
  }
  return { files: files.length, bytes, sha256: hash.digest("hex") };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
