import { describe, expect, it } from "vitest";
import type { AgentConfigInput } from "../../src/agent/config.js";
import { AgentConfigError } from "../../src/agent/errors.js";
import { renderAgentInstallScript, renderAgentUnit } from "../../src/agent/systemd.js";

const config: AgentConfigInput = {
  version: 1,
  dimensions: { InstanceId: "i-0abc", PersonaName: "HighTraffic" },
  logs: {
    files: [
      { name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' },
      { name: "nginx-error", path: "/var/log/nginx/error.log", errorPattern: "\\[error\\]" },
      { name: "app", path: "/srv/app/logs/app.log", errorPattern: "ERROR" },
    ],
  },
  metrics: [{ name: "ErrorRate", signal: "log.errorRate" }],
};

describe("renderAgentUnit", () => {
  it("runs the bundled agent as its own user with no adm group, granted read access to exactly the named log files", () => {
    const unit = renderAgentUnit({ agentPath: "/opt/personas-agent/personas-agent.cjs", config });

    expect(unit).toBe(`[Unit]
Description=pulumi-personas telemetry agent (probes and log-derived metrics)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=/usr/bin/node --lite-mode --no-expose-wasm --max-semi-space-size=1 --max-old-space-size=64 /opt/personas-agent/personas-agent.cjs --config /etc/personas-agent/config.json
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=78
User=personas-agent
Group=personas-agent
ExecStartPre=-+/usr/bin/setfacl -m u:personas-agent:x -m d:u::rw,d:g::r,d:o::-,d:u:personas-agent:r /srv/app/logs
ExecStartPre=-+/usr/bin/setfacl -m u:personas-agent:x -m d:u::rw,d:g::r,d:o::-,d:u:personas-agent:r /var/log/nginx
ExecStartPre=-+/usr/bin/setfacl -m u:personas-agent:r /srv/app/logs/app.log
ExecStartPre=-+/usr/bin/setfacl -m u:personas-agent:r /var/log/nginx/access.log
ExecStartPre=-+/usr/bin/setfacl -m u:personas-agent:r /var/log/nginx/error.log
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
CapabilityBoundingSet=
AmbientCapabilities=
ReadOnlyPaths=/srv/app/logs /var/log/nginx
MemoryMax=96M
CPUQuota=10%
StandardOutput=journal
StandardError=journal
SyslogIdentifier=personas-agent

[Install]
WantedBy=multi-user.target
`);
  });

  it("uses the given node binary, flags, paths and unit name", () => {
    const unit = renderAgentUnit({
      agentPath: "/opt/a.cjs",
      config: { version: 1, metrics: [] },
      nodePath: "/usr/local/bin/node",
      nodeFlags: [],
      configPath: "/etc/a.json",
      unitName: "agent-a",
    });

    expect(unit).toContain("ExecStart=/usr/local/bin/node  /opt/a.cjs --config /etc/a.json\n");
    expect(unit).toContain("SyslogIdentifier=agent-a\n");
    expect(unit).not.toContain("ReadOnlyPaths=");
    expect(unit).not.toContain("setfacl");
    expect(unit).not.toContain("SupplementaryGroups");
  });

  it("refuses a log path that could break out of its unit line, naming the path", () => {
    const act = () =>
      renderAgentUnit({
        agentPath: "/opt/a.cjs",
        config: {
          version: 1,
          metrics: [],
          logs: { files: [{ name: "x", path: "/var/log/x.log\nExecStartPre=/bin/sh", errorPattern: "E" }] },
        },
      });
    expect(act).toThrow(AgentConfigError);
    expect(act).toThrow(
      'log path "/var/log/x.log\\nExecStartPre=/bin/sh" must be an absolute path of letters, digits and . _ @ + - /',
    );
  });
});

describe("renderAgentInstallScript", () => {
  it("writes the configuration and the unit through quoted heredocs, then enables and starts the agent", () => {
    const script = renderAgentInstallScript({ agentPath: "/opt/personas-agent/personas-agent.cjs", config });
    const lines = script.split("\n");

    expect(lines.slice(0, 5)).toEqual([
      "# pulumi-personas telemetry agent",
      "id -u personas-agent >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin personas-agent",
      "install -d -m 0755 '/etc/personas-agent'",
      "cat > '/etc/personas-agent/config.json' <<'PERSONAS_AGENT_CONFIG'",
      "{",
    ]);
    const configText = script.slice(script.indexOf("{\n"), script.indexOf("\nPERSONAS_AGENT_CONFIG\n"));
    expect(JSON.parse(configText)).toEqual(config);
    expect(script).toContain(
      "cat > /etc/systemd/system/personas-agent.service <<'PERSONAS_AGENT_UNIT'\n[Unit]\n",
    );
    expect(lines.slice(-4)).toEqual([
      "PERSONAS_AGENT_UNIT",
      "systemctl daemon-reload",
      "systemctl enable --now personas-agent.service",
      "",
    ]);
  });
});
