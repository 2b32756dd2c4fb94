/**
 * Publishes the agent's metrics to Azure Monitor as custom metrics of the VM, with the VM's managed
 * identity, without any Azure SDK: the token and the VM's location and resource id come from the
 * instance metadata service (IMDS, `169.254.169.254`, header `Metadata: true`: "Azure Instance
 * Metadata Service" and "How to use managed identities for Azure resources on an Azure VM to acquire
 * an access token", Microsoft Learn), and each request is the custom-metrics REST call
 * (`POST https://<location>.monitoring.azure.com<resource id>/metrics`, "Send custom metrics for an
 * Azure resource to the Azure Monitor metric store by using a REST API"): one metric and minute per
 * request, its dimension combinations as series of min / max / sum / count.
 *
 * Buffering, batching and retries are the {@link PublishQueue}'s, as for CloudWatch: this publisher
 * only splits data into requests Azure accepts and says whether a failure may succeed later.
 */
import { PublishError } from "./errors.js";
import { AzureInstanceMetadata, type AzureInstanceMetadataOptions } from "./imds.js";
import { type MetricDatum, type MetricPublisher, minuteSeries } from "./publisher.js";

/** Documented custom-metric limits ("Custom metrics in Azure Monitor": 10 dimensions per metric). */
export const AZURE_CUSTOM_METRIC_LIMITS = {
  dimensions: 10,
  /** Series per request: a bound of ours that keeps each body small (a few kB). */
  seriesPerRequest: 100,
  /** Timestamps older than this are refused by Azure; older data is dropped, not retried. */
  maxAgeMs: 20 * 60_000,
} as const;

/** Where the publisher asks for tokens and metadata, and how. */
export interface AzureMonitorPublisherOptions extends AzureInstanceMetadataOptions {
  /** The custom-metrics origin for a location. @default `https://<location>.monitoring.azure.com` */
  readonly metricsOrigin?: (location: string) => string;
  /** IMDS, shared with the Logs Ingestion publisher. @default one built from the options above */
  readonly metadata?: AzureInstanceMetadata;
}

/** One custom-metrics request body. */
export interface CustomMetricBody {
  time: string;
  data: {
    baseData: {
      metric: string;
      namespace: string;
      dimNames: string[];
      series: { dimValues: string[]; min: number; max: number; sum: number; count: number }[];
    };
  };
}

/** The request body of one batch (datums of one namespace, metric, minute and dimension names). */
export function customMetricBody(batch: readonly MetricDatum[]): CustomMetricBody {
  const first = batch[0]!;
  const dimNames = Object.keys(first.dimensions).sort().slice(0, AZURE_CUSTOM_METRIC_LIMITS.dimensions);
  return {
    time: minuteOf(first.timestamp).toISOString(),
    data: {
      baseData: {
        metric: first.name,
        namespace: first.namespace,
        dimNames,
        series: batch.map((d) => ({
          dimValues: dimNames.map((n) => d.dimensions[n] ?? ""),
          min: d.statistics.minimum,
          max: d.statistics.maximum,
          sum: d.statistics.sum,
          count: d.statistics.sampleCount,
        })),
      },
    },
  };
}

function minuteOf(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}

/** The token audience of the custom-metrics REST call. */
const METRICS_RESOURCE = "https://monitoring.azure.com/";

export class AzureMonitorPublisher implements MetricPublisher {
  readonly name = "azure-monitor";
  private readonly fetchImpl: typeof fetch;
  private readonly metadata: AzureInstanceMetadata;

  constructor(private readonly options: AzureMonitorPublisherOptions = {}) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.metadata = options.metadata ?? new AzureInstanceMetadata(options);
  }

  /**
   * Groups datums into requests: one per namespace, metric, minute and set of dimension names, at
   * most {@link AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest} series each, in first-seen order. A
   * 10-second datum joins its minute (Azure custom metrics have one-minute resolution); datums of one
   * minute and dimension values are merged.
   */
  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    const batches: MetricDatum[][] = [];
    const groups = minuteSeries(data, (d) =>
      Object.keys(d.dimensions).sort().slice(0, AZURE_CUSTOM_METRIC_LIMITS.dimensions),
    );
    for (const all of groups) {
      for (let i = 0; i < all.length; i += AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest)
        batches.push(all.slice(i, i + AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest));
    }
    return batches;
  }

  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (batch.length === 0) return;
    const first = batch[0]!;
    const what = `custom metric ${first.namespace}/${first.name} (${batch.length} series)`;
    if (this.metadata.now() - first.timestamp.getTime() > AZURE_CUSTOM_METRIC_LIMITS.maxAgeMs) {
      // Azure refuses data older than 20 minutes: retrying can never succeed.
      throw new PublishError(
        this.name,
        `${what} is older than 20 minutes; Azure Monitor refuses it, so it is dropped.`,
        false,
      );
    }
    let instance: { location: string; resourceId: string };
    let token: string;
    try {
      instance = await this.metadata.compute();
      token = await this.metadata.accessToken(METRICS_RESOURCE);
    } catch (cause) {
      // IMDS unreachable or the identity not assigned yet: both may change, so the data is kept.
      throw new PublishError(this.name, `${what}: ${(cause as Error).message}`, true, { cause });
    }
    const origin =
      this.options.metricsOrigin?.(instance.location) ?? `https://${instance.location}.monitoring.azure.com`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${origin}${instance.resourceId}/metrics`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(customMetricBody(batch)),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new PublishError(this.name, `${what}: no answer (${(cause as Error).message})`, true, { cause });
    }
    if (response.ok) return;
    const text = (await response.text()).slice(0, 300);
    if (response.status === 401) this.metadata.forgetToken(METRICS_RESOURCE);
    const retryable = response.status === 401 || response.status === 429 || response.status >= 500;
    throw new PublishError(this.name, `${what} failed (HTTP ${response.status}): ${text}`, retryable);
  }
}
