/**
 * Resolution: an instance's tags + a mapping + a repository → the persona it gets, merged and
 * overridden, with the provenance of every field and (given a cloud) its size.
 *
 * Build a {@link ResolutionContext} once (it indexes the rules and resolves every persona the
 * mapping names), then resolve many instances with it. Merged personas, digests, provenance and
 * sizes are memoised per (persona version, override set); per instance the work is a few map
 * look-ups per tag.
 */

import { PersonasError } from "../errors.js";
import type { Persona } from "../pdl/model.js";
import { contentDigest } from "../repository/digest.js";
import { RepositoryError } from "../repository/errors.js";
import type { PersonaReference } from "../repository/reference.js";
import type { PersonaRepository, ResolvedChain } from "../repository/repository.js";
import { deepFreeze } from "../repository/repository.js";
import {
  InvalidOverrideValueError,
  MappingValidationError,
  NoPersonaMatchError,
  OverrideConflictError,
  OverrideNotAllowedError,
  RuleConflictError,
  UnknownOverrideFieldError,
} from "./errors.js";
import type { Mapping, MappingRule, TagCondition } from "./mapping.js";
import {
  type OverrideValue,
  overrideFieldName,
  readOverride,
  readTriggerThreshold,
  unknownFieldHint,
} from "./overrides.js";
import { baselineSize, explicitSizeOverBound } from "./sizing/index.js";
import type { Cloud } from "./sizing/types.js";

/** Where one field of a resolved persona came from. */
export interface FieldProvenance {
  /**
   * `persona`: the chosen persona's file; `extends`: an ancestor's file; `rule`: a mapping rule's
   * override; `tag`: a `persona:<field>` tag of the instance; `default`: the mapping's
   * `defaultPersona` (no rule chose a persona), from its own file.
   */
  source: "persona" | "extends" | "rule" | "tag" | "default";
  /** The persona (or ancestor) that set the field. */
  persona?: string;
  /** Its version. */
  version?: string;
  /** Its file. */
  file?: string;
  /** The rule that set the field (source `rule`). */
  rule?: string;
  /** The tag(s) that set it: the rule's matched tags (`tier=premium`), or the override tag. */
  tag?: string;
  /** The override as written, e.g. `memory: 64 GB`. */
  detail?: string;
}

/** An instance to resolve: an id and its tags. */
export interface InstanceTags {
  /** The instance's id or name, used in messages. */
  id: string;
  /** Its tags. */
  tags: Record<string, string>;
}

/** The persona an instance gets, and why. */
export interface ResolvedPersona {
  /** The instance resolved: the object passed in, not a copy. */
  instance: { id: string; tags: Readonly<Record<string, string>> };
  /** Merged: extends chain, then rule overrides, then per-instance override tags. Frozen and shared. */
  persona: Persona;
  /** The persona version chosen; `digest` is the sha256 of the merged, overridden persona's canonical JSON. */
  ref: { name: string; version: string; digest: string; file?: string };
  /**
   * The mapping rule that chose the persona (`defaultPersona` when none did); `overriding` when the
   * rule is marked so (its persona stays in force over a run-time shift).
   */
  rule: { id: string; priority: number; matchedTags: string[]; overriding?: true };
  /** Per field path (`base.cpu`, `triggers.<id>.condition.threshold`), where its value came from. Shared. */
  provenance: Readonly<Record<string, FieldProvenance>>;
  /** The size on `options.cloud`, when a cloud was given. */
  size?: { cloud: Cloud; name: string; reason: string; runnerUp?: string };
}

/** Options of {@link resolveInstance} and {@link resolveFleet}. */
export interface ResolveOptions {
  /** Choose a size on this cloud. @default no size */
  cloud?: Cloud;
}

/** The outcome of {@link resolveFleet}. */
export interface FleetResolution {
  /** The instances that resolved, in input order. */
  resolved: ResolvedPersona[];
  /** The instances that did not, in input order, each with its error. */
  failures: { instance: InstanceTags; error: PersonasError }[];
}

/**
 * The rule id reported when the mapping's `defaultPersona` was used.
 * @internal
 */
export const DEFAULT_RULE_ID = "defaultPersona";

interface CompiledCondition {
  readonly rule: number;
  readonly condition: TagCondition;
}

interface Content {
  readonly persona: Persona;
  readonly digest: string;
  /** Shared by every instance with this content. */
  readonly ref: ResolvedPersona["ref"];
}

interface Applied {
  readonly value: OverrideValue;
  readonly source: FieldProvenance;
}

/** The conditions on one exact tag key: by exact value, the pattern ones, and a memo of both per value seen. */
interface KeyIndex {
  readonly exact: Map<string, number[]>;
  readonly other: number[];
  readonly byValue: Map<string, readonly number[]>;
}

/** Bounds the per-key memo of matched conditions (tag values such as names are unbounded). */
const MAX_VALUES_PER_KEY = 10_000;

/** Bounds the memo tables; a fleet with more distinct override sets than this re-merges some. */
const MAX_MEMO = 100_000;

/**
 * A loaded repository and a mapping, indexed for fast resolution. Build once, reuse for every
 * instance.
 */
export class ResolutionContext {
  /** The repository personas are read from. */
  readonly repository: PersonaRepository;
  /** The mapping. */
  readonly mapping: Mapping;
  /** Rules in precedence order: priority desc, specificity desc, position asc. */
  readonly rules: readonly MappingRule[];

  private readonly chains: (ResolvedChain | undefined)[];
  private readonly defaultChain: ResolvedChain | undefined;
  private readonly conditions: CompiledCondition[] = [];
  private readonly exactKeys = new Map<string, KeyIndex>();
  private readonly patternKeys: number[] = [];
  private readonly conditionCounts: Int32Array;
  private readonly ruleStamp: Int32Array;
  private readonly ruleHits: Int32Array;
  private readonly conditionStamp: Int32Array;
  private readonly conditionTag: string[];
  private readonly ruleConditions: number[][];
  /** Per rule whose conditions are all exact: its (shared, frozen) `rule` result; its matched tags never vary. */
  private readonly fixedRules: (ResolvedPersona["rule"] | undefined)[];
  /** Per rule: its overrides as they enter the content memo key. */
  private readonly overrideKeys: string[];
  private epoch = 0;
  private readonly contents = new Map<string, Content>();
  private readonly provenances = new Map<string, Readonly<Record<string, FieldProvenance>>>();
  private readonly baseProvenances = new Map<string, Readonly<Record<string, FieldProvenance>>>();
  private readonly sizes = new Map<string, NonNullable<ResolvedPersona["size"]>>();
  private readonly instanceOverrideValues = new Map<string, ReturnType<typeof readOverride>>();

  /**
   * Indexes `mapping` and resolves every persona it names in `repository`.
   * @throws {@link MappingValidationError} naming each rule whose persona cannot be resolved (missing, no version in range, broken Extends chain).
   */
  constructor(repository: PersonaRepository, mapping: Mapping) {
    this.repository = repository;
    this.mapping = mapping;
    this.rules = [...mapping.rules].sort(
      (a, b) => b.priority - a.priority || b.specificity - a.specificity || a.index - b.index,
    );
    const diagnostics = [];
    this.chains = this.rules.map((rule) => {
      if (!rule.persona) return undefined;
      try {
        return repository.resolve(rule.persona);
      } catch (error) {
        if (!(error instanceof RepositoryError)) throw error;
        diagnostics.push(
          mapping.locate(
            ["rules", rule.index, "persona"],
            "unknown-persona",
            `rule '${rule.id}' chooses '${rule.persona.text}': ${error.message}`,
          ),
        );
        return undefined;
      }
    });
    let defaultChain: ResolvedChain | undefined;
    if (mapping.defaultPersona) {
      try {
        defaultChain = repository.resolve(mapping.defaultPersona);
      } catch (error) {
        if (!(error instanceof RepositoryError)) throw error;
        diagnostics.push(
          mapping.locate(
            ["defaultPersona"],
            "unknown-persona",
            `defaultPersona '${mapping.defaultPersona.text}': ${error.message}`,
          ),
        );
      }
    }
    if (diagnostics.length > 0) throw new MappingValidationError(mapping.file, diagnostics, mapping.text);
    this.defaultChain = defaultChain;
    this.conditionCounts = new Int32Array(this.rules.length);
    this.ruleStamp = new Int32Array(this.rules.length);
    this.ruleHits = new Int32Array(this.rules.length);
    this.ruleConditions = this.rules.map(() => []);
    this.fixedRules = this.rules.map((rule) =>
      rule.match.every((c) => c.key.kind === "exact" && c.value.kind === "exact")
        ? Object.freeze({
            id: rule.id,
            priority: rule.priority,
            matchedTags: Object.freeze(rule.match.map((c) => `${c.key.text}=${c.value.text}`)) as string[],
            ...(rule.overriding ? { overriding: true as const } : {}),
          })
        : undefined,
    );
    this.overrideKeys = this.rules.map((rule) => rule.overrides.map((o) => `|${o.path}=${o.value}`).join(""));
    this.rules.forEach((rule, rank) => {
      this.conditionCounts[rank] = rule.match.length;
      for (const condition of rule.match) {
        const id = this.conditions.length;
        this.conditions.push({ rule: rank, condition });
        this.ruleConditions[rank]!.push(id);
        if (condition.key.kind !== "exact") {
          this.patternKeys.push(id);
          continue;
        }
        let entry = this.exactKeys.get(condition.key.text);
        if (!entry) {
          entry = { exact: new Map(), other: [], byValue: new Map() };
          this.exactKeys.set(condition.key.text, entry);
        }
        if (condition.value.kind === "exact") {
          const list = entry.exact.get(condition.value.text);
          if (list) list.push(id);
          else entry.exact.set(condition.value.text, [id]);
        } else entry.other.push(id);
      }
    });
    this.conditionStamp = new Int32Array(this.conditions.length);
    this.conditionTag = new Array<string>(this.conditions.length).fill("");
  }

  /**
   * Resolves one instance.
   * @throws {@link NoPersonaMatchError}, {@link RuleConflictError}, {@link OverrideConflictError},
   *   {@link UnknownOverrideFieldError}, {@link OverrideNotAllowedError}, {@link InvalidOverrideValueError},
   *   and sizing errors (`SizingError`) when a cloud is given and no size fits.
   */
  resolve(instance: InstanceTags, options: ResolveOptions = {}): ResolvedPersona {
    const { id, tags } = instance;
    const prefix = this.mapping.overrideTagPrefix;
    const epoch = ++this.epoch;
    const touched: number[] = [];
    let overrideTags: string[] | undefined;
    for (const key in tags) {
      const value = tags[key]!;
      if (key.startsWith(prefix)) {
        if (overrideTags === undefined) overrideTags = [key];
        else overrideTags.push(key);
        continue;
      }
      const entry = this.exactKeys.get(key);
      if (entry) {
        let ids = entry.byValue.get(value);
        if (ids === undefined) {
          ids = this.conditionsFor(entry, value);
          if (entry.byValue.size >= MAX_VALUES_PER_KEY) entry.byValue.clear();
          entry.byValue.set(value, ids);
        }
        for (let i = 0; i < ids.length; i++) this.hit(ids[i]!, epoch, key, value, touched);
      }
      for (let i = 0; i < this.patternKeys.length; i++) {
        const c = this.patternKeys[i]!;
        const condition = this.conditions[c]!.condition;
        if (matches(condition.key, key) && matches(condition.value, value))
          this.hit(c, epoch, key, value, touched);
      }
    }
    const matched: number[] = [];
    for (const rank of touched) if (this.ruleHits[rank] === this.conditionCounts[rank]) matched.push(rank);
    matched.sort((a, b) => a - b);

    // The persona: the first matched rule (in precedence order) that chooses one.
    let chosen = -1;
    for (const rank of matched) {
      if (!this.rules[rank]!.persona) continue;
      if (chosen < 0) {
        chosen = rank;
        continue;
      }
      const a = this.rules[chosen]!;
      const b = this.rules[rank]!;
      if (b.priority !== a.priority || b.specificity !== a.specificity) break;
      if (b.persona!.name !== a.persona!.name || b.persona!.range !== a.persona!.range) {
        throw new RuleConflictError(
          id,
          tags,
          [a.id, b.id],
          `Instance '${id}' is claimed by two personas at the same precedence (priority ${a.priority}, specificity ${a.specificity}): rule '${a.id}' (${a.at}) chooses ${a.persona!.text} by ${this.matchedTags(chosen, epoch).join(", ")}; rule '${b.id}' (${b.at}) chooses ${b.persona!.text} by ${this.matchedTags(rank, epoch).join(", ")}. Give one rule a higher priority, or make its match more specific.`,
        );
      }
    }
    let chain: ResolvedChain;
    let rule: ResolvedPersona["rule"];
    if (chosen >= 0) {
      chain = this.chains[chosen]!;
      const r = this.rules[chosen]!;
      rule = this.fixedRules[chosen] ?? {
        id: r.id,
        priority: r.priority,
        matchedTags: this.matchedTags(chosen, epoch),
        ...(r.overriding ? { overriding: true as const } : {}),
      };
    } else if (this.defaultChain) {
      chain = this.defaultChain;
      rule = { id: DEFAULT_RULE_ID, priority: Number.NEGATIVE_INFINITY, matchedTags: [] };
    } else {
      throw new NoPersonaMatchError(
        id,
        tags,
        `No mapping rule chooses a persona for instance '${id}' (tags: ${formatTags(tags)}), and ${this.mapping.file} has no defaultPersona. Add a rule whose match these tags satisfy, or set 'defaultPersona: Name@range' in ${this.mapping.file}.`,
      );
    }

    // Overrides: matched rules that choose no persona or the same one, lowest precedence first.
    const overlay: number[] = [];
    const overlayTags: string[] = [];
    for (let m = matched.length - 1; m >= 0; m--) {
      const rank = matched[m]!;
      const r = this.rules[rank]!;
      if (r.overrides.length === 0 || (r.persona && r.persona.name !== chain.entry.name)) continue;
      overlay.push(rank);
      overlayTags.push(this.matchedTags(rank, epoch).join(","));
    }
    if (overlay.length > 1) this.checkOverrideConflicts(overlay, overlayTags, id, tags);
    const fromTags = overrideTags ? this.readOverrideTags(overrideTags, chosen, id, tags) : undefined;

    const viaDefault = chosen < 0;
    let contentKey = chain.digest;
    let provenanceKey = viaDefault ? `${contentKey}|default` : contentKey;
    if (overlay.length > 0 || fromTags) {
      for (let i = 0; i < overlay.length; i++) {
        const rank = overlay[i]!;
        contentKey += this.overrideKeys[rank]!;
        provenanceKey += `|${this.rules[rank]!.id}:${overlayTags[i]}`;
      }
      if (fromTags)
        for (const { value, tag } of fromTags) {
          contentKey += `|${value.path}=${value.value}`;
          provenanceKey += `|${tag}`;
        }
      provenanceKey = `${contentKey}#${provenanceKey}`;
    }
    let content = this.contents.get(contentKey);
    let provenance = this.provenances.get(provenanceKey);
    if (!content || !provenance) {
      const applied: Applied[] = [];
      overlay.forEach((rank, i) => {
        const r = this.rules[rank]!;
        for (const value of r.overrides)
          applied.push({
            value,
            source: {
              source: "rule",
              rule: r.id,
              tag: overlayTags[i]!,
              detail: `${value.field}: ${value.written}`,
            },
          });
      });
      for (const { value, tag } of fromTags ?? [])
        applied.push({ value, source: { source: "tag", tag, detail: `${value.field}: ${value.written}` } });
      if (!content) {
        content = this.applyOverrides(chain, applied, id, tags);
        if (this.contents.size >= MAX_MEMO) this.contents.clear();
        this.contents.set(contentKey, content);
      }
      if (!provenance) {
        provenance = this.buildProvenance(chain, applied, viaDefault);
        if (this.provenances.size >= MAX_MEMO) this.provenances.clear();
        this.provenances.set(provenanceKey, provenance);
      }
    }
    const resolved: ResolvedPersona = {
      instance,
      persona: content.persona,
      ref: content.ref,
      rule,
      provenance,
    };
    if (options.cloud !== undefined) resolved.size = this.size(content, options.cloud);
    return resolved;
  }

  /** Two rules at the same precedence that set one field to different values are a conflict. */
  private checkOverrideConflicts(
    overlay: readonly number[],
    overlayTags: readonly string[],
    id: string,
    tags: Readonly<Record<string, string>>,
  ): void {
    for (let j = 1; j < overlay.length; j++) {
      const r = this.rules[overlay[j]!]!;
      for (let i = 0; i < j; i++) {
        const e = this.rules[overlay[i]!]!;
        if (e.priority !== r.priority || e.specificity !== r.specificity) continue;
        for (const value of r.overrides) {
          const other = e.overrides.find((o) => o.path === value.path);
          if (other === undefined || String(other.value) === String(value.value)) continue;
          throw new OverrideConflictError(
            id,
            tags,
            value.field,
            [r.id, e.id],
            `Instance '${id}': rules '${r.id}' (${overlayTags[j]}) and '${e.id}' (${overlayTags[i]}) set ${value.field} to different values (${value.written}, ${other.written}) at the same precedence (priority ${r.priority}, specificity ${r.specificity}). Give one rule a higher priority.`,
          );
        }
      }
    }
  }

  /** Reads `persona:<field>` tags, checking each field is known and allowed. */
  private readOverrideTags(
    overrideTags: string[],
    chosen: number,
    id: string,
    tags: Readonly<Record<string, string>>,
  ): { value: OverrideValue; tag: string }[] {
    const prefix = this.mapping.overrideTagPrefix;
    const chooser = chosen >= 0 ? this.rules[chosen]! : undefined;
    const allowed = chooser?.instanceOverrides ?? this.mapping.instanceOverrides;
    const out: { value: OverrideValue; tag: string }[] = [];
    for (const key of overrideTags.sort()) {
      const written = key.slice(prefix.length);
      const tagText = `${key}=${tags[key]}`;
      const field = overrideFieldName(written);
      if (field === undefined || field.startsWith("triggers.")) {
        throw new UnknownOverrideFieldError(
          id,
          tags,
          written,
          `Instance '${id}' has tag '${tagText}', but '${written}' is not a field instances can override; ${unknownFieldHint(written).replace(", triggers.<id>.threshold", "")}. Fix or remove the tag.`,
        );
      }
      if (!allowed.includes(field)) {
        const where = chooser?.instanceOverrides ? `rule '${chooser.id}' (${chooser.at})` : this.mapping.file;
        throw new OverrideNotAllowedError(
          id,
          tags,
          field,
          `Instance '${id}' has tag '${tagText}', but ${where} does not let instances override '${field}' (allowed: ${allowed.join(", ") || "none"}). Add '${field}' to instanceOverrides in ${where}, or remove the tag.`,
        );
      }
      const cacheKey = `${field}\u0000${tags[key]}`;
      let read = this.instanceOverrideValues.get(cacheKey);
      if (!read) {
        read = readOverride(field, tags[key]!);
        if (this.instanceOverrideValues.size >= MAX_MEMO) this.instanceOverrideValues.clear();
        this.instanceOverrideValues.set(cacheKey, read);
      }
      if (!read.ok) {
        throw new InvalidOverrideValueError(
          id,
          tags,
          field,
          `Instance '${id}' has tag '${tagText}': ${read.message}${read.hint ? `; ${read.hint}` : ""}.`,
        );
      }
      out.push({ value: read.value, tag: tagText });
    }
    return out;
  }

  /** The conditions on an exact key that a value satisfies: the exact ones, then the patterns that match. */
  private conditionsFor(entry: KeyIndex, value: string): readonly number[] {
    const out = [...(entry.exact.get(value) ?? [])];
    for (const c of entry.other) if (matches(this.conditions[c]!.condition.value, value)) out.push(c);
    return out;
  }

  private hit(condition: number, epoch: number, key: string, value: string, touched: number[]): void {
    if (this.conditionStamp[condition] === epoch) return;
    this.conditionStamp[condition] = epoch;
    this.conditionTag[condition] = `${key}=${value}`;
    const rank = this.conditions[condition]!.rule;
    if (this.ruleStamp[rank] !== epoch) {
      this.ruleStamp[rank] = epoch;
      this.ruleHits[rank] = 0;
      touched.push(rank);
    }
    this.ruleHits[rank]!++;
  }

  /** The `key=value` tags that satisfied a rule's conditions, in the rule's order. */
  private matchedTags(rank: number, epoch: number): string[] {
    const out: string[] = [];
    for (const c of this.ruleConditions[rank]!)
      if (this.conditionStamp[c] === epoch) out.push(this.conditionTag[c]!);
    return out;
  }

  private applyOverrides(
    chain: ResolvedChain,
    applied: readonly Applied[],
    id: string,
    tags: Readonly<Record<string, string>>,
  ): Content {
    const ref = (digest: string) =>
      Object.freeze({ name: chain.entry.name, version: chain.entry.version, digest, file: chain.entry.file });
    if (applied.length === 0) return { persona: chain.persona, digest: chain.digest, ref: ref(chain.digest) };
    const persona: Persona = {
      ...chain.persona,
      base: { ...chain.persona.base },
      bounds: { ...chain.persona.bounds },
      triggers: [...chain.persona.triggers],
    };
    for (const { value, source } of applied) {
      const [section, ...rest] = value.path.split(".");
      if (section === "base" || section === "bounds") {
        (persona[section] as Record<string, unknown>)[rest[0]!] = value.value;
        continue;
      }
      const triggerId = rest.slice(0, -2).join(".");
      const read = readTriggerThreshold(persona, triggerId, String(value.value));
      const by = source.source === "rule" ? `rule '${source.rule}'` : `tag '${source.tag}'`;
      if (!read.ok) {
        if ("unknownTrigger" in read)
          throw new UnknownOverrideFieldError(
            id,
            tags,
            value.field,
            `Instance '${id}': ${by} overrides ${value.field}, but ${read.message}; ${read.hint}.`,
          );
        throw new InvalidOverrideValueError(
          id,
          tags,
          value.field,
          `Instance '${id}': ${by} overrides ${value.field}: ${read.message}${read.hint ? `; ${read.hint}` : ""}.`,
        );
      }
      const at = persona.triggers.findIndex((t) => t.id === triggerId);
      const trigger = persona.triggers[at]!;
      persona.triggers[at] = { ...trigger, condition: { ...trigger.condition, threshold: read.value } };
    }
    const limits: [keyof Persona["base"], keyof Persona["bounds"], string][] = [
      ["cpu", "maxCpu", "vCPU"],
      ["memoryGiB", "maxMemoryGiB", "GiB"],
    ];
    for (const [field, bound, unit] of limits) {
      const value = persona.base[field] as number | undefined;
      const limit = persona.bounds[bound] as number | undefined;
      if (value !== undefined && limit !== undefined && value > limit) {
        const culprit = applied.find(
          (a) => a.value.path === `base.${field}` || a.value.path === `bounds.${bound}`,
        );
        const by = culprit
          ? culprit.source.source === "rule"
            ? `rule '${culprit.source.rule}'`
            : `tag '${culprit.source.tag}'`
          : "an override";
        throw new InvalidOverrideValueError(
          id,
          tags,
          culprit?.value.field ?? String(field),
          `Instance '${id}': after ${by}, ${chain.entry.name}@${chain.entry.version} would have ${value} ${unit} (base.${field}) above its bound of ${limit} ${unit} (bounds.${bound}). Lower the override, or raise the bound with an override of ${bound === "maxCpu" ? "maxCpu" : "maxMemory"}.`,
        );
      }
    }
    const sizeBound = explicitSizeOverBound(persona);
    if (sizeBound !== undefined) {
      const culprit = applied.find((a) => a.value.path === "base.size" || a.value.path.startsWith("bounds."));
      const by = culprit
        ? culprit.source.source === "rule"
          ? `rule '${culprit.source.rule}'`
          : `tag '${culprit.source.tag}'`
        : "an override";
      throw new InvalidOverrideValueError(
        id,
        tags,
        culprit?.value.field ?? "size",
        `Instance '${id}': after ${by}, ${chain.entry.name}@${chain.entry.version} would run on ${sizeBound}. Choose a size within the bounds, or raise the bound with an override.`,
      );
    }
    const frozen = deepFreeze(persona);
    const digest = contentDigest(frozen);
    return { persona: frozen, digest, ref: ref(digest) };
  }

  private buildProvenance(
    chain: ResolvedChain,
    applied: readonly Applied[],
    viaDefault: boolean,
  ): Readonly<Record<string, FieldProvenance>> {
    const baseKey = `${chain.entry.name}@${chain.entry.version}|${viaDefault}`;
    let base = this.baseProvenances.get(baseKey);
    if (!base) {
      const members = chain.chain.map((entry, index) =>
        Object.freeze({
          source: index > 0 ? "extends" : viaDefault ? "default" : "persona",
          persona: entry.name,
          version: entry.version,
          file: entry.file,
        } satisfies FieldProvenance),
      );
      const record: Record<string, FieldProvenance> = {};
      for (const [path, index] of chain.origins) record[path] = members[index]!;
      base = Object.freeze(record);
      this.baseProvenances.set(baseKey, base);
    }
    if (applied.length === 0) return base;
    const record: Record<string, FieldProvenance> = { ...base };
    for (const { value, source } of applied) record[value.path] = Object.freeze(source);
    return Object.freeze(record);
  }

  private size(content: Content, cloud: Cloud): NonNullable<ResolvedPersona["size"]> {
    const key = `${cloud}|${content.digest}`;
    let size = this.sizes.get(key);
    if (size) return size;
    const { persona } = content;
    size = baselineSize(
      { base: persona.base, bounds: persona.bounds, subject: `${persona.name}@${persona.version ?? "?"}` },
      cloud,
    );
    if (this.sizes.size >= MAX_MEMO) this.sizes.clear();
    this.sizes.set(key, size);
    return size;
  }
}

function matches(pattern: TagCondition["value"], text: string): boolean {
  switch (pattern.kind) {
    case "exact":
      return pattern.text === text;
    case "any":
      return true;
    default:
      return pattern.regex.test(text);
  }
}

/**
 * `env=prod, role=web`, sorted by key.
 * @internal
 */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? "none" : keys.map((k) => `${k}=${tags[k]}`).join(", ");
}

/**
 * Builds a resolution context: indexes the mapping's rules and resolves every persona it names.
 * @throws {@link MappingValidationError} when a rule names a persona the repository cannot resolve.
 * @example
 * ```ts
 * const context = createResolutionContext(defaultRepository(), parseMapping(text, { file: "mapping.yaml" }));
 * resolveInstance({ id: "web-1", tags: { role: "web" } }, context).ref.name; // "HighTraffic"
 * ```
 */
export function createResolutionContext(repository: PersonaRepository, mapping: Mapping): ResolutionContext {
  return new ResolutionContext(repository, mapping);
}

/**
 * Resolves one instance's persona.
 * @throws {@link NoPersonaMatchError}, {@link RuleConflictError}, {@link OverrideConflictError},
 *   {@link UnknownOverrideFieldError}, {@link OverrideNotAllowedError}, {@link InvalidOverrideValueError},
 *   or a `SizingError` when `options.cloud` is given and no size fits.
 * @example
 * ```ts
 * const resolved = resolveInstance({ id: "web-1", tags: { role: "web", tier: "premium" } }, context, { cloud: "aws" });
 * resolved.persona.base.memoryGiB; // 64
 * resolved.provenance["base.memoryGiB"]; // { source: "rule", rule: "premium-memory", tag: "tier=premium", detail: "memory: 64 GB" }
 * ```
 */
export function resolveInstance(
  instance: { id: string; tags: Record<string, string> },
  context: ResolutionContext,
  options: ResolveOptions = {},
): ResolvedPersona {
  return context.resolve(instance, options);
}

/**
 * Resolves many instances; an instance that fails is collected with its error instead of stopping
 * the rest. Errors that are not `PersonasError`s (bugs) are thrown.
 * @example
 * ```ts
 * const { resolved, failures } = resolveFleet(instances, context, { cloud: "aws" });
 * ```
 */
export function resolveFleet(
  instances: Iterable<InstanceTags>,
  context: ResolutionContext,
  options: ResolveOptions = {},
): FleetResolution {
  const resolved: ResolvedPersona[] = [];
  const failures: FleetResolution["failures"] = [];
  for (const instance of instances) {
    try {
      resolved.push(context.resolve(instance, options));
    } catch (error) {
      if (!(error instanceof PersonasError)) throw error;
      failures.push({ instance, error });
    }
  }
  return { resolved, failures };
}

export type { PersonaReference };
