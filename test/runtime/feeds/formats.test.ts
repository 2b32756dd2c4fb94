import { describe, expect, it } from "vitest";
import { aggregate } from "../../../src/runtime/feeds/cidr-set.js";
import { FeedFormatError, FeedParseError } from "../../../src/runtime/feeds/errors.js";
import {
  feedFormatNames,
  feedFormatSetting,
  normaliseFormatSetting,
  parseFeed,
} from "../../../src/runtime/feeds/formats/index.js";

const crlf = (text: string) => text.replaceAll("\n", "\r\n");
const bom = (text: string) => `\uFEFF${text}`;

const PLAIN = `#
# blocklist_net_ua.ipset (a FireHOL-style netset)
# Maintainer: example
#
; semicolon comments too
203.0.113.7
198.51.100.0/24   # a whole network
198.51.100.200/24
2001:db8:bad::/48 ; an IPv6 network
2001:DB8:BAD:0:0:0:0:1

not-an-address
192.0.2.300
10.0.0.1 10.0.0.2
`;

const SPAMHAUS = `; Spamhaus DROP List 2025/01/09 - (c) 2025 The Spamhaus Project SLU
; https://www.spamhaus.org/drop/drop.txt
; Last-Modified: Thu, 09 Jan 2025 11:37:48 GMT
; Expires: Fri, 10 Jan 2025 12:37:37 GMT
1.10.16.0/20 ; SBL256894
1.19.0.0/16 ; SBL434604
2.56.192.0/22 ; SBL459831
2001:678:738::/48 ; SBL836234
2a06:e480::/29 ; SBL301771
5.42.92.0/24
5.42.199.0/24 ; see SBL
`;

const FEODO = `################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)           #
# Last updated: 2025-01-09 12:04:19 UTC                          #
################################################################
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2021-01-17 07:30:05","67.213.75.205","443","online","2025-01-09","QakBot"
"2023-05-08 16:41:32","2a02:4780:10:abcd::1","443","offline","2024-12-30","Pikabot"
"2024-02-11 09:12:00",  "185.117.90.142" ,"8080","online","2025-01-09","Emotet, ""epoch 5"""
"2024-03-01 00:00:00","","443","offline","2024-03-02","Dridex"
"2024-03-02 00:00:00","bogus","443","offline","2024-03-02","Dridex"
"2024-04-02 00:00:00"
`;

const AWS_RANGES = JSON.stringify({
  syncToken: "1736420000",
  createDate: "2025-01-09-11-03-07",
  prefixes: [
    {
      ip_prefix: "3.5.140.0/22",
      region: "ap-northeast-2",
      service: "AMAZON",
      network_border_group: "ap-northeast-2",
    },
    {
      ip_prefix: "15.230.221.0/24",
      region: "us-east-1",
      service: "AMAZON",
      network_border_group: "us-east-1",
    },
    { ip_prefix: "15.230.221.17/24", region: "us-east-1", service: "EC2", network_border_group: "us-east-1" },
    { ip_prefix: 42, region: "broken", service: "AMAZON", network_border_group: "broken" },
  ],
  ipv6_prefixes: [
    {
      ipv6_prefix: "2600:1f14::/35",
      region: "us-west-2",
      service: "AMAZON",
      network_border_group: "us-west-2",
    },
    {
      ipv6_prefix: "2600:1f14:2000::/35",
      region: "us-west-2",
      service: "EC2",
      network_border_group: "us-west-2",
    },
  ],
});

const ABUSE_DATA = `{
  "meta": { "generatedAt": "2025-01-09T12:00:00+00:00" },
  "data": [
    { "ip": "192.0.2.44", "abuseConfidenceScore": 100 },
    { "ip": "2001:db8::dead:beef", "abuseConfidenceScore": 100 },
    { "ip": "192.0.2.45 ", "abuseConfidenceScore": 97 },
    { "ip": "not an ip", "abuseConfidenceScore": 90 },
    { "ip": null }
  ]
}`;

describe("feed formats", () => {
  it("exports the format names and a setting schema for the PDL", () => {
    expect(feedFormatNames).toEqual(["plain", "spamhaus-drop", "csv", "json"]);
    expect(feedFormatSetting.safeParse("plain").success).toBe(true);
    expect(feedFormatSetting.safeParse({ name: "csv", column: "dst_ip" }).success).toBe(true);
    expect(feedFormatSetting.safeParse({ name: "json", path: ["$.a[*]", "$.b[*].c"] }).success).toBe(true);
    expect(feedFormatSetting.safeParse({ name: "csv" }).success).toBe(false);
    expect(feedFormatSetting.safeParse({ name: "plain", column: 1 }).success).toBe(false);
  });

  it("explains an invalid setting with the accepted formats", () => {
    expect(() => normaliseFormatSetting("xml")).toThrow(FeedFormatError);
    expect(() => normaliseFormatSetting({ name: "json", path: "data[*].ip" })).toThrow(
      'Invalid feed format setting {"name":"json","path":"data[*].ip"}: path: a JSON path starts with "$", e.g. "$.data[*].ip"; received "data[*].ip". Accepted formats: plain, spamhaus-drop, csv, json.',
    );
  });
});

describe("plain format", () => {
  it.each([
    ["LF", PLAIN],
    ["CRLF", crlf(PLAIN)],
    ["a byte-order mark and CRLF", bom(crlf(PLAIN))],
  ])("reads addresses, CIDRs and comments with %s", (_, text) => {
    const feed = parseFeed(text, "plain");
    expect(feed.set.toStrings()).toEqual([
      "203.0.113.7/32",
      "198.51.100.0/24",
      "198.51.100.0/24",
      "2001:db8:bad::/48",
      "2001:db8:bad::1/128",
    ]);
    expect([feed.accepted, feed.rejected, feed.hostBitsCleared]).toEqual([5, 3, 1]);
    expect(feed.rejectedSamples).toEqual([
      { line: 12, text: "not-an-address", reason: "not an IP address or CIDR" },
      { line: 13, text: "192.0.2.300", reason: "invalid IPv4 address" },
      { line: 14, text: "10.0.0.1 10.0.0.2", reason: "unexpected text after the address" },
    ]);
    expect(aggregate(feed.set).toStrings()).toEqual([
      "198.51.100.0/24",
      "203.0.113.7/32",
      "2001:db8:bad::/48",
    ]);
  });

  it("keeps only the first few rejected lines but counts them all", () => {
    const text = Array.from({ length: 50 }, (_, i) => `junk-${i}`).join("\n");
    const feed = parseFeed(text, "plain", { maxRejectedSamples: 2 });
    expect(feed.rejected).toBe(50);
    expect(feed.rejectedSamples.map((s) => s.line)).toEqual([1, 2]);
  });
});

describe("spamhaus-drop format", () => {
  it.each([
    ["LF", SPAMHAUS],
    ["CRLF with a byte-order mark", bom(crlf(SPAMHAUS))],
  ])("reads `cidr ; SBLnnn` lines of DROP and DROPv6 with %s", (_, text) => {
    const feed = parseFeed(text, "spamhaus-drop");
    expect(feed.set.toStrings()).toEqual([
      "1.10.16.0/20",
      "1.19.0.0/16",
      "2.56.192.0/22",
      "2001:678:738::/48",
      "2a06:e480::/29",
    ]);
    expect(feed.rejectedSamples).toEqual([
      { line: 10, text: "5.42.92.0/24", reason: "expected `cidr ; SBLnnn`" },
      { line: 11, text: "5.42.199.0/24 ; see SBL", reason: "expected an SBL reference after `;`" },
    ]);
  });

  it("rejects every line of a plain list, so a wrong format setting is noticed", () => {
    const feed = parseFeed("192.0.2.1\n192.0.2.2\n", "spamhaus-drop");
    expect([feed.accepted, feed.rejected]).toEqual([0, 2]);
  });
});

describe("csv format", () => {
  it.each([
    ["LF", FEODO],
    ["CRLF with a byte-order mark", bom(crlf(FEODO))],
  ])("reads a column by header name with quoted fields (%s)", (_, text) => {
    const feed = parseFeed(text, { name: "csv", column: "dst_ip" });
    expect(feed.set.toStrings()).toEqual([
      "67.213.75.205/32",
      "185.117.90.142/32",
      "2a02:4780:10:abcd::1/128",
    ]);
    expect(feed.rejectedSamples).toEqual([
      {
        line: 9,
        text: '"2024-03-01 00:00:00","","443","offline","2024-03-02","Dridex"',
        reason: "empty value",
      },
      {
        line: 10,
        text: '"2024-03-02 00:00:00","bogus","443","offline","2024-03-02","Dridex"',
        reason: "not an IP address or CIDR",
      },
      { line: 11, text: '"2024-04-02 00:00:00"', reason: "the row has 1 column, the address is in column 1" },
    ]);
  });

  it("reads a column by 0-based index, with a custom delimiter and quoted line breaks", () => {
    const text = 'note;ip\n"two\nlines";192.0.2.9\nx;192.0.2.0/30\n';
    const feed = parseFeed(text, { name: "csv", column: 1, header: true, delimiter: ";" });
    expect(feed.set.toStrings()).toEqual(["192.0.2.9/32", "192.0.2.0/30"]);
    expect(feed.rejected).toBe(0);
  });

  it("reads a headerless file by index and reports the line of an unterminated quote", () => {
    const feed = parseFeed('192.0.2.1,a\n192.0.2.2,b\n"192.0.2.3,c\n', { name: "csv", column: 0 });
    expect(feed.set.toStrings()).toEqual(["192.0.2.1/32", "192.0.2.2/32"]);
    expect(feed.rejectedSamples).toEqual([
      { line: 3, text: '"192.0.2.3,c\n', reason: "unterminated quoted field" },
    ]);
  });

  it("fails the whole feed when the named column is missing", () => {
    expect(() => parseFeed(FEODO, { name: "csv", column: "ip_address" })).toThrow(
      new FeedParseError(
        "csv",
        'The CSV header has no column "ip_address"; its columns are: "first_seen_utc", "dst_ip", "dst_port", ' +
          '"c2_status", "last_online", "malware". Set Format column to one of them, or to a 0-based index.',
      ),
    );
  });
});

describe("json format", () => {
  it("selects IPv4 and IPv6 prefixes of AWS ip-ranges.json with two paths", () => {
    const feed = parseFeed(AWS_RANGES, {
      name: "json",
      path: ["$.prefixes[*].ip_prefix", "$.ipv6_prefixes[*].ipv6_prefix"],
    });
    expect(aggregate(feed.set).toStrings()).toEqual(["3.5.140.0/22", "15.230.221.0/24", "2600:1f14::/34"]);
    expect([feed.accepted, feed.rejected, feed.hostBitsCleared]).toEqual([5, 1, 1]);
    expect(feed.rejectedSamples).toEqual([
      {
        line: 0,
        path: "$.prefixes[3].ip_prefix",
        text: "42",
        reason: "expected a string, received a number",
      },
    ]);
  });

  it("selects `$.data[*].ip` and rejects values that are not address strings", () => {
    const feed = parseFeed(crlf(bom(ABUSE_DATA)), { name: "json", path: "$.data[*].ip" });
    expect(feed.set.toStrings()).toEqual(["192.0.2.44/32", "192.0.2.45/32", "2001:db8::dead:beef/128"]);
    expect(feed.rejectedSamples).toEqual([
      { line: 0, path: "$.data[3].ip", text: "not an ip", reason: "not an IP address or CIDR" },
      { line: 0, path: "$.data[4].ip", text: "null", reason: "expected a string, received null" },
    ]);
  });

  it("supports ['name'], [n] and .* steps", () => {
    const text = '{"ranges": {"eu": ["192.0.2.0/25"], "us": ["192.0.2.128/25", "198.51.100.1"]}}';
    expect(parseFeed(text, { name: "json", path: "$['ranges'].*[0]" }).set.toStrings()).toEqual([
      "192.0.2.0/25",
      "192.0.2.128/25",
    ]);
  });

  it("fails the whole feed on truncated JSON", () => {
    expect(() => parseFeed(ABUSE_DATA.slice(0, 80), { name: "json", path: "$.data[*].ip" })).toThrow(
      FeedParseError,
    );
  });
});
