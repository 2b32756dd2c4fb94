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
import type { MetricDatum, MetricPublisher } from "./publisher.js";

/** Documented custom-metric limits ("Custom metrics in Azure Monitor": 10 dimensions per metric). */
export const AZURE_CUSTOM_METRIC_LIMITS = {
  dimensions: 10,
  /** Series per request: a bound of ours that keeps each body small (a few kB). */
  seriesPerRequest: 100,
  /** Timestamps older than this are refused by Azure; older data is dropped, not retried. */
  maxAgeMs: 20 * 60_000,
} as const;

/** Where the publisher asks for tokens and metadata, and how. */
export interface AzureMonitorPublisherOptions {
  /** The IMDS origin. @default "http://169.254.169.254" (tests: a loopback server) */
  readonly imdsOrigin?: string;
  /** The custom-metrics origin for a location. @default `https://<location>.monitoring.azure.com` */
  readonly metricsOrigin?: (location: string) => string;
  /** The client id of the VM's user-assigned identity (the components assign one). */
  readonly clientId?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
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

export class AzureMonitorPublisher implements MetricPublisher {
  readonly name = "azure-monitor";
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private token: { value: string; expiresAt: number } | undefined;
  private instance: { location: string; resourceId: string } | undefined;

  constructor(private readonly options: AzureMonitorPublisherOptions = {}) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /**
   * Groups datums into requests: one per namespace, metric, minute and set of dimension names, at
   * most {@link AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest} series each, in first-seen order. A
   * 10-second datum joins its minute (Azure custom metrics have one-minute resolution); datums of one
   * minute and dimension values are merged.
   */
  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    const groups = new Map<string, Map<string, MetricDatum>>();
    for (const datum of data) {
      const names = Object.keys(datum.dimensions).sort().slice(0, AZURE_CUSTOM_METRIC_LIMITS.dimensions);
      const key = JSON.stringify([datum.namespace, datum.name, minuteOf(datum.timestamp).getTime(), names]);
      const series = groups.get(key) ?? new Map<string, MetricDatum>();
      groups.set(key, series);
      const values = JSON.stringify(names.map((n) => datum.dimensions[n]));
      const seen = series.get(values);
      series.set(
        values,
        seen === undefined
          ? datum
          : {
              ...seen,
              statistics: {
                sampleCount: seen.statistics.sampleCount + datum.statistics.sampleCount,
                sum: seen.statistics.sum + datum.statistics.sum,
                minimum: Math.min(seen.statistics.minimum, datum.statistics.minimum),
                maximum: Math.max(seen.statistics.maximum, datum.statistics.maximum),
              },
            },
      );
    }
    const batches: MetricDatum[][] = [];
    for (const series of groups.values()) {
      const all = [...series.values()];
      for (let i = 0; i < all.length; i += AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest)
        batches.push(all.slice(i, i + AZURE_CUSTOM_METRIC_LIMITS.seriesPerRequest));
    }
    return batches;
  }

  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (batch.length === 0) return;
    const first = batch[0]!;
    const what = `custom metric ${first.namespace}/${first.name} (${batch.length} series)`;
    if (this.now() - first.timestamp.getTime() > AZURE_CUSTOM_METRIC_LIMITS.maxAgeMs) {
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
      instance = await this.instanceMetadata();
      token = await this.accessToken();
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
    if (response.status === 401) this.token = undefined;
    const retryable = response.status === 401 || response.status === 429 || response.status >= 500;
    throw new PublishError(this.name, `${what} failed (HTTP ${response.status}): ${text}`, retryable);
  }

  private async imds(path: string, query: Record<string, string>): Promise<unknown> {
    const url = new URL(`${this.options.imdsOrigin ?? "http://169.254.169.254"}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const response = await this.fetchImpl(url, {
      headers: { Metadata: "true" },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `the instance metadata service answered ${response.status} for ${path}: ${text.slice(0, 200)}`,
      );
    return JSON.parse(text);
  }

  /** The VM's location and resource id, read once. */
  private async instanceMetadata(): Promise<{ location: string; resourceId: string }> {
    if (this.instance) return this.instance;
    const compute = (await this.imds("/metadata/instance/compute", { "api-version": "2021-02-01" })) as {
      location?: string;
      resourceId?: string;
    };
    if (!compute.location || !compute.resourceId)
      throw new Error("the instance metadata has no location or resourceId");
    this.instance = { location: compute.location, resourceId: compute.resourceId };
    return this.instance;
  }

  /** A token for `https://monitoring.azure.com/`, reused until five minutes before it expires. */
  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt - 300_000) return this.token.value;
    const body = (await this.imds("/metadata/identity/oauth2/token", {
      "api-version": "2018-02-01",
      resource: "https://monitoring.azure.com/",
      ...(this.options.clientId ? { client_id: this.options.clientId } : {}),
    })) as { access_token?: string; expires_on?: string };
    if (!body.access_token) throw new Error("the instance metadata service returned no access_token");
    const expiresOn = Number(body.expires_on);
    this.token = {
      value: body.access_token,
      expiresAt: Number.isFinite(expiresOn) ? expiresOn * 1000 : this.now() + 3_600_000,
    };
    return this.token.value;
  }
}
