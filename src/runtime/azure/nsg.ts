/**
 * A list feed enforced as network security group deny rules (standalone `securityRules` of the NSG
 * the components name in the feed's store entry, `enforcement.azure.nsg`). The feed owns the
 * priorities `firstPriority … firstPriority + maxRules - 1` and names its rules
 * `personas-feed-<feed id>-<n>`; a rule of anyone else in that range stops the run before any write.
 *
 * Limits ("Azure subscription and service limits: Networking limits", Microsoft Learn): 1,000 rules
 * per NSG and 4,000 source/destination prefixes per NSG, counting every rule's. A rule holds one
 * IP version (IPv4 and IPv6 prefixes are never mixed in one rule). Unchanged rules are not rewritten.
 */
import type { AzureFeedEnforcement } from "../../plan/manifest.js";
import { CidrSet } from "../feeds/cidr-set.js";
import type { AzureRuntimeContext } from "./context.js";
import { ActionFailedError } from "./errors.js";

export const NETWORK_API_VERSION = "2024-05-01";
/** Source prefixes one NSG holds across all its rules. */
export const NSG_MAX_PREFIXES = 4000;

type NsgEnforcement = NonNullable<AzureFeedEnforcement["nsg"]>;

interface SecurityRule {
  name: string;
  properties: {
    priority: number;
    direction: "Inbound" | "Outbound";
    access: "Allow" | "Deny";
    protocol: string;
    sourceAddressPrefix?: string;
    sourceAddressPrefixes?: string[];
    destinationAddressPrefix?: string;
    destinationAddressPrefixes?: string[];
    sourcePortRange?: string;
    destinationPortRange?: string;
    description?: string;
  };
}

/** Reads and writes one feed's rules. */
export interface NsgEnforcer {
  /** The list in force: the prefixes of the rules the feed owns. Throws on a foreign rule in the feed's range. */
  read(): Promise<CidrSet>;
  /** Prefixes the feed may hold (known after `read`): the NSG's 4,000 less its other rules', and the feed's own cap. */
  readonly capacity: number;
  /** Replaces the list in force; returns the rules written and deleted. */
  write(list: CidrSet): Promise<{ written: number; deleted: number }>;
}

/** The rule name of the feed's `n`-th rule (NSG rule names: up to 80 characters). */
export function feedRuleName(feedId: string, n: number): string {
  return `${`personas-feed-${feedId}`.slice(0, 70)}-${n}`;
}

function prefixesOf(rule: SecurityRule): string[] {
  const p = rule.properties;
  return [
    ...(p.sourceAddressPrefixes ?? []),
    ...(p.sourceAddressPrefix && p.sourceAddressPrefix !== "*" ? [p.sourceAddressPrefix] : []),
  ];
}

function prefixCount(rule: SecurityRule): number {
  const p = rule.properties;
  return (
    (p.sourceAddressPrefixes?.length ?? (p.sourceAddressPrefix ? 1 : 0)) +
    (p.destinationAddressPrefixes?.length ?? (p.destinationAddressPrefix ? 1 : 0))
  );
}

export function nsgEnforcer(
  ctx: AzureRuntimeContext,
  feedId: string,
  nsg: NsgEnforcement,
  mode: "block" | "allow",
): NsgEnforcer {
  const rulesPath = `${nsg.networkSecurityGroupId}/securityRules`;
  const last = nsg.firstPriority + nsg.maxRules - 1;
  let owned: SecurityRule[] = [];
  let capacity = 0;
  return {
    get capacity() {
      return capacity;
    },
    async read() {
      const { body } = await ctx.arm.request<{ value?: SecurityRule[] }>(
        "GET",
        rulesPath,
        NETWORK_API_VERSION,
      );
      const rules = body.value ?? [];
      const inRange = rules.filter(
        (r) =>
          r.properties.direction === "Inbound" &&
          r.properties.priority >= nsg.firstPriority &&
          r.properties.priority <= last,
      );
      const foreign = inRange.filter(
        (r) => !r.name.startsWith(`${feedRuleName(feedId, 0).replace(/-0$/, "")}-`),
      );
      if (foreign.length > 0) {
        throw new ActionFailedError(
          `Network security group ${nsg.networkSecurityGroupId} has rule(s) ${foreign.map((r) => `${r.name} (priority ${r.properties.priority})`).join(", ")} in the priorities ${nsg.firstPriority}-${last} that feed '${feedId}' owns; nothing was written. Move those rules or give the feed another range.`,
          true,
        );
      }
      owned = inRange;
      const others = rules.filter((r) => !inRange.includes(r)).reduce((sum, r) => sum + prefixCount(r), 0);
      capacity = Math.max(0, Math.min(nsg.maxPrefixes, NSG_MAX_PREFIXES - others));
      return CidrSet.fromStrings(owned.flatMap(prefixesOf));
    },
    async write(list) {
      const chunks = chunk(list, nsg.maxRules);
      let written = 0;
      for (const [n, prefixes] of chunks.entries()) {
        const name = feedRuleName(feedId, n);
        const existing = owned.find((r) => r.name === name);
        const priority = nsg.firstPriority + n;
        if (existing && existing.properties.priority === priority && sameList(prefixesOf(existing), prefixes))
          continue;
        await ctx.arm.operation("PUT", `${rulesPath}/${name}`, NETWORK_API_VERSION, {
          properties: {
            description: `personas feed ${feedId} (${n + 1} of ${chunks.length}); written by the runtime, do not edit`,
            priority,
            direction: "Inbound",
            access: mode === "block" ? "Deny" : "Allow",
            protocol: "*",
            sourceAddressPrefixes: prefixes,
            sourcePortRange: "*",
            destinationAddressPrefix: "*",
            destinationPortRange: "*",
          },
        });
        written++;
      }
      const keep = new Set(chunks.map((_, n) => feedRuleName(feedId, n)));
      let deleted = 0;
      for (const rule of owned) {
        if (keep.has(rule.name)) continue;
        await ctx.arm.operation("DELETE", `${rulesPath}/${rule.name}`, NETWORK_API_VERSION);
        deleted++;
      }
      return { written, deleted };
    },
  };
}

/** Splits a list into at most `maxRules` chunks, one IP version per chunk, as even as it goes. */
function chunk(list: CidrSet, maxRules: number): string[][] {
  const v4 = list.ipv4Strings();
  const v6 = list.ipv6Strings();
  // The smallest chunk size whose rules fit: bounded by the list's size.
  for (let size = Math.max(1, Math.ceil(list.size / maxRules)); size <= Math.max(1, list.size); size++) {
    const rules = Math.ceil(v4.length / size) + Math.ceil(v6.length / size);
    if (rules <= maxRules) {
      const out: string[][] = [];
      for (const family of [v4, v6])
        for (let i = 0; i < family.length; i += size) out.push(family.slice(i, i + size));
      return out;
    }
  }
  throw new ActionFailedError(
    `${list.size} prefixes do not fit ${maxRules} rules; nothing was written.`,
    true,
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
