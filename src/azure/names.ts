/**
 * Azure names of a fleet's resources. The fleet's resource group is the scope of most names (it is
 * created per fleet and stack: `personas-<fleet>_<stack>`), so names inside it can stay short; the
 * names Azure makes global (storage accounts, function apps: they are DNS names) end with a hash of
 * the subscription, the group and the resource, like ARM templates' `uniqueString(...)`, so two
 * subscriptions deploying the same fleet and stack never claim the same name. Alert rules keep the
 * cloud-neutral `alarmName` (src/plan/names.ts): the runtime recomputes it to check an alert's origin.
 * Every rule these names must meet is in `AZURE_NAMING_RULES` (src/azure/cloud-contract.ts).
 */
import { createHash } from "node:crypto";
import { type NameScope, stackPart } from "../plan/names.js";
import type { ResponderKind } from "../plan/responders.js";
import type { FunctionAppBoundary } from "../runtime/azure/contract.js";

function hashOf(parts: readonly string[], length: number): string {
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, length);
}

/**
 * The fleet's resource group: `personas-<fleet>_<stack>` (1–90 characters; fleet ≤ 32 and the stack
 * part ≤ 24 keep it within 67).
 *
 * @example
 * ```ts
 * resourceGroupName({ fleet: "web", stack: "prod" }); // "personas-web_prod"
 * ```
 */
export function resourceGroupName(scope: NameScope): string {
  return `personas-${scope.fleet}_${stackPart(scope.stack)}`;
}

/** What makes a global name unique: the subscription and the group it is created in. */
export interface GlobalNameScope extends NameScope {
  /** The subscription id (`authorization.getClientConfig`). */
  readonly subscriptionId: string;
}

/**
 * The storage account (global, 3–24 lowercase letters and digits): `pers` + up to 8 letters and
 * digits of the fleet name + 12 hex characters of a hash of subscription, group and stack.
 *
 * @example
 * ```ts
 * storageAccountName({ fleet: "web", stack: "prod", subscriptionId: "0000..." }); // "persweb3f1a9c0d2b7e"
 * ```
 */
export function storageAccountName(scope: GlobalNameScope): string {
  const fleet = scope.fleet.replace(/[^a-z0-9]/g, "").slice(0, 8);
  return `pers${fleet}${hashOf([scope.subscriptionId, resourceGroupName(scope), "storage"], 12)}`;
}

/** Function app names are host names under azurewebsites.net: at most 60 characters. */
export const FUNCTION_APP_NAME_LIMIT = 60;

/**
 * A function app (global, 2–60 letters, digits and hyphens, not starting or ending with a hyphen):
 * `<fleet>-<stack>-<boundary>` cut to fit, then `-` and 8 hex characters of a hash of subscription,
 * group and boundary.
 *
 * @example
 * ```ts
 * functionAppName({ fleet: "web", stack: "prod", subscriptionId: "0000..." }, "responders"); // "web-prod-responders-5c2e0f1a"
 * ```
 */
export function functionAppName(scope: GlobalNameScope, boundary: FunctionAppBoundary): string {
  const hash = hashOf([scope.subscriptionId, resourceGroupName(scope), boundary], 8);
  const head = `${scope.fleet}-${stackPart(scope.stack)}-${boundary}`
    .slice(0, FUNCTION_APP_NAME_LIMIT - hash.length - 1)
    .replace(/-+$/, "");
  return `${head}-${hash}`;
}

/**
 * The Log Analytics workspace, data collection endpoint and data collection rule of the agent's rows,
 * one each in the fleet's resource group (names unique per group): a workspace name is 4–63
 * letters, digits and hyphens, starting and ending with a letter or digit ("Naming rules and
 * restrictions for Azure resources", Microsoft.OperationalInsights); the data collection resources'
 * documents give no rule ("Data Collection Rules - Create": the name is case-insensitive), so they
 * use the same name.
 */
export const AGENT_LOG_RESOURCE_NAME = "personas-agent-metrics";

/** An action group's short name (SMS and email senders show it): at most 12 characters. */
export function actionGroupShortName(kind: ResponderKind): string {
  return kind.slice(0, 12);
}

/**
 * A custom role's name, unique in the tenant (Azure refuses a second role with the same name in one
 * directory, whatever the subscription): `personas <fleet>/<stack> <boundary> <hash>`.
 */
export function customRoleName(scope: GlobalNameScope, boundary: FunctionAppBoundary | "vm"): string {
  return `personas ${scope.fleet}/${stackPart(scope.stack)} ${boundary} ${hashOf([scope.subscriptionId, boundary], 8)}`;
}

/**
 * A deterministic GUID (the name of role definitions and role assignments must be one): a name-based
 * UUID (version 5 layout) of the parts, so the same assignment keeps the same name across deployments.
 *
 * @example
 * ```ts
 * deterministicGuid(["/subscriptions/s/resourceGroups/g", "role", "principal"]); // "3b0c…-…"
 * ```
 */
export function deterministicGuid(parts: readonly string[]): string {
  const hex = createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 32).split("");
  hex[12] = "5";
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A member key as a VM name: Linux VM names are 1–64 characters without `_` or `.` (and computer
 * names are host names), so keys are letters, digits and single hyphens.
 */
export const AZURE_MEMBER_KEY = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,62}$/;

const UNDER_GROUP = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)\/providers\/[^/]+\/[^/]+\/[^/]+/i;

/**
 * The resource group id a resource id is under (`/subscriptions/<id>/resourceGroups/<name>`), or
 * undefined for an id that names no resource in a group. Custom roles are assignable only at
 * management groups, subscriptions and resource groups ("Azure role definitions", AssignableScopes),
 * so a role assigned at one resource is made assignable at that resource's group.
 *
 * @example
 * ```ts
 * resourceGroupIdOf("/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/edge");
 * // "/subscriptions/s/resourceGroups/net"
 * ```
 */
export function resourceGroupIdOf(resourceId: string): string | undefined {
  return UNDER_GROUP.exec(resourceId)?.[1];
}
