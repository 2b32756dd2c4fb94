/**
 * Every name the library gives cloud resources is built here, so names are deterministic, fit each
 * cloud's limits, and never collide or overlap between fleets or stacks.
 *
 * Order of parts: prefix `personas`, then the scope `<fleet>_<stack>`, then what the resource is
 * (instance key and alarm id, responder kind, or another suffix):
 *
 * - physical names: `personas-<fleet>_<stack>_<suffix>`, e.g. `personas-web_prod_scale`;
 * - alarm names: `personas-<fleet>_<stack>_<instance>-<alarm id>`;
 * - SSM parameter paths: `/personas/<fleet>/<stack>/<suffix>`.
 *
 * Fleet names and stack parts hold no `_`, so the `_` after each ends it: fleet `web`'s prefix
 * `personas-web_prod_` is never a prefix of fleet `web-staging`'s names, nor of stack `prod-eu`'s.
 * That is what lets IAM and Lambda source-ARN patterns end in `*` without admitting another fleet.
 * The stack part makes a dev and a prod stack of one fleet in one account name different resources.
 *
 * A name too long for its limit keeps its head (the scope, intact) and ends with a short hash of the
 * whole, so it stays unique and stable.
 */
import { createHash } from "node:crypto";

/**
 * CloudWatch alarm names: at most 255 characters.
 * @internal
 */
export const ALARM_NAME_LIMIT = 255;
/**
 * Lambda function names: at most 64 characters.
 * @internal
 */
export const FUNCTION_NAME_LIMIT = 64;
/**
 * The longest fleet name: keeps every prefix short enough for 64-character names to stay readable.
 * @internal
 */
export const FLEET_NAME_MAX_LENGTH = 32;
/** The longest stack part of names; longer stack names are cut and end with a hash. */
const STACK_PART_MAX_LENGTH = 24;

/**
 * A fleet name: lowercase letters, digits and single hyphens, starting with a letter, ending with a
 * letter or digit. Lowercase only, because IAM role names are unique regardless of case.
 * @internal
 */
export const FLEET_NAME_PATTERN = /^[a-z](?:-?[a-z0-9])*$/;

/** Who a set of physical names belongs to: a fleet, deployed by one stack. */
export interface NameScope {
  /** The fleet name (validated by {@link fleetNameProblem}). */
  readonly fleet: string;
  /** The deploying stack's name (the Pulumi stack), as given; {@link stackPart} makes it name-safe. */
  readonly stack: string;
}

function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function fitWithin(name: string, limit: number): string {
  if (name.length <= limit) return name;
  return `${name.slice(0, limit - 9)}-${shortHash(name)}`;
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9_.-]+/g, "-");
}

/**
 * Why a fleet name cannot name cloud resources, or undefined when it can. The sentence says what is
 * allowed, so callers can put it in their own error.
 *
 * @example
 * ```ts
 * fleetNameProblem("web.prod"); // "fleet name 'web.prod' must be 1 to 32 lowercase letters, ..."
 * fleetNameProblem("web-prod"); // undefined
 * ```
 */
export function fleetNameProblem(fleet: string): string | undefined {
  if (fleet.length >= 1 && fleet.length <= FLEET_NAME_MAX_LENGTH && FLEET_NAME_PATTERN.test(fleet))
    return undefined;
  return `fleet name '${fleet}' must be 1 to ${FLEET_NAME_MAX_LENGTH} lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit (it is part of Lambda, SQS, IAM, WAF, SSM and CloudWatch names), e.g. 'web-prod'`;
}

/**
 * The stack as a part of names: lowercase letters, digits and single hyphens, at most 24 characters.
 * A stack name that had to change to fit (case, `_`, `.`, length) ends with a hash of the original,
 * so two stacks whose names differ only there still get different names.
 *
 * @example
 * ```ts
 * stackPart("prod"); // "prod"
 * stackPart("Team_A.dev"); // "team-a-dev-1f2e3d4c"
 * ```
 */
export function stackPart(stack: string): string {
  const cleaned = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (cleaned === stack && cleaned.length <= STACK_PART_MAX_LENGTH && cleaned !== "") return cleaned;
  const head = cleaned.slice(0, STACK_PART_MAX_LENGTH - 9).replace(/-+$/, "");
  return head === "" ? shortHash(stack) : `${head}-${shortHash(stack)}`;
}

/**
 * `personas-<fleet>_<stack>_`: the head of every physical name of a scope, including alarm names.
 * @internal
 */
export function namePrefix(scope: NameScope): string {
  return `personas-${scope.fleet}_${stackPart(scope.stack)}_`;
}

/** `personas-<fleet>_<stack>_<instance>-<alarm>`, at most 255 characters. */
export function alarmName(scope: NameScope, instanceKey: string, alarmId: string): string {
  return fitWithin(`${namePrefix(scope)}${[instanceKey, alarmId].map(clean).join("-")}`, ALARM_NAME_LIMIT);
}

/**
 * The name of a persona's fleet-wide alarm (one Metrics Insights alarm for every instance of the
 * persona): `personas-<fleet>_<stack>_fleet-<first 16 hex digits of the digest>-<alarm id>`.
 *
 * @example
 * ```ts
 * fleetAlarmName({ fleet: "web", stack: "prod" }, "sha256:0123456789abcdef…", "cpu-utilization-above");
 * // "personas-web_prod_fleet-0123456789abcdef-cpu-utilization-above"
 * ```
 */
export function fleetAlarmName(scope: NameScope, digest: string, alarmId: string): string {
  return alarmName(scope, fleetAlarmKey(digest), alarmId);
}

/**
 * The key in the middle of a fleet-wide alarm's name, `fleet-<first 16 hex digits of the digest>`
 * (where a per-instance alarm has the instance's key).
 * @internal
 */
export function fleetAlarmKey(digest: string): string {
  return `fleet-${digest.replace(/^sha256:/, "").slice(0, 16)}`;
}

/**
 * The alarm-name pattern of a scope (`personas-<fleet>_<stack>_*`): matches every alarm the scope
 * names and no alarm of another fleet or stack. Lambda permissions and IAM resources use it.
 * @internal
 */
export function alarmNamePattern(scope: NameScope): string {
  return `${namePrefix(scope)}*`;
}

/**
 * The run-time alarm name the orchestrator gives an instance's alarm: the instance id is its key.
 * @internal
 */
export function runtimeAlarmName(scope: NameScope, instanceId: string, alarmId: string): string {
  return alarmName(scope, `runtime-${instanceId}`, alarmId);
}

/**
 * `personas-<fleet>_<stack>_<kind>`, at most 64 characters (a Lambda function name).
 * @internal
 */
export function responderName(scope: NameScope, kind: string): string {
  return fitWithin(`${namePrefix(scope)}${clean(kind)}`, FUNCTION_NAME_LIMIT);
}

/**
 * `personas-<fleet>_<stack>_<suffix>` for other fleet-level resources, within `limit`.
 * @internal
 */
export function fleetResourceName(scope: NameScope, suffix: string, limit = 64): string {
  return fitWithin(`${namePrefix(scope)}${clean(suffix)}`, limit);
}

/**
 * `/personas/<fleet>/<stack>[/<part>...]`: SSM parameter paths of a scope (the manifest, feature
 * states, agent configurations).
 *
 * @example
 * ```ts
 * parameterPath({ fleet: "web", stack: "prod" }, "manifest"); // "/personas/web/prod/manifest"
 * ```
 */
export function parameterPath(scope: NameScope, ...parts: string[]): string {
  return ["", "personas", scope.fleet, stackPart(scope.stack), ...parts.map(clean)].join("/");
}
