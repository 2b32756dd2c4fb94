/**
 * The firewall responder enforcing a list feed with network ACL rules, on aws-sdk-client-mock: a
 * fake ACL keeps its entries and enforces what moto does not, following the AWS documents:
 * - "Rules per network ACL": 20 inbound rules by default, the `*` rule not counted (Amazon VPC
 *   quotas, https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html); one more is
 *   `NetworkAclEntryLimitExceeded` (Error codes for the Amazon EC2 API,
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
 * - a rule number in use is `NetworkAclEntryAlreadyExists` (same page), and replacing or deleting a
 *   missing one is `InvalidNetworkAclEntry.NotFound`;
 * - the default network ACL allows all inbound traffic at rule 100 ("Default network ACL", Amazon VPC
 *   User Guide, https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  type NetworkAclEntry,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NetworkAclRangeConflictError } from "../../../src/runtime/aws/errors.js";
import { createFirewallResponder } from "../../../src/runtime/aws/firewall.js";
import { awsError, installMocks, TEST_ENV, testManifest } from "./support.js";

const ACL = "acl-0123456789abcdef0";
const QUOTA = 20;
const manifest = testManifest();
const mocks = installMocks(manifest);
let body = "";
const server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(body));

/** The ACL's inbound entries by rule number: the default ACL's allow-all 100 and the `*` rule. */
let entries: Map<number, NetworkAclEntry>;
/** Every write the responder sent, in order. */
let writes: string[];
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  manifest.feeds["WebBase-drop"] = {
    kind: "list",
    persona: "WebBase",
    sourceId: "drop",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/drop.txt`,
    limits: { timeoutSeconds: 5, maxBytes: 65536 },
    responseId: "block",
    format: { type: "plain" },
    mode: "block",
    maxShrinkPercent: 50,
    // These tests grow lists on purpose; the growth guard has its own tests.
    maxGrowPercent: 100_000,
    enforcement: "network-acl",
  };
});
afterAll(() => {
  mocks.restore();
  server.close();
});
beforeEach(() => {
  mocks.reset();
  writes = [];
  entries = new Map([
    [100, { RuleNumber: 100, Egress: false, CidrBlock: "0.0.0.0/0", RuleAction: "allow" }],
    [32767, { RuleNumber: 32767, Egress: false, CidrBlock: "0.0.0.0/0", RuleAction: "deny" }],
  ]);
  mocks.ec2.on(DescribeNetworkAclsCommand).callsFake(async () => ({
    NetworkAcls: [{ NetworkAclId: ACL, Entries: [...entries.values()] }],
  }));
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-1", CidrBlock: "10.0.0.0/16" }] });
  mocks.ec2.on(CreateNetworkAclEntryCommand).callsFake(async (input: NetworkAclEntry) => {
    writes.push(`create ${input.RuleNumber}`);
    if (entries.has(input.RuleNumber!))
      throw awsError(
        "NetworkAclEntryAlreadyExists",
        `The network ACL entry identified by ${input.RuleNumber} already exists.`,
      );
    if ([...entries.keys()].filter((n) => n < 32767).length >= QUOTA)
      throw awsError(
        "NetworkAclEntryLimitExceeded",
        "The maximum number of network ACL entries has been reached.",
      );
    entries.set(input.RuleNumber!, { ...input });
    return {};
  });
  mocks.ec2.on(ReplaceNetworkAclEntryCommand).callsFake(async (input: NetworkAclEntry) => {
    writes.push(`replace ${input.RuleNumber}`);
    if (!entries.has(input.RuleNumber!)) throw awsError("InvalidNetworkAclEntry.NotFound", "no such entry");
    entries.set(input.RuleNumber!, { ...input });
    return {};
  });
  mocks.ec2.on(DeleteNetworkAclEntryCommand).callsFake(async (input) => {
    writes.push(`delete ${input.RuleNumber}`);
    if (!entries.delete(input.RuleNumber!))
      throw awsError("InvalidNetworkAclEntry.NotFound", "no such entry");
    return {};
  });
});

let logLines: Record<string, unknown>[] = [];
const handler = (firstRuleNumber = 1, maxEntries = 4) => {
  // The rules the feed owns are in its fleet store entry, as the components write it.
  mocks.state.enforcement = {
    "WebBase-drop": { networkAcl: { networkAclId: ACL, firstRuleNumber, maxEntries } },
  };
  return createFirewallResponder({
    env: TEST_ENV,
    logSink: (line) => logLines.push(JSON.parse(line)),
    sleep: async () => {},
    fetcher: { unsafeTestAllowances: { allowLoopback: true, allowHttp: true } },
  });
};
let minute = 0;
const tick = () => ({
  source: "personas.feed",
  fleet: "web",
  feedId: "WebBase-drop",
  scheduledTime: `2025-01-09T12:${String(minute++).padStart(2, "0")}:00Z`,
});
/** The ACL's inbound rules but the `*` rule: [rule number, action, CIDR]. */
const rules = () =>
  [...entries.values()]
    .filter((e) => e.RuleNumber! < 32767)
    .sort((a, b) => a.RuleNumber! - b.RuleNumber!)
    .map((e) => [e.RuleNumber, e.RuleAction, e.CidrBlock ?? e.Ipv6CidrBlock]);

const ALLOW_ALL = [100, "allow", "0.0.0.0/0"];

describe("firewall responder with network ACL rules", () => {
  beforeEach(() => {
    logLines = [];
  });

  it("writes the aggregated list as deny rules before the default ACL's allow-all rule, then shrinks it in place", async () => {
    // Prepare: two adjacent /25s aggregate into one /24
    body = "185.220.102.0/25\n185.220.102.128/25\n185.220.101.7\n2a0b:f4c0::/32\n";

    // Act
    const first = await handler()(tick());

    // Assess: rules 1-3, evaluated before rule 100 (lowest number first), which is left alone
    expect(first).toMatchObject({
      feedId: "WebBase-drop",
      outcome: "replaced",
      entries: { ipv4: 2, ipv6: 1 },
    });
    expect(rules()).toEqual([
      [1, "deny", "185.220.101.7/32"],
      [2, "deny", "185.220.102.0/24"],
      [3, "deny", "2a0b:f4c0::/32"],
      ALLOW_ALL,
    ]);

    // Act: one entry goes, within the allowed shrink
    body = "185.220.102.0/24\n2a0b:f4c0::/32\n";
    const second = await handler()(tick());

    // Assess: rules renumbered from 1, the extra one deleted, the ACL's own rules untouched
    expect(second).toMatchObject({ outcome: "replaced", entries: { ipv4: 1, ipv6: 1 } });
    expect(rules()).toEqual([[1, "deny", "185.220.102.0/24"], [2, "deny", "2a0b:f4c0::/32"], ALLOW_ALL]);
    expect(entries.get(32767)).toEqual({
      RuleNumber: 32767,
      Egress: false,
      CidrBlock: "0.0.0.0/0",
      RuleAction: "deny",
    });
  });

  it("refuses a range holding the default ACL's allow-all rule 100 and writes nothing", async () => {
    // Prepare: the range the old default (first rule 100) would have used
    body = "185.220.101.7\n";

    // Act
    const error = await handler(100)(tick()).catch((e: unknown) => e);

    // Assess: a clear error, a metric, no write, the subnet still reachable
    expect(error).toBeInstanceOf(NetworkAclRangeConflictError);
    const message =
      "Network ACL acl-0123456789abcdef0 holds rule 100 (allow 0.0.0.0/0) in the rule numbers 100–103 that feed " +
      "WebBase-drop reserves, and this responder did not create it; nothing was written. Give the feed a free range " +
      "(firewall.networkAclFirstRule) or remove those rules.";
    expect((error as Error).message).toBe(message);
    expect(logLines.find((l) => l.NetworkAclRangeConflict !== undefined)).toMatchObject({
      level: "error",
      message,
      NetworkAclRangeConflict: 1,
      Feed: "WebBase-drop",
      ruleNumbers: [100],
    });
    expect(writes).toEqual([]);
    expect(rules()).toEqual([ALLOW_ALL]);
  });

  it("owns only the rule numbers it created: an operator's rule added inside its range stops it", async () => {
    // Prepare: the feed writes rules 1-2, then an operator adds rule 3 by hand
    body = "185.220.101.7\n185.220.101.9\n";
    await handler()(tick());
    entries.set(3, { RuleNumber: 3, Egress: false, CidrBlock: "45.1.0.0/16", RuleAction: "allow" });
    writes = [];

    // Act: the feed grows into rule 3
    body = "185.220.101.7\n185.220.101.9\n185.220.101.11\n";
    const error = await handler()(tick()).catch((e: unknown) => e);

    // Assess: refused before any write; the operator's rule and the feed's rules are as they were
    expect((error as Error).message).toContain(
      "holds rule 3 (allow 45.1.0.0/16) in the rule numbers 1–4 that feed WebBase-drop reserves",
    );
    expect(writes).toEqual([]);
    expect(rules()).toEqual([
      [1, "deny", "185.220.101.7/32"],
      [2, "deny", "185.220.101.9/32"],
      [3, "allow", "45.1.0.0/16"],
      ALLOW_ALL,
    ]);
  });

  it("counts the ACL's other rules against the 20-rule quota and keeps the list when it would not fit", async () => {
    // Prepare: the ACL already holds 17 other inbound rules (100 and 16 more), leaving 3 for the feed
    for (let n = 0; n < 16; n++)
      entries.set(200 + n, {
        RuleNumber: 200 + n,
        Egress: false,
        CidrBlock: `45.${n}.0.0/16`,
        RuleAction: "allow",
      });
    body = "185.220.101.1\n185.220.101.3\n185.220.101.5\n";
    expect(await handler()(tick())).toMatchObject({ outcome: "replaced", entries: { ipv4: 3, ipv6: 0 } });
    writes = [];

    // Act: a fourth entry would be the ACL's 21st inbound rule
    body = "185.220.101.1\n185.220.101.3\n185.220.101.5\n185.220.101.7\n";
    const result = await handler()(tick());

    // Assess: kept before AWS would answer NetworkAclEntryLimitExceeded
    expect(result).toMatchObject({ outcome: "kept", reason: "over-limit" });
    expect(result.detail).toBe(
      "The IPv4 list has 4 entries after aggregation, above the limit of 3 per IP set; nothing was dropped and the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed. Keeping the last good list of 3 entries.",
    );
    expect(writes).toEqual([]);
    expect([...entries.keys()].filter((n) => n < 32767)).toHaveLength(QUOTA);
  });

  it("keeps the rules in force when the list outgrows the rules the feed owns", async () => {
    // Prepare
    body = "185.220.100.1\n";
    await handler()(tick());
    body = ["185.220.100.1", "185.220.100.3", "185.220.100.5", "185.220.100.7", "185.220.100.9"].join("\n");

    // Act
    const result = await handler()(tick());

    // Assess
    expect(result).toEqual({
      feedId: "WebBase-drop",
      outcome: "kept",
      reason: "over-limit",
      // the feeds module's per-version limit (the owned rules) refuses it first
      detail:
        "The IPv4 list has 5 entries after aggregation, above the limit of 4 per IP set; nothing was dropped and the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed. Keeping the last good list of 1 entries.",
      entries: { ipv4: 1, ipv6: 0 },
    });
    expect(rules()).toEqual([[1, "deny", "185.220.100.1/32"], ALLOW_ALL]);
  });

  it("keeps the rules in force when both IP versions together outgrow the rules the feed owns", async () => {
    // Prepare: 3 IPv4 and 2 IPv6 entries, each version within 4, together 5
    body = "185.220.100.1\n";
    await handler()(tick());
    body = ["185.220.100.1", "185.220.100.3", "185.220.100.5", "2a0b:f4c0::1", "2a0b:f4c0::3"].join("\n");

    // Act
    const result = await handler()(tick());

    // Assess
    expect(result).toEqual({
      feedId: "WebBase-drop",
      outcome: "kept",
      reason: "over-limit",
      detail:
        "The feed has 5 entries after aggregation; network ACL acl-0123456789abcdef0 (20 inbound rules per ACL, shared with its other rules) takes at most 4. Keeping the list in force of 1 entries; enforce this feed with a WAF IP set instead.",
      entries: { ipv4: 1, ipv6: 0 },
    });
    expect(rules()).toEqual([[1, "deny", "185.220.100.1/32"], ALLOW_ALL]);
  });
});
