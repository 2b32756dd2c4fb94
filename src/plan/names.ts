/**
 * Every name the library gives cloud resources is built here, so names are deterministic and fit
 * each cloud's limits. Order of parts: prefix `personas`, fleet, instance key, alarm id (or
 * responder kind). A name too long for its limit keeps its head and ends with a short hash of the
 * whole, so it stays unique and stable.
 */
import { createHash } from "node:crypto";

/** CloudWatch alarm names: at most 255 characters. */
export const ALARM_NAME_LIMIT = 255;
/** Lambda function names: at most 64 characters. */
export const FUNCTION_NAME_LIMIT = 64;

function fitWithin(name: string, limit: number): string {
  if (name.length <= limit) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, limit - 9)}-${hash}`;
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9_.-]+/g, "-");
}

/** `personas-<fleet>-<instance>-<alarm>`, at most 255 characters. */
export function alarmName(fleet: string, instanceKey: string, alarmId: string): string {
  return fitWithin(["personas", fleet, instanceKey, alarmId].map(clean).join("-"), ALARM_NAME_LIMIT);
}

/** The run-time alarm name the orchestrator gives an instance's alarm: the instance id is its key. */
export function runtimeAlarmName(fleet: string, instanceId: string, alarmId: string): string {
  return alarmName(fleet, `runtime-${instanceId}`, alarmId);
}

/** `personas-<fleet>-<kind>`, at most 64 characters (a Lambda function name). */
export function responderName(fleet: string, kind: string): string {
  return fitWithin(["personas", fleet, kind].map(clean).join("-"), FUNCTION_NAME_LIMIT);
}

/** `personas-<fleet>-<suffix>` for other fleet-level resources, within `limit`. */
export function fleetResourceName(fleet: string, suffix: string, limit = 64): string {
  return fitWithin(["personas", fleet, suffix].map(clean).join("-"), limit);
}
