/**
 * The telemetry agent under its target load, side by side with Prometheus's node exporter in the
 * same run: 10 probe targets (5 TCP, 5 HTTP) and 2 logs growing at 1,000 lines/s each, a 10 s
 * period, publishing to a local moto. The node exporter is scraped at the same period. Reports each
 * process's peak RSS (VmHWM) and its CPU share of one core over the run.
 *
 * PERSONAS_BENCH_AGENT_SECONDS sets the duration (default 600, the issue's 10 minutes),
 * PERSONAS_BENCH_AGENT_NODE_FLAGS the agent's node flags (default the unit's), and
 * PERSONAS_BENCH_AGENT_DRY_RUN=1 prints the section instead of writing it (trial runs).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { bundleAgent } from "../src/agent/bundle.js";
import type { AgentConfigInput } from "../src/agent/config.js";
import { DEFAULT_NODE_FLAGS } from "../src/agent/systemd.js";
import { fmt, machineLine, megabytesInMiB, verdictLine, writeSection } from "./support.js";

const seconds = Number(process.env.PERSONAS_BENCH_AGENT_SECONDS ?? "600");
/** Node flags for the agent, space-separated, to compare settings. @default DEFAULT_NODE_FLAGS */
const nodeFlags =
  process.env.PERSONAS_BENCH_AGENT_NODE_FLAGS?.split(" ").filter(Boolean) ?? DEFAULT_NODE_FLAGS;
/** "1" prints the section instead of writing it into BENCHMARKS.md (trial runs). */
const dryRun = process.env.PERSONAS_BENCH_AGENT_DRY_RUN === "1";
const LINES_PER_SECOND = 1000;
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

interface ProcessSample {
  readonly cpuTicks: number;
  readonly rssKiB: number;
  readonly hwmKiB: number;
  readonly anonKiB: number;
}

function sample(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? "0");
  // Fields after the command name (which may contain spaces): utime is 14th, stime 15th overall.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    rssKiB: field("VmRSS"),
    hwmKiB: field("VmHWM"),
    anonKiB: field("RssAnon"),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createTcpServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within 15 s`);
}

async function main(): Promise<void> {
  const dir = ".cache/bench/agent";
  mkdirSync(dir, { recursive: true });
  const agentFile = await bundleAgent({ outfile: `${dir}/personas-agent.cjs` });

  // Loopback targets: 5 TCP listeners and 5 HTTP servers.
  const tcpServers: TcpServer[] = [];
  const httpServers: Server[] = [];
  const targets: NonNullable<NonNullable<AgentConfigInput["probes"]>["targets"]> = [];
  for (let i = 0; i < 5; i++) {
    const tcp = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    tcpServers.push(tcp);
    targets.push({
      name: `tcp${i}`,
      kind: "tcp",
      host: "127.0.0.1",
      port: (tcp.address() as { port: number }).port,
    });
    const http = createHttpServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    httpServers.push(http);
    targets.push({
      name: `http${i}`,
      kind: "http",
      url: `http://127.0.0.1:${(http.address() as { port: number }).port}/`,
    });
  }

  const logs = [`${process.cwd()}/${dir}/access-a.log`, `${process.cwd()}/${dir}/access-b.log`];
  for (const log of logs) writeFileSync(log, "");

  const motoPort = await freePort();
  const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], { stdio: "ignore" });
  const motoEndpoint = `http://127.0.0.1:${motoPort}`;
  await waitFor(`${motoEndpoint}/moto-api/`);

  // The agent publishes over HTTPS, as it does to CloudWatch: a TLS proxy in front of moto with a
  // throwaway certificate the agent trusts through NODE_EXTRA_CA_CERTS.
  const certificate = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      `${dir}/tls-key.pem`,
      "-out",
      `${dir}/tls-cert.pem`,
    ],
    { stdio: "ignore" },
  );
  const tls = certificate.status === 0;
  let publishEndpoint = motoEndpoint;
  let tlsProxy: Server | undefined;
  if (tls) {
    tlsProxy = createHttpsServer(
      { key: readFileSync(`${dir}/tls-key.pem`), cert: readFileSync(`${dir}/tls-cert.pem`) },
      (req, res) => {
        const upstream = httpRequest(
          `${motoEndpoint}${req.url}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.once("error", () => res.writeHead(502).end());
        req.pipe(upstream);
      },
    );
    await new Promise<void>((r) => tlsProxy!.listen(0, "127.0.0.1", r));
    publishEndpoint = `https://127.0.0.1:${(tlsProxy.address() as { port: number }).port}`;
  }

  const config: AgentConfigInput = {
    version: 1,
    dimensions: { InstanceId: "i-bench", PersonaName: "HighTraffic" },
    probes: { intervalSeconds: 5, targets },
    logs: {
      files: logs.map((path, i) => ({
        name: `log${i}`,
        path,
        requestPattern: 'HTTP/1\\.[01]"',
        errorPattern: '" 5\\d\\d ',
      })),
    },
    metrics: [
      { name: "NetworkLatency", signal: "probe.latency", period: 10 },
      { name: "NetworkLatencyP90", signal: "probe.latencyP90", period: 10 },
      { name: "ProbeFailures", signal: "probe.failures", period: 10 },
      { name: "RequestCount", signal: "log.requests", period: 10 },
      { name: "ErrorCount", signal: "log.errors", period: 10 },
      { name: "ErrorRate", signal: "log.errorRate", period: 10 },
    ],
    publish: { region: "us-east-1", endpoint: publishEndpoint },
  };
  const configFile = `${dir}/config.json`;
  writeFileSync(configFile, JSON.stringify(config));

  const exporterPort = await freePort();
  const hasExporter = spawnSync("prometheus-node-exporter", ["--version"], { stdio: "ignore" }).status === 0;
  const exporter: ChildProcess | undefined = hasExporter
    ? spawn("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${exporterPort}`], {
        stdio: "ignore",
      })
    : undefined;
  if (exporter) await waitFor(`http://127.0.0.1:${exporterPort}/metrics`);

  const agent = spawn(process.execPath, [...nodeFlags, agentFile, "--config", configFile], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_REGION: "us-east-1",
      ...(tls ? { NODE_EXTRA_CA_CERTS: `${dir}/tls-cert.pem` } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let agentOutput = "";
  agent.stdout!.on("data", (chunk: Buffer) => {
    agentOutput += chunk.toString();
  });
  await new Promise((r) => setTimeout(r, 1000));

  // Two logs at 1,000 lines/s each, 2 % of them 5xx. Each tick writes what the elapsed time is owed,
  // so a late timer on a loaded machine does not lower the rate.
  let lineNumber = 0;
  let linesPerLog = 0;
  const writingFrom = process.hrtime.bigint();
  const writeOwedLines = () => {
    const elapsedMs = Number(process.hrtime.bigint() - writingFrom) / 1e6;
    const owed = Math.floor((elapsedMs * LINES_PER_SECOND) / 1000) - linesPerLog;
    if (owed <= 0) return;
    for (const log of logs) {
      let text = "";
      for (let i = 0; i < owed; i++) {
        lineNumber++;
        const status = lineNumber % 50 === 0 ? 503 : 200;
        text += `127.0.0.1 - - [26/Nov/2025:10:00:00 +0000] "GET /item/${lineNumber} HTTP/1.1" ${status} 512 "-" "bench"\n`;
      }
      appendFileSync(log, text);
    }
    linesPerLog += owed;
  };
  const writer = setInterval(writeOwedLines, 100);
  let scrapes = 0;
  const scraper = exporter
    ? setInterval(() => {
        void fetch(`http://127.0.0.1:${exporterPort}/metrics`)
          .then((r) => r.text())
          .then(() => scrapes++);
      }, 10_000)
    : undefined;

  const pids = { agent: agent.pid!, exporter: exporter?.pid };
  const start = { agent: sample(pids.agent), exporter: pids.exporter ? sample(pids.exporter) : undefined };
  const startedAt = process.hrtime.bigint();
  const peakRss = { agent: 0, exporter: 0 };
  const sampler = setInterval(() => {
    peakRss.agent = Math.max(peakRss.agent, sample(pids.agent).rssKiB);
    if (pids.exporter) peakRss.exporter = Math.max(peakRss.exporter, sample(pids.exporter).rssKiB);
  }, 1000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const end = { agent: sample(pids.agent), exporter: pids.exporter ? sample(pids.exporter) : undefined };
  clearInterval(sampler);
  writeOwedLines();
  const writeRate = linesPerLog / (Number(process.hrtime.bigint() - writingFrom) / 1e9);
  clearInterval(writer);
  if (scraper) clearInterval(scraper);

  agent.kill("SIGTERM");
  await new Promise((r) => agent.once("exit", r));
  if (exporter?.pid !== undefined) process.kill(exporter.pid, "SIGTERM");
  if (moto.pid !== undefined) process.kill(moto.pid, "SIGTERM");
  for (const s of [...tcpServers, ...httpServers]) s.close();
  tlsProxy?.close();

  const stopped = agentOutput
    .split("\n")
    .filter((l) => l.includes('"agent stopped"'))
    .map((l) => JSON.parse(l) as { sent: number; dropped: number })[0];
  const share = (a: ProcessSample, b: ProcessSample) =>
    ((b.cpuTicks - a.cpuTicks) / CLOCK_TICKS / wallSeconds) * 100;
  const agentCpu = share(start.agent, end.agent);
  const agentPeak = Math.max(peakRss.agent, end.agent.hwmKiB) / 1024;
  const rows = [
    "| process | peak RSS (MiB) | RSS at end (MiB) | of which anonymous (MiB) | CPU (% of one core) |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| personas agent (node ${nodeFlags.join(" ")}) | ${fmt(agentPeak, 1)} | ${fmt(end.agent.rssKiB / 1024, 1)} | ${fmt(end.agent.anonKiB / 1024, 1)} | ${fmt(agentCpu, 2)} |`,
  ];
  let ratio = "";
  if (start.exporter && end.exporter) {
    const exporterCpu = share(start.exporter, end.exporter);
    const exporterPeak = Math.max(peakRss.exporter, end.exporter.hwmKiB) / 1024;
    rows.push(
      `| prometheus-node-exporter (scraped every 10 s) | ${fmt(exporterPeak, 1)} | ${fmt(end.exporter.rssKiB / 1024, 1)} | ${fmt(end.exporter.anonKiB / 1024, 1)} | ${fmt(exporterCpu, 2)} |`,
    );
    ratio = `Ratios agent / node exporter: peak RSS ${fmt(agentPeak / exporterPeak, 2)}×, CPU ${fmt(agentCpu / Math.max(exporterCpu, 1e-9), 2)}×.`;
  } else {
    rows.push("| prometheus-node-exporter | not installed | | | |");
  }
  const rssBoundMiB = megabytesInMiB(50);
  const verdict = verdictLine([
    {
      what: "agent peak RSS",
      measured: agentPeak,
      bound: rssBoundMiB,
      direction: "atMost",
      unit: "MiB",
      digits: 1,
    },
    { what: "agent CPU, % of one core", measured: agentCpu, bound: 1, direction: "atMost", digits: 2 },
  ]);
  const section = `## Telemetry agent (\`bench/agent.bench.ts\`)

${machineLine()}

${fmt(wallSeconds, 0)} s at a 10 s period: 10 probe targets on loopback (5 TCP, 5 HTTP, a round every 5 s),
2 logs growing at ${fmt(LINES_PER_SECOND)} lines/s each (${fmt(lineNumber)} lines written, ${fmt(writeRate, 0)} lines/s per log), 6 metrics + heartbeat
published to moto ${tls ? "over HTTPS (a TLS proxy in front of it)" : "over plain HTTP (no openssl for a certificate)"} (${stopped ? `${fmt(stopped.sent)} datums sent, ${fmt(stopped.dropped)} dropped` : "agent summary missing"}).
The node exporter ran beside it in the same run${exporter ? `, scraped ${scrapes} times` : ""}.
Target: at most 50 MB (${fmt(rssBoundMiB, 1)} MiB) RSS and 1 % of one core.

${rows.join("\n")}

${verdict}

${ratio}
CPU is the process's user + system time (from \`/proc/PID/stat\`, every thread) over the ${fmt(wallSeconds, 0)} s of wall time.
RSS includes the node binary's own pages (an idle \`node\` is about 40 MiB, of which about 6 MiB
anonymous); the anonymous column is the memory the process itself allocated.`;
  if (dryRun) console.log(section);
  else writeSection("agent", section);
}

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
