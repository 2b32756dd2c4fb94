/**
 * Document → Persona: reads the phrases of a shape-checked document, applies defaults, checks
 * cross-references (responses, features, bounds) and reports every problem through `report`.
 */
import {
  type Action,
  type ActionContext,
  acceptedActionForms,
  actionKind,
  parseActionPhrase,
  revertAction,
  slugify,
} from "./actions/index.js";
import { buildCondition, negate, parseConditionPhrase, parseValueCondition } from "./conditions.js";
import type { PersonaDocument } from "./document.js";
import {
  type Bounds,
  type ClearBehaviour,
  type Condition,
  DEFAULTS,
  type ExternalSource,
  type Feature,
  type FeedFormat,
  type MissingData,
  PACKAGE_VERSION,
  type Persona,
  type Response,
  SOFTWARE_NAME,
  type SoftwarePackage,
  type Trigger,
} from "./model.js";
import type { Parsed } from "./result.js";
import { parseSoftwarePhrase } from "./software.js";
import type { Path } from "./source.js";
import { didYouMean } from "./suggest.js";
import { type Dimension, parseQuantity } from "./units.js";

/** Receives each problem found, with the path of the offending value. */
export type Reporter = (
  path: Path,
  code: string,
  message: string,
  hint?: string,
  severity?: "error" | "warning",
) => void;

type TriggerInput = NonNullable<PersonaDocument["telemetryTriggers"]>[number];
type SourceInput = NonNullable<PersonaDocument["externalDataSources"]>[number];
type ResponseInput = NonNullable<PersonaDocument["automatedResponses"]>[number];
type ActionsInput = TriggerInput["action"];

/** Feed formats a list source may name (parsers live in src/runtime/feeds). */
export const LIST_FORMATS = ["plain", "spamhaus-drop", "csv", "json"] as const;

/**
 * Builds the persona. `skip(path)` says whether a part failed the shape check (it is then left out,
 * so its problems are not reported twice). Returns undefined when a required part is missing.
 */
export function normalise(
  document: PersonaDocument,
  name: string | undefined,
  report: Reporter,
  skip: (path: Path) => boolean,
): Persona | undefined {
  const persona: Persona = {
    name: "",
    base: {},
    software: [],
    features: [],
    triggers: [],
    sources: [],
    responses: [],
    bounds: {},
  };
  const personaName = document.name ?? name;
  if (personaName === undefined) {
    // A Name of the wrong type is already reported by the shape check.
    if (!skip(["name"]))
      report(
        [],
        "missing-name",
        "the persona has no name",
        "add 'Name: <PersonaName>' at the top, or name the file after the persona",
      );
  } else if (!/^[A-Za-z][\w-]*$/.test(personaName)) {
    report(
      ["name"],
      "invalid-name",
      `persona name '${personaName}' must start with a letter and use only letters, digits, '-' and '_'`,
      "rename it, e.g. 'HighTraffic'",
    );
  } else {
    persona.name = personaName;
  }
  if (document.version !== undefined) {
    if (/^\d+\.\d+\.\d+(?:-[\w.-]+)?(?:\+[\w.-]+)?$/.test(document.version))
      persona.version = document.version;
    else
      report(
        ["version"],
        "invalid-version",
        `version '${document.version}' is not a semantic version`,
        "write MAJOR.MINOR.PATCH, e.g. '1.2.0' (quoted)",
      );
  }
  if (document.description !== undefined) persona.description = document.description;
  if (document.extends !== undefined) {
    if (/^[A-Za-z][\w-]*(?:@\S+)?$/.test(document.extends)) persona.extends = document.extends;
    else
      report(
        ["extends"],
        "invalid-extends",
        `cannot read Extends '${document.extends}'`,
        "write a persona name, optionally with a version range: 'WebBase@^1.2'",
      );
  }

  if (document.baseConfiguration && !skip(["baseConfiguration"]))
    readBase(document.baseConfiguration, persona, report);
  if (document.bounds && !skip(["bounds"])) readBounds(document.bounds, persona.bounds, report);
  readSoftware(document.softwareStack ?? [], persona.software, report, skip);
  readFeatures(document, persona.features, report, skip);

  const context = new ResponseTable(report, persona);
  (document.automatedResponses ?? []).forEach((input, index) => {
    if (!skip(["automatedResponses", index])) context.declare(input, ["automatedResponses", index]);
  });
  const triggerIds = new TriggerIds([
    ...(document.automatedResponses ?? []).map((r) => r?.name),
    ...(document.telemetryTriggers ?? []).map((t) => t?.name),
    ...(document.externalDataSources ?? []).map((s) => s?.name),
  ]);
  const triggerNamePaths = new Map<string, Path>();
  (document.telemetryTriggers ?? []).forEach((input, index) => {
    if (skip(["telemetryTriggers", index])) return;
    const path: Path = ["telemetryTriggers", index];
    const trigger = readTrigger(input, path, context, triggerIds, report);
    if (!trigger) return;
    persona.triggers.push(trigger);
    triggerNamePaths.set(trigger.id, input.name === undefined ? path : [...path, "name"]);
  });
  checkClearWatcherIds(persona.triggers, triggerNamePaths, report);
  (document.externalDataSources ?? []).forEach((input, index) => {
    if (skip(["externalDataSources", index])) return;
    const source = readSource(input, ["externalDataSources", index], context, report);
    if (source) persona.sources.push(source);
  });
  context.finish();
  checkFeatures(persona, context, report);
  checkBounds(persona, context, report);
  return personaName === undefined ? undefined : persona;
}

function quantity(
  value: number | string,
  dimension: Dimension,
  path: Path,
  report: Reporter,
): number | undefined {
  const parsed = parseQuantity(value, dimension);
  if (!parsed.ok) {
    report(path, "invalid-quantity", parsed.message, parsed.hint);
    return undefined;
  }
  return parsed.value;
}

function duration(
  value: number | string,
  path: Path,
  report: Reporter,
  min: number,
  max: number,
  what: string,
): number | undefined {
  const seconds = quantity(value, "duration", path, report);
  if (seconds === undefined) return undefined;
  if (seconds < min || seconds > max || !Number.isInteger(seconds)) {
    report(
      path,
      "invalid-duration",
      `${what} '${value}' must be a whole number of seconds from ${label(min)} to ${label(max)}`,
      `use a value between ${label(min)} and ${label(max)}`,
    );
    return undefined;
  }
  return seconds;
}

function label(seconds: number): string {
  if (seconds === 0) return "0 seconds";
  if (seconds % 86400 === 0) return seconds === 86400 ? "1 day" : `${seconds / 86400} days`;
  if (seconds % 60 === 0) return seconds === 60 ? "1 minute" : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

function readBase(
  input: NonNullable<PersonaDocument["baseConfiguration"]>,
  persona: Persona,
  report: Reporter,
): void {
  const path = ["baseConfiguration"];
  if (input.cpu !== undefined) {
    const cpu = quantity(input.cpu, "cpu", [...path, "cpu"], report);
    if (cpu !== undefined) {
      if (!Number.isInteger(cpu) || cpu < 1 || cpu > 448) {
        report(
          [...path, "cpu"],
          "invalid-cpu",
          `CPU '${input.cpu}' must be a whole number of cores from 1 to 448`,
          "write e.g. '8 cores'",
        );
      } else persona.base.cpu = cpu;
    }
  }
  if (input.memory !== undefined) {
    const memory = quantity(input.memory, "memory", [...path, "memory"], report);
    if (memory !== undefined) {
      if (memory <= 0 || memory > 24576) {
        report(
          [...path, "memory"],
          "invalid-memory",
          `Memory '${input.memory}' must be above 0 and at most 24576 GB`,
          "write e.g. '32 GB'",
        );
      } else persona.base.memoryGiB = memory;
    }
  }
  if (input.networkBandwidth !== undefined) {
    const network = quantity(input.networkBandwidth, "bandwidth", [...path, "networkBandwidth"], report);
    if (network !== undefined) {
      if (network <= 0 || network > 400) {
        report(
          [...path, "networkBandwidth"],
          "invalid-bandwidth",
          `NetworkBandwidth '${input.networkBandwidth}' must be above 0 and at most 400 Gbps`,
          "write e.g. '10 Gbps'",
        );
      } else persona.base.networkGbps = network;
    }
  }
  if (input.family !== undefined) persona.base.family = input.family;
  if (input.architecture !== undefined) persona.base.architecture = input.architecture;
  if (input.size !== undefined) persona.base.size = input.size;
}

function readBounds(input: NonNullable<PersonaDocument["bounds"]>, bounds: Bounds, report: Reporter): void {
  if (input.maxCpu !== undefined) {
    const cpu = quantity(input.maxCpu, "cpu", ["bounds", "maxCpu"], report);
    if (cpu !== undefined) {
      if (Number.isInteger(cpu) && cpu >= 1 && cpu <= 448) bounds.maxCpu = cpu;
      else
        report(
          ["bounds", "maxCpu"],
          "invalid-cpu",
          `MaxCPU '${input.maxCpu}' must be a whole number of cores from 1 to 448`,
          "write e.g. '32 cores'",
        );
    }
  }
  if (input.maxMemory !== undefined) {
    const memory = quantity(input.maxMemory, "memory", ["bounds", "maxMemory"], report);
    if (memory !== undefined) {
      if (memory > 0 && memory <= 24576) bounds.maxMemoryGiB = memory;
      else
        report(
          ["bounds", "maxMemory"],
          "invalid-memory",
          `MaxMemory '${input.maxMemory}' must be above 0 and at most 24576 GB`,
          "write e.g. '128 GB'",
        );
    }
  }
  if (input.maxSize !== undefined) bounds.maxSize = input.maxSize;
  if (input.maxActionsPerHour !== undefined) {
    if (input.maxActionsPerHour >= 1 && input.maxActionsPerHour <= 3600)
      bounds.maxActionsPerHour = input.maxActionsPerHour;
    else
      report(
        ["bounds", "maxActionsPerHour"],
        "invalid-rate",
        `MaxActionsPerHour ${input.maxActionsPerHour} must be from 1 to 3600`,
        "a small number such as 6 keeps a flapping trigger from thrashing the instance",
      );
  }
}

function readSoftware(
  inputs: NonNullable<PersonaDocument["softwareStack"]>,
  out: SoftwarePackage[],
  report: Reporter,
  skip: (path: Path) => boolean,
): void {
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const path = ["softwareStack", index];
    if (skip(path)) return;
    let entry: SoftwarePackage;
    if (typeof input === "string") {
      const parsed = parseSoftwarePhrase(input);
      if (!parsed.ok) {
        report(path, "invalid-software", parsed.message, parsed.hint);
        return;
      }
      entry = parsed.value;
    } else {
      entry = {
        name: input.name.trim(),
        version: input.version === undefined ? "latest" : String(input.version).trim(),
      };
      if (input.note !== undefined) entry.note = input.note;
      if (entry.name !== "" && !SOFTWARE_NAME.test(entry.name)) {
        report(
          [...path, "name"],
          "invalid-software",
          `software name ${JSON.stringify(entry.name)} is not a package name`,
          "write words of letters, digits and . + _ -, e.g. 'name: Nginx' or 'name: Prometheus Node Exporter'",
        );
        return;
      }
      if (entry.version !== "" && entry.version !== "latest" && !PACKAGE_VERSION.test(entry.version)) {
        report(
          [...path, "version"],
          "invalid-software",
          `software '${entry.name}' has version ${JSON.stringify(entry.version)}, which is not a package version`,
          "write 'latest' or a version such as '1.24': a digit, then letters, digits and . + ~ _ - * (at most 64 characters)",
        );
        return;
      }
      if (entry.name === "" || entry.version === "") {
        report(
          [...path, entry.name === "" ? "name" : "version"],
          "invalid-software",
          entry.name === ""
            ? "a software entry needs a name"
            : `software '${entry.name}' has an empty version`,
          entry.name === ""
            ? "write e.g. 'name: Nginx'"
            : "write 'latest' or a version such as '1.24', or leave version out",
        );
        return;
      }
    }
    const key = entry.name.toLowerCase();
    if (seen.has(key)) {
      report(
        path,
        "duplicate-software",
        `software '${entry.name}' is listed twice`,
        "keep one entry per package",
      );
      return;
    }
    seen.add(key);
    out.push(entry);
  });
}

function readFeatures(
  document: PersonaDocument,
  out: Feature[],
  report: Reporter,
  skip: (path: Path) => boolean,
): void {
  (document.features ?? []).forEach((input, index) => {
    const path = ["features", index];
    if (skip(path)) return;
    const id = slugify(input.name);
    if (id === "") {
      report(
        [...path, "name"],
        "invalid-name",
        `feature name '${input.name}' has no letters or digits`,
        "name it, e.g. 'CDN caching'",
      );
      return;
    }
    if (out.some((f) => f.id === id)) {
      report(
        [...path, "name"],
        "duplicate-feature",
        `feature '${input.name}' is declared twice`,
        "keep one declaration per feature",
      );
      return;
    }
    const feature: Feature = { id, name: input.name, initial: input.initial ?? "off", declared: true };
    if (input.description !== undefined) feature.description = input.description;
    if (input.activate !== undefined) feature.activate = input.activate;
    if (input.deactivate !== undefined) feature.deactivate = input.deactivate;
    out.push(feature);
  });
}

/** Where an action was written, for context checks and positions. */
interface ActionUse {
  action: Action;
  path: Path;
}

/** Named and inline responses, and the checks that need all of them. */
class ResponseTable {
  private readonly uses = new Map<string, { context: ActionContext; path: Path }[]>();
  private readonly actionPaths = new Map<Response, Path[]>();
  private readonly namedPaths = new Map<string, Path>();
  /** Ids of the triggers and sources seen so far. */
  private readonly owners = new Set<string>();

  constructor(
    private readonly report: Reporter,
    private readonly persona: Persona,
  ) {}

  /** Declares an `AutomatedResponses` entry. */
  declare(input: ResponseInput, path: Path): void {
    const id = slugify(input.name);
    if (id === "") {
      this.report(
        [...path, "name"],
        "invalid-name",
        `response name '${input.name}' has no letters or digits`,
        "name it, e.g. 'scale-out'",
      );
      return;
    }
    if (this.find(id)) {
      this.report(
        [...path, "name"],
        "duplicate-response",
        `response '${input.name}' is declared twice`,
        "keep one declaration per name",
      );
      return;
    }
    if (input.action !== undefined && input.actions !== undefined) {
      this.report(
        path,
        "conflicting-keys",
        "only one of Action and Actions can be specified",
        "use Actions for a sequence, Action for one",
      );
      return;
    }
    const written = input.actions ?? input.action;
    if (written === undefined) {
      this.report(
        path,
        "missing-action",
        `response '${input.name}' has no Action`,
        "add 'Action: <phrase>' or 'Actions: [...]'",
      );
      return;
    }
    const actions = readActions(written, [...path, input.actions ? "actions" : "action"], this.report);
    if (!actions) return;
    const response: Response = { id, actions: actions.map((a) => a.action), inline: false };
    this.guardRails(response, input, path);
    this.namedPaths.set(id, path);
    this.actionPaths.set(
      response,
      actions.map((a) => a.path),
    );
    this.persona.responses.push(response);
  }

  /** Resolves what a trigger or source runs: an inline action or a named response. Returns the response id. */
  attach(
    owner: {
      id: string;
      name?: string | undefined;
      action?: ActionsInput;
      response?: string | undefined;
      cooldown?: number | string | undefined;
    },
    path: Path,
    context: ActionContext,
  ): Response | undefined {
    // Triggers and sources share one namespace with responses (an inline action's response takes
    // its owner's id), and plans key alarms and schedules by these ids.
    const namePath = owner.name === undefined ? path : [...path, "name"];
    if (this.owners.has(owner.id)) {
      this.duplicateName(owner.id, namePath);
      return undefined;
    }
    this.owners.add(owner.id);
    if (owner.action !== undefined && owner.response !== undefined) {
      this.report(
        path,
        "conflicting-keys",
        "only one of Action and Response can be specified",
        "write the action inline, or name an AutomatedResponses entry",
      );
      return undefined;
    }
    if (owner.response !== undefined) {
      const response = this.find(slugify(owner.response));
      if (!response || response.inline) {
        const names = this.persona.responses.filter((r) => !r.inline).map((r) => r.id);
        this.report(
          [...path, "response"],
          "unknown-response",
          `no response named '${owner.response}'`,
          `${didYouMean(slugify(owner.response), names)}declare it under AutomatedResponses${names.length ? ` (declared: ${names.join(", ")})` : ""}`,
        );
        return undefined;
      }
      this.use(response.id, context, [...path, "response"]);
      return response;
    }
    if (owner.action === undefined) {
      this.report(
        path,
        "missing-action",
        "nothing happens when this holds: there is no Action or Response",
        "add 'Action: <phrase>', e.g. 'Action: Notify ops-team'",
      );
      return undefined;
    }
    const actions = readActions(owner.action, [...path, "action"], this.report);
    if (!actions) return undefined;
    if (this.find(owner.id)) {
      this.duplicateName(owner.id, namePath);
      return undefined;
    }
    const response: Response = { id: owner.id, actions: actions.map((a) => a.action), inline: true };
    this.actionPaths.set(
      response,
      actions.map((a) => a.path),
    );
    this.persona.responses.push(response);
    this.use(response.id, context, [...path, "action"]);
    return response;
  }

  private duplicateName(id: string, path: Path): void {
    this.report(
      path,
      "duplicate-name",
      `the name '${id}' is already used by another trigger, source or response`,
      "give this one a distinct Name",
    );
  }

  private guardRails(response: Response, input: ResponseInput, path: Path): void {
    if (input.cooldown !== undefined) {
      const seconds = duration(input.cooldown, [...path, "cooldown"], this.report, 0, 86400, "Cooldown");
      if (seconds !== undefined) response.cooldownSeconds = seconds;
    }
    if (input.maxActionsPerHour !== undefined) {
      if (input.maxActionsPerHour >= 1 && input.maxActionsPerHour <= 3600)
        response.maxActionsPerHour = input.maxActionsPerHour;
      else
        this.report(
          [...path, "maxActionsPerHour"],
          "invalid-rate",
          `MaxActionsPerHour ${input.maxActionsPerHour} must be from 1 to 3600`,
          "use e.g. 6",
        );
    }
  }

  private use(id: string, context: ActionContext, path: Path): void {
    const list = this.uses.get(id) ?? [];
    list.push({ context, path });
    this.uses.set(id, list);
  }

  find(id: string): Response | undefined {
    return this.persona.responses.find((r) => r.id === id);
  }

  /** Every action with the path it was written at. */
  actions(): ActionUse[] {
    const out: ActionUse[] = [];
    for (const response of this.persona.responses) {
      const paths = this.actionPaths.get(response) ?? [];
      response.actions.forEach((action, i) => {
        out.push({ action, path: paths[i] ?? [] });
      });
    }
    return out;
  }

  /** Checks that each response's actions suit every place it is used, and warns about unused ones. */
  finish(): void {
    for (const response of this.persona.responses) {
      const uses = this.uses.get(response.id) ?? [];
      if (uses.length === 0 && !response.inline) {
        this.report(
          this.namedPaths.get(response.id) ?? [],
          "unused-response",
          `response '${response.id}' is never used`,
          "refer to it with 'Response: <name>' from a trigger or source, or remove it",
          "warning",
        );
      }
      const paths = this.actionPaths.get(response) ?? [];
      response.actions.forEach((action, i) => {
        const kind = actionKind(action.kind);
        for (const use of uses) {
          if (!kind.contexts.includes(use.context)) {
            this.report(
              response.inline ? (paths[i] ?? use.path) : use.path,
              "action-not-allowed",
              `'${kind.describe(action)}' cannot be used by a ${contextLabel(use.context)}`,
              contextHint(action.kind, use.context),
            );
          }
        }
      });
    }
  }
}

function contextLabel(context: ActionContext): string {
  return context === "trigger"
    ? "telemetry trigger"
    : context === "list-source"
      ? "list feed"
      : "value source";
}

function contextHint(kind: string, context: ActionContext): string {
  if (kind === "firewall")
    return "firewall actions follow a list feed: put it on an ExternalDataSources entry with a list URL";
  return `accepted here: ${acceptedActionForms(context).join(" | ")}`;
}

/** Reads one action or a sequence of them. */
function readActions(
  input: NonNullable<ActionsInput>,
  path: Path,
  report: Reporter,
): ActionUse[] | undefined {
  const items = Array.isArray(input) ? input : [input];
  const out: ActionUse[] = [];
  let failed = false;
  items.forEach((item, index) => {
    const itemPath = Array.isArray(input) ? [...path, index] : path;
    if (typeof item === "string") {
      const parsed = parseActionPhrase(item);
      if (!parsed.ok) {
        failed = true;
        report(itemPath, "unknown-action", parsed.message, parsed.hint);
        return;
      }
      out.push({ action: parsed.value, path: itemPath });
    } else {
      out.push({ action: item, path: itemPath });
    }
  });
  return failed ? undefined : out;
}

function readCondition(
  input: TriggerInput["condition"],
  missingData: MissingData | undefined,
  path: Path,
  report: Reporter,
): Condition | undefined {
  const parsed: Parsed<Condition> =
    typeof input === "string"
      ? parseConditionPhrase(input, missingData)
      : buildCondition({ ...input, missingData });
  if (!parsed.ok) {
    report(path, "invalid-condition", parsed.message, parsed.hint);
    return undefined;
  }
  return parsed.value;
}

/**
 * Ids for unnamed triggers: the metric and the comparison's direction (`cpu-utilization-above`), with
 * an ordinal from the second trigger on the same metric and direction (`cpu-utilization-above-2`).
 * The threshold, the window and `>` versus `>=` stay out of the id: alarm names and Pulumi URNs are
 * built from it, so an edit of 80 → 85 updates the alarm in place instead of replacing it and losing
 * its state. Ids written by the author (trigger, source and response names) are taken first, so an
 * author's name always wins and a generated id never collides with one.
 */
class TriggerIds {
  private readonly taken = new Set<string>();

  constructor(authorNames: readonly unknown[]) {
    // Entries the schema refused are normalised too (their problems are reported elsewhere), so a
    // name may be anything here: only text names are taken.
    for (const name of authorNames) if (typeof name === "string") this.taken.add(slugify(name));
  }

  next(condition: Condition): string {
    const direction = condition.operator === ">" || condition.operator === ">=" ? "above" : "below";
    const base = slugify(`${condition.metric}-${direction}`);
    let id = base;
    for (let ordinal = 2; this.taken.has(id); ordinal++) id = `${base}-${ordinal}`;
    this.taken.add(id);
    return id;
  }
}

/**
 * A trigger with a Clear gets a second alarm, its clear watcher, with the id `<trigger id>-clear`
 * (src/plan/plan.ts). Alarm names and Pulumi URNs are built from alarm ids, so a trigger whose own
 * id is another trigger's watcher id would make two alarms with one name.
 */
function checkClearWatcherIds(
  triggers: readonly Trigger[],
  namePaths: ReadonlyMap<string, Path>,
  report: Reporter,
): void {
  for (const trigger of triggers) {
    const watcherId = `${trigger.id}-clear`;
    if (trigger.clear === undefined || !namePaths.has(watcherId)) continue;
    report(
      namePaths.get(watcherId)!,
      "duplicate-name",
      `the name '${watcherId}' is taken by the clear alarm of trigger '${trigger.id}'`,
      "give this trigger a name that does not end in '-clear'",
    );
  }
}

const CLEAR_AFTER = /^after\s+(.+)$/i;

function readTrigger(
  input: TriggerInput,
  path: Path,
  table: ResponseTable,
  ids: TriggerIds,
  report: Reporter,
): Trigger | undefined {
  const condition = readCondition(input.condition, input.missingData, [...path, "condition"], report);
  if (!condition) {
    // Still read the action, so a bad condition does not hide the action's problems until the next run.
    if (input.action !== undefined) readActions(input.action, [...path, "action"], report);
    return undefined;
  }
  const id = input.name === undefined ? ids.next(condition) : slugify(input.name);
  if (id === "") {
    report(
      [...path, "name"],
      "invalid-name",
      `trigger name '${input.name}' has no letters or digits`,
      "name it, e.g. 'cpu-high'",
    );
    return undefined;
  }
  const response = table.attach({ ...input, id }, path, "trigger");
  if (!response) return undefined;
  const trigger: Trigger = { id, condition, response: response.id };
  if (input.cooldown !== undefined) {
    const seconds = duration(input.cooldown, [...path, "cooldown"], report, 0, 86400, "Cooldown");
    if (seconds !== undefined) trigger.cooldownSeconds = seconds;
  }
  if (input.clear !== undefined) {
    const clear = readClear(input, condition, response, path, report);
    if (clear) trigger.clear = clear;
  } else if (input.clearAction !== undefined) {
    report(
      [...path, "clearAction"],
      "clear-action-without-clear",
      "ClearAction needs a Clear condition",
      "add 'Clear: after 15 minutes' (or a condition)",
    );
  }
  return trigger;
}

function readClear(
  input: TriggerInput,
  condition: Condition,
  response: Response,
  path: Path,
  report: Reporter,
): ClearBehaviour | undefined {
  const clearPath = [...path, "clear"];
  let clearCondition: Condition | undefined;
  const after = typeof input.clear === "string" ? CLEAR_AFTER.exec(input.clear.trim()) : null;
  if (after) {
    // "after 15 minutes": the trigger's own condition has not held for that long.
    const seconds = duration(after[1]!, clearPath, report, 60, 86400, "Clear window");
    if (seconds === undefined) return undefined;
    const window = {
      periodSeconds: 60 as const,
      evaluationPeriods: seconds / 60,
      datapointsToAlarm: seconds / 60,
    };
    if (!Number.isInteger(window.evaluationPeriods)) {
      report(
        clearPath,
        "invalid-duration",
        `Clear window '${after[1]}' must be whole minutes`,
        "write e.g. 'after 15 minutes'",
      );
      return undefined;
    }
    clearCondition = { ...condition, operator: negate(condition.operator), window };
  } else {
    clearCondition = readCondition(input.clear!, input.missingData, clearPath, report);
    if (!clearCondition) return undefined;
  }
  if (input.clearAction !== undefined) {
    const actions = readActions(input.clearAction, [...path, "clearAction"], report);
    return actions ? { condition: clearCondition, actions: actions.map((a) => a.action) } : undefined;
  }
  // Undo in reverse order, like unwinding a stack of changes.
  const reverts = [...response.actions].reverse().map((a) => ({ action: a, revert: revertAction(a) }));
  const stuck = reverts.find((r) => r.revert === undefined);
  if (stuck) {
    report(
      clearPath,
      "cannot-revert",
      `'${actionKind(stuck.action.kind).describe(stuck.action)}' cannot be undone on clear`,
      "add 'ClearAction: <phrase>' to say what to do when the condition clears, or remove Clear",
    );
    return undefined;
  }
  return { condition: clearCondition, actions: reverts.map((r) => r.revert!) };
}

function defaultSourceId(url: string): string {
  try {
    return slugify(new URL(url).hostname);
  } catch {
    return "source";
  }
}

function readSource(
  input: SourceInput,
  path: Path,
  table: ResponseTable,
  report: Reporter,
): ExternalSource | undefined {
  let failed = false;
  const fail = (field: string | undefined, code: string, message: string, hint: string) => {
    failed = true;
    report(field === undefined ? path : [...path, field], code, message, hint);
  };
  let url: URL | undefined;
  try {
    url = new URL(input.url);
  } catch {
    fail(
      "url",
      "invalid-url",
      `'${input.url}' is not a URL`,
      "write a full https URL, e.g. 'https://feeds.example.com/drop.txt'",
    );
  }
  if (url && url.protocol !== "https:") {
    fail(
      "url",
      "insecure-url",
      `feed URL '${input.url}' must use https`,
      `use 'https://${url.host}${url.pathname}${url.search}' — feeds decide what gets blocked, so they must not be fetched in clear text`,
    );
  }
  const frequency = quantity(input.frequency, "duration", [...path, "frequency"], report);
  if (frequency === undefined) failed = true;
  else if (frequency < 60)
    fail(
      "frequency",
      "frequency-too-short",
      `Frequency '${input.frequency}' is under one minute`,
      "fetch at most once a minute, e.g. 'Frequency: 5 minutes'",
    );
  else if (frequency > 86400 || !Number.isInteger(frequency))
    fail(
      "frequency",
      "invalid-duration",
      `Frequency '${input.frequency}' must be whole seconds up to 1 day`,
      "e.g. '5 minutes' or '1 hour'",
    );

  const kind = input.kind ?? (input.condition !== undefined ? "value" : "list");
  const limits = {
    timeoutSeconds: DEFAULTS.fetchTimeoutSeconds as number,
    maxBytes: DEFAULTS.fetchMaxBytes as number,
  };
  if (input.timeout !== undefined) {
    const seconds = quantity(input.timeout, "duration", [...path, "timeout"], report);
    if (seconds === undefined) failed = true;
    else if (seconds <= 0 || seconds > 60)
      fail(
        "timeout",
        "invalid-duration",
        `Timeout '${input.timeout}' must be above 0 and at most 60 seconds`,
        "e.g. '10 seconds'",
      );
    else limits.timeoutSeconds = seconds;
  }
  if (input.maxBytes !== undefined) {
    const mib =
      typeof input.maxBytes === "number"
        ? input.maxBytes / 2 ** 30
        : quantity(input.maxBytes, "memory", [...path, "maxBytes"], report);
    if (mib === undefined) failed = true;
    else {
      const bytes = Math.round(mib * 2 ** 30);
      if (bytes < 1 || bytes > 100 * 1024 * 1024)
        fail(
          "maxBytes",
          "invalid-size",
          `MaxBytes '${input.maxBytes}' must be from 1 byte to 100 MB`,
          "e.g. '10 MB'",
        );
      else limits.maxBytes = bytes;
    }
  }
  const id = input.name === undefined ? defaultSourceId(input.url) : slugify(input.name);
  if (id === "")
    fail(
      "name",
      "invalid-name",
      `source name '${input.name}' has no letters or digits`,
      "name it, e.g. 'threat-feed'",
    );

  if (kind === "list") {
    if (input.condition !== undefined)
      fail(
        "condition",
        "condition-on-list",
        "a list feed has no Condition",
        "remove Condition, or set 'Kind: value' for a feed that returns a value",
      );
    if (input.clear !== undefined)
      fail(
        "clear",
        "clear-on-list",
        "a list feed has no Clear",
        "a list feed's firewall always follows the last good list; remove Clear",
      );
    const format = readListFormat(input, fail);
    let maxShrinkPercent: number = DEFAULTS.maxShrinkPercent;
    if (input.maxShrink !== undefined) {
      const share = quantity(input.maxShrink, "percent", [...path, "maxShrink"], report);
      if (share === undefined) failed = true;
      else if (share < 0 || share > 100)
        fail(
          "maxShrink",
          "invalid-percent",
          `MaxShrink '${input.maxShrink}' must be from 0% to 100%`,
          "e.g. '50%'",
        );
      else maxShrinkPercent = share;
    }
    const response = table.attach({ ...input, id }, path, "list-source");
    if (failed || !response || !format || frequency === undefined) return undefined;
    return {
      kind: "list",
      id,
      url: input.url,
      frequencySeconds: frequency,
      format,
      response: response.id,
      limits,
      maxShrinkPercent,
    };
  }

  if (input.column !== undefined || input.path !== undefined)
    fail(
      input.column !== undefined ? "column" : "path",
      "list-option-on-value",
      "Column and Path apply to list feeds",
      "put the JSON path in the Condition, e.g. '$.threat.level >= 4'",
    );
  const format = input.format ?? "json";
  if (format !== "json" && format !== "text")
    fail(
      "format",
      "invalid-format",
      `value sources read 'json' or 'text', not '${format}'`,
      "use Format: json (with a JSON path in the Condition) or Format: text (a number)",
    );
  if (input.condition === undefined) {
    fail(
      undefined,
      "missing-condition",
      "a value source needs a Condition",
      "add e.g. 'Condition: $.threat.level >= 4'",
    );
    return undefined;
  }
  const condition = parseValueCondition(input.condition);
  if (!condition.ok) fail("condition", "invalid-condition", condition.message, condition.hint ?? "");
  const response = table.attach({ ...input, id }, path, "value-source");
  let cooldownSeconds: number | undefined;
  if (input.cooldown !== undefined) {
    cooldownSeconds = duration(input.cooldown, [...path, "cooldown"], report, 0, 86400, "Cooldown");
    if (cooldownSeconds === undefined) failed = true;
  }
  let clearAfterSeconds: number | undefined;
  if (input.clear !== undefined) {
    const after = CLEAR_AFTER.exec(input.clear.trim());
    if (!after)
      fail(
        "clear",
        "invalid-clear",
        `cannot read Clear '${input.clear}' of a value source`,
        "write 'after <duration>', e.g. 'after 30 minutes'",
      );
    else {
      clearAfterSeconds = duration(after[1]!, [...path, "clear"], report, 60, 86400, "Clear window");
      if (clearAfterSeconds === undefined) failed = true;
    }
  }
  if (failed || !condition.ok || !response || frequency === undefined) return undefined;
  const source: ExternalSource = {
    kind: "value",
    id,
    url: input.url,
    frequencySeconds: frequency,
    format: format as "json" | "text",
    condition: condition.value,
    response: response.id,
    limits,
  };
  if (cooldownSeconds !== undefined) source.cooldownSeconds = cooldownSeconds;
  if (clearAfterSeconds !== undefined) {
    const reverts = response.actions.map(revertAction);
    if (reverts.some((r) => r === undefined)) {
      report(
        [...path, "clear"],
        "cannot-revert",
        "this source's action cannot be undone on clear",
        "remove Clear, or use a revertible action (scale, features, persona shift)",
      );
      return undefined;
    }
    source.clearAfterSeconds = clearAfterSeconds;
  }
  return source;
}

function readListFormat(
  input: SourceInput,
  fail: (field: string | undefined, code: string, message: string, hint: string) => void,
): FeedFormat | undefined {
  const format = input.format ?? "plain";
  switch (format) {
    case "plain":
    case "spamhaus-drop":
      if (input.column !== undefined || input.path !== undefined) {
        fail(
          input.column !== undefined ? "column" : "path",
          "option-not-for-format",
          `${input.column !== undefined ? "Column" : "Path"} does not apply to the '${format}' format`,
          "remove it, or set Format: csv (Column) or json (Path)",
        );
        return undefined;
      }
      return { type: format };
    case "csv":
      if (input.column === undefined) {
        fail(
          undefined,
          "missing-column",
          "a csv feed needs a Column",
          "add 'Column: <header name>' or 'Column: <0-based index>'",
        );
        return undefined;
      }
      if (typeof input.column === "number" ? input.column < 0 : input.column.trim() === "") {
        fail(
          "column",
          "invalid-column",
          `Column '${input.column}' is neither a 0-based index nor a header name`,
          "write e.g. 'Column: 0' or 'Column: ip'",
        );
        return undefined;
      }
      return { type: "csv", column: input.column };
    case "json":
      if (input.path === undefined) {
        fail(
          undefined,
          "missing-path",
          "a json list feed needs a Path to its entries",
          "add e.g. 'Path: $.data[*].ip'",
        );
        return undefined;
      }
      if (!input.path.startsWith("$")) {
        fail("path", "invalid-path", `Path '${input.path}' must start with '$'`, "e.g. '$.data[*].ip'");
        return undefined;
      }
      return { type: "json", path: input.path };
    default:
      fail(
        "format",
        "invalid-format",
        `unknown feed format '${format}'`,
        `${didYouMean(format, LIST_FORMATS)}formats: ${LIST_FORMATS.join(", ")}`,
      );
      return undefined;
  }
}

/** Features used by actions but not declared are added (state only) with a warning. */
function checkFeatures(persona: Persona, table: ResponseTable, report: Reporter): void {
  for (const { action, path } of table.actions()) {
    if (action.kind !== "activate-feature" && action.kind !== "deactivate-feature") continue;
    if (persona.features.some((f) => f.id === action.feature)) continue;
    const declared = persona.features.filter((f) => f.declared).map((f) => f.id);
    const near = didYouMean(action.feature, declared);
    if (near !== "") {
      report(
        path,
        "unknown-feature",
        `feature '${action.feature}' is not declared`,
        `${near}declared features: ${declared.join(", ")}`,
      );
      continue;
    }
    persona.features.push({ id: action.feature, name: action.feature, initial: "off", declared: false });
    report(
      path,
      "undeclared-feature",
      `feature '${action.feature}' is not declared under Features, so switching it only records its state`,
      `add a Features entry named '${action.feature}' with Activate and Deactivate scripts to make it do something`,
      "warning",
    );
  }
}

/** Scale targets above the persona's bounds are errors now, not surprises at run time. */
function checkBounds(persona: Persona, table: ResponseTable, report: Reporter): void {
  const { maxCpu, maxMemoryGiB } = persona.bounds;
  for (const { action, path } of table.actions()) {
    if (action.kind === "scale") {
      if (maxCpu !== undefined && action.cpu !== undefined && action.cpu > maxCpu) {
        report(
          path,
          "above-bound",
          `'Scale up to ${action.cpu} cores' is above the persona's MaxCPU of ${maxCpu} cores`,
          `lower the target to at most ${maxCpu} cores, or raise Bounds.MaxCPU`,
        );
      }
      if (maxMemoryGiB !== undefined && action.memoryGiB !== undefined && action.memoryGiB > maxMemoryGiB) {
        report(
          path,
          "above-bound",
          `'Scale up to ${action.memoryGiB} GB memory' is above the persona's MaxMemory of ${maxMemoryGiB} GB`,
          `lower the target to at most ${maxMemoryGiB} GB, or raise Bounds.MaxMemory`,
        );
      }
    }
    if (
      action.kind === "shift-persona" &&
      action.persona !== undefined &&
      action.persona.split("@")[0] === persona.name
    ) {
      report(
        path,
        "shift-to-self",
        `'Shift persona to ${action.persona}' shifts the persona to itself`,
        "name a different persona",
      );
    }
  }
}
