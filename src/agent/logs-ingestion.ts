/**
 * Publishes the agent's metrics as rows of the Log Analytics custom table {@link AGENT_LOG_TABLE}
 * through the Azure Monitor Logs Ingestion API, so one log search alert rule split by
 * `VmResourceId` watches every VM of a fleet (metric alert rules watch many VMs only for platform
 * metrics). No Azure SDK: the token of the VM's managed identity comes from IMDS, and each request
 * is the documented REST call ("Logs Ingestion API in Azure Monitor", Microsoft Learn,
 * https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview):
 *
 * - `POST {endpoint}/dataCollectionRules/{DCR immutable id}/streams/{stream}?api-version=2023-01-01`;
 * - headers `Authorization: Bearer <token>` whose audience is `https://monitor.azure.com` (Azure
 *   China `https://monitor.azure.cn`, US Government `https://monitor.azure.us`: "Request headers"),
 *   `Content-Type: application/json`, an optional `x-ms-client-request-id` GUID;
 * - the body a UTF-8 JSON array of rows matching the stream's declared columns; success is 204.
 *
 * Limits ("Azure Monitor service limits", "Logs Ingestion API" table,
 * https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#logs-ingestion-api):
 * 1 MB per call "both compressed and uncompressed data" (the agent sends uncompressed bodies of at
 * most 1,000,000 bytes), field values over 64 KB truncated (a row's `Dimensions` is at most ~40 KB:
 * 30 dimensions of 255 + 1,024 characters), 2 GB and 12,000 requests per minute per DCR, both
 * answered with 429 and `Retry-After` (one request per VM and minute: 12,000 VMs per DCR).
 * `TimeGenerated` more than 2 days old or 1 day ahead is replaced by the time received ("Standard
 * columns in Azure Monitor Logs": TimeGenerated), which would put an old value in the current
 * window of an alert, so such rows are dropped, and said so, never sent. Troubleshooting ("Tutorial:
 * Send data to Azure Monitor Logs with Logs ingestion API", "Troubleshooting"): 403 is a missing
 * permission on the DCR "and you might need to wait up to 30 minutes for permissions to propagate";
 * 413 a body over 1 MB; 429 the limits above.
 *
 * Buffering and retries are the {@link PublishQueue}'s; this publisher splits data into calls the
 * API accepts and says whether a failure may succeed later (and after how long).
 */
import { randomUUID } from "node:crypto";
import { AGENT_LOG_INGESTION_ENV, AGENT_LOG_TABLE, type AgentLogRow } from "../plan/agent-log-table.js";
import type { LogsIngestionSettings } from "./config.js";
import { PublishError } from "./errors.js";
import { AzureInstanceMetadata } from "./imds.js";
import { type AgentLogger, jsonLineLogger } from "./logger.js";
import { type MetricDatum, type MetricPublisher, minuteSeries } from "./publisher.js";

/** The documented values this publisher works within (sources in the module comment). */
export const LOGS_INGESTION_LIMITS = {
  /** The API version of the documented REST call. */
  apiVersion: "2023-01-01",
  /** Largest body per call: "1 MB", taken as 10^6 bytes so either reading of MB holds. */
  maxBodyBytes: 1_000_000,
  /** Rows older than this get the time received as `TimeGenerated`, so they are not sent. */
  maxAgeMs: 2 * 86_400_000,
  /** Rows further ahead than this are treated the same way. */
  maxAheadMs: 86_400_000,
  /** How long a new role assignment on the DCR may take to apply; 403 is retried within it. */
  rolePropagationMs: 30 * 60_000,
} as const;

/**
 * Bytes set aside for the VM's resource id in a row until IMDS has told it: an upper bound of its
 * JSON (`/subscriptions/<36>/resourceGroups/<90 characters of up to 4 UTF-8 bytes>/providers/
 * Microsoft.Compute/virtualMachines/<64>` is under 600 bytes).
 */
const RESOURCE_ID_RESERVE_BYTES = 1_024;

/** A VM's resource id as IMDS gives it; the alert rules split by it and the runtime acts on it. */
const VM_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[^/]{1,90}\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]{1,64}$/i;

/** The token audience for an endpoint's cloud ("Logs Ingestion API in Azure Monitor", "Request headers"). */
export function tokenAudience(endpoint: string): string {
  const host = new URL(endpoint).hostname;
  if (host.endsWith(".azure.cn")) return "https://monitor.azure.cn";
  if (host.endsWith(".azure.us")) return "https://monitor.azure.us";
  return "https://monitor.azure.com";
}

/** Options of a {@link LogsIngestionPublisher}: the configured settings and how to reach Azure. */
export interface LogsIngestionPublisherOptions extends Omit<LogsIngestionSettings, "stream"> {
  /** The DCR's input stream. @default AGENT_LOG_TABLE.stream */
  readonly stream?: string;
  /** IMDS, shared with the custom-metrics publisher. @default a new one with the defaults */
  readonly metadata?: AzureInstanceMetadata;
  /** Where the endpoint is really reached (tests: a loopback origin); the audience follows `endpoint`. */
  readonly ingestionOrigin?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Where rows dropped for their age are reported when part of a batch is still sent. @default JSON lines on stdout */
  readonly logger?: AgentLogger;
}

/** The row of a datum merged to its minute; `VmResourceId` is the VM's. */
export function agentLogRow(datum: MetricDatum, vmResourceId: string): AgentLogRow {
  return {
    TimeGenerated: new Date(Math.floor(datum.timestamp.getTime() / 60_000) * 60_000).toISOString(),
    VmResourceId: vmResourceId,
    Namespace: datum.namespace,
    Metric: datum.name,
    Dimensions: datum.dimensions,
    Minimum: datum.statistics.minimum,
    Maximum: datum.statistics.maximum,
    Sum: datum.statistics.sum,
    Count: datum.statistics.sampleCount,
  };
}

/** UTF-8 bytes of a value's JSON. */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** The `Retry-After` header (seconds or an HTTP date) in milliseconds from `now`. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d{1,7}$/.test(text)) return Number(text) * 1000;
  // An HTTP date (IMF-fixdate, RFC 9110), e.g. "Fri, 15 Jan 2027 10:04:00 GMT"; nothing looser.
  if (!/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Writes datums as rows of `PersonasAgentMetrics_CL`: one row per metric, minute and dimension set
 * (10-second datums are merged into their minute, like custom metrics), in calls of at most 1 MB.
 *
 * @example
 * ```ts
 * const publisher = new LogsIngestionPublisher({
 *   endpoint: "https://personas-ab12.westeurope-1.ingest.monitor.azure.com",
 *   dcrImmutableId: "dcr-000a00a000a00000a000000aa000a0aa",
 *   metadata: new AzureInstanceMetadata({ clientId }),
 * });
 * ```
 */
export class LogsIngestionPublisher implements MetricPublisher {
  readonly name = "logs-ingestion";
  private readonly metadata: AzureInstanceMetadata;
  private readonly fetchImpl: typeof fetch;
  private readonly stream: string;
  private readonly audience: string;
  private readonly url: string;
  private readonly logger: AgentLogger;
  private firstAttemptAt: number | undefined;

  constructor(private readonly options: LogsIngestionPublisherOptions) {
    this.metadata = options.metadata ?? new AzureInstanceMetadata();
    this.logger = options.logger ?? jsonLineLogger();
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.stream = options.stream ?? AGENT_LOG_TABLE.stream;
    this.audience = tokenAudience(options.endpoint);
    const origin = (options.ingestionOrigin ?? options.endpoint).replace(/\/$/, "");
    this.url = `${origin}/dataCollectionRules/${encodeURIComponent(options.dcrImmutableId)}/streams/${encodeURIComponent(this.stream)}?api-version=${LOGS_INGESTION_LIMITS.apiVersion}`;
  }

  /**
   * Merges datums into minute rows and splits them into calls whose JSON body stays within
   * {@link LOGS_INGESTION_LIMITS.maxBodyBytes}, in first-seen order. Rows already outside the
   * ingestion window go into batches of their own, which `send` refuses (the queue logs and counts
   * them), so fresh rows are never held back with them.
   */
  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    const now = this.metadata.now();
    const rows = minuteSeries(data, (d) => Object.keys(d.dimensions).sort()).flat();
    const stale = rows.filter((d) => this.outsideWindow(d, now));
    const fresh = stale.length === 0 ? rows : rows.filter((d) => !this.outsideWindow(d, now));
    const idBytes = this.resourceIdBytes();
    const batches: MetricDatum[][] = stale.length > 0 ? [stale] : [];
    let current: MetricDatum[] = [];
    let bytes = 2; // "[" and "]"
    for (const datum of fresh) {
      // The row with an empty resource id, plus the id's bytes and a separating comma.
      const rowBytes = jsonBytes(agentLogRow(datum, "")) + idBytes + 1;
      if (current.length > 0 && bytes + rowBytes > LOGS_INGESTION_LIMITS.maxBodyBytes) {
        batches.push(current);
        current = [];
        bytes = 2;
      }
      current.push(datum);
      bytes += rowBytes;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (batch.length === 0) return;
    const now = this.metadata.now();
    this.firstAttemptAt ??= now;
    const stale = batch.filter((d) => this.outsideWindow(d, now));
    if (stale.length === batch.length) {
      throw new PublishError(
        this.name,
        `${this.what(batch)} ${batch.length === 1 ? "is" : "are"} outside the window Azure Monitor Logs keeps timestamps in (2 days old to 1 day ahead; it would store them as received now), so ${batch.length === 1 ? "it is" : "they are"} dropped.`,
        false,
      );
    }
    const fresh = stale.length === 0 ? batch : batch.filter((d) => !this.outsideWindow(d, now));
    if (stale.length > 0) {
      // Aged while waiting for a retry: said here, since the queue counts the batch as sent.
      const oldest = Math.min(...stale.map((d) => d.timestamp.getTime()));
      this.logger.warn("rows dropped: outside the Logs Ingestion timestamp window", {
        publisher: this.name,
        rows: stale.length,
        oldest: new Date(oldest).toISOString(),
      });
    }
    let resourceId: string;
    let token: string;
    try {
      resourceId = (await this.metadata.compute()).resourceId;
      token = await this.metadata.accessToken(this.audience);
    } catch (cause) {
      // IMDS unreachable or the identity not assigned yet: both may change, so the data is kept.
      throw new PublishError(this.name, `${this.what(fresh)}: ${(cause as Error).message}`, true, { cause });
    }
    if (!VM_RESOURCE_ID.test(resourceId)) {
      throw new PublishError(
        this.name,
        `${this.what(fresh)}: the instance metadata's resourceId ${JSON.stringify(resourceId.slice(0, 300))} is not a virtual machine's resource id, so no alert rule could tell the VM; the rows are dropped.`,
        false,
      );
    }
    const body = JSON.stringify(fresh.map((d) => agentLogRow(d, resourceId)));
    await this.post(fresh, body, token);
  }

  private async post(batch: readonly MetricDatum[], body: string, token: string): Promise<void> {
    const what = this.what(batch);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-ms-client-request-id": randomUUID(),
        },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new PublishError(this.name, `${what}: no answer (${(cause as Error).message})`, true, { cause });
    }
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const status = response.status;
    const detail = serviceError(await response.text().catch(() => ""));
    const failed = `${what} failed (HTTP ${status}${detail})`;
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.metadata.now());
    const later = retryAfterMs === undefined ? {} : { retryAfterMs };
    const dcr = this.options.dcrImmutableId;
    const identity =
      this.metadata.clientId === undefined
        ? "the VM's managed identity"
        : `the VM's identity (client id ${this.metadata.clientId})`;
    switch (true) {
      case status === 400:
        throw new PublishError(
          this.name,
          `${failed}: the rows do not match what the data collection rule ${dcr} expects on stream ${this.stream}. The agent writes the columns of ${AGENT_LOG_TABLE.table} this agent version defines; redeploy the fleet with the same pulumi-personas version so its data collection rule declares the same columns.`,
          false,
        );
      case status === 401:
        this.metadata.forgetToken(this.audience);
        throw new PublishError(
          this.name,
          `${failed}: the token of ${identity} for ${this.audience} was refused; check that the identity is assigned to the VM and belongs to the DCR's tenant.`,
          false,
        );
      case status === 403: {
        const propagating =
          this.metadata.now() - this.firstAttemptAt! < LOGS_INGESTION_LIMITS.rolePropagationMs;
        throw new PublishError(
          this.name,
          `${failed}: ${identity} lacks the role Monitoring Metrics Publisher on the data collection rule ${dcr}; assign it on the DCR (AzurePersonaFleet does). A new assignment can take up to 30 minutes to apply, so the agent retries for its first 30 minutes${propagating ? "" : " and has stopped retrying"}.`,
          propagating,
          later,
        );
      }
      case status === 404:
        throw new PublishError(
          this.name,
          `${failed}: no data collection rule ${dcr} with stream ${this.stream} at ${this.options.endpoint}; check ${AGENT_LOG_INGESTION_ENV.endpoint} and ${AGENT_LOG_INGESTION_ENV.ruleId} in personas-agent.service against the DCR's endpoints.logsIngestion and immutableId.`,
          false,
        );
      case status === 413:
        throw new PublishError(
          this.name,
          `${failed}: the body (${Buffer.byteLength(body, "utf8")} bytes) is over the Logs Ingestion API's 1 MB per call, which the agent's batching should prevent; please report it.`,
          false,
        );
      case status === 429 || status >= 500:
        throw new PublishError(this.name, `${failed}; will retry.`, true, later);
      default:
        throw new PublishError(this.name, `${failed}.`, false);
    }
  }

  private outsideWindow(datum: MetricDatum, now: number): boolean {
    const at = datum.timestamp.getTime();
    return now - at > LOGS_INGESTION_LIMITS.maxAgeMs || at - now > LOGS_INGESTION_LIMITS.maxAheadMs;
  }

  /** The resource id's bytes in a row: exact once IMDS has told it, an upper bound before. */
  private resourceIdBytes(): number {
    const known = this.metadata.knownCompute?.resourceId;
    return known === undefined ? RESOURCE_ID_RESERVE_BYTES : jsonBytes(known) - 2;
  }

  private what(batch: readonly MetricDatum[]): string {
    const first = batch[0]!;
    const rows = batch.length === 1 ? "1 row" : `${batch.length} rows`;
    return `${rows} of ${AGENT_LOG_TABLE.table} (from ${first.namespace}/${first.name} at ${first.timestamp.toISOString()})`;
  }
}

/** The service's `{"error":{"code","message"}}` as `, Code: message` (first 300 characters), if any. */
function serviceError(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    const code = typeof error?.code === "string" ? error.code : "";
    const message = typeof error?.message === "string" ? error.message : "";
    const both = [code, message].filter(Boolean).join(": ");
    return both === "" ? "" : `, ${both.slice(0, 300)}`;
  } catch {
    return text.trim() === "" ? "" : `, ${text.trim().slice(0, 300)}`;
  }
}
