/**
 * A thin client for the three Azure Storage services the runtime uses (a blob read, a queue write
 * and count, table entities), so the bundles carry no storage SDK (the official blob, queue and table
 * SDKs put about 550 kB into each app; docs/runtime-azure.md, "Bundles"). It signs with the
 * account's shared key when given a connection string (local runs, Azurite) and otherwise sends the
 * managed identity's bearer token ("Authorize with Shared Key" and "Authorize access to ... using
 * Microsoft Entra ID", Microsoft Learn). Errors carry the service's `statusCode` and error code,
 * like the SDKs' RestError, so callers test 404 / 409 / 412 the same way.
 */
import { createHmac } from "node:crypto";
import { StateStoreError } from "./errors.js";

/** Blob and Queue service version; Table has its own. */
const BLOB_QUEUE_VERSION = "2021-12-02";
const TABLE_VERSION = "2019-02-02";

export type StorageService = "blob" | "queue" | "table";

/** How requests are authorised. */
export type StorageCredential =
  | { kind: "sharedKey"; account: string; key: Buffer }
  | { kind: "bearer"; token: () => Promise<string> };

/** Where each service is: `https://<account>.<service>.core.windows.net` or Azurite's `http://127.0.0.1:<port>/<account>`. */
export type StorageEndpoints = Record<StorageService, string>;

/** An error answer of a storage service. */
export class StorageRequestError extends StateStoreError {
  readonly statusCode: number;
  readonly storageCode: string;
  constructor(statusCode: number, storageCode: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.storageCode = storageCode;
  }
}

/** Reads `DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;BlobEndpoint=...` (Azurite's or an account's). */
export function parseConnectionString(text: string): {
  endpoints: StorageEndpoints;
  credential: StorageCredential;
} {
  const parts = new Map(
    text
      .split(";")
      .filter((p) => p.includes("="))
      .map((p) => [p.slice(0, p.indexOf("=")).toLowerCase(), p.slice(p.indexOf("=") + 1)] as const),
  );
  const account = parts.get("accountname");
  const key = parts.get("accountkey");
  if (account === undefined || key === undefined) {
    throw new StateStoreError("The storage connection string has no AccountName and AccountKey.");
  }
  const protocol = parts.get("defaultendpointsprotocol") ?? "https";
  const suffix = parts.get("endpointsuffix") ?? "core.windows.net";
  const endpoint = (service: StorageService) =>
    (parts.get(`${service}endpoint`) ?? `${protocol}://${account}.${service}.${suffix}`).replace(/\/$/, "");
  return {
    endpoints: { blob: endpoint("blob"), queue: endpoint("queue"), table: endpoint("table") },
    credential: { kind: "sharedKey", account, key: Buffer.from(key, "base64") },
  };
}

/** One signed request to a storage service. */
export class StorageRestClient {
  constructor(
    readonly endpoints: StorageEndpoints,
    private readonly credential: StorageCredential,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  /** Sends a request; `path` is relative to the service endpoint. Throws {@link StorageRequestError} on 4xx/5xx. */
  async send(
    service: StorageService,
    method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD",
    path: string,
    options: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {},
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const url = new URL(`${this.endpoints[service]}/${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      "x-ms-date": new Date().toUTCString(),
      "x-ms-version": service === "table" ? TABLE_VERSION : BLOB_QUEUE_VERSION,
      ...options.headers,
    };
    const body = options.body === undefined ? undefined : Buffer.from(options.body, "utf8");
    if (body !== undefined) headers["content-length"] = String(body.length);
    headers.authorization = await this.authorization(service, method, url, headers);
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(30_000) };
    if (body !== undefined) init.body = body;
    const response = await this.fetchImpl(url, init);
    const text = method === "HEAD" ? "" : await response.text();
    if (response.status >= 400) {
      const code =
        response.headers.get("x-ms-error-code") ??
        /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ??
        (/"code"\s*:\s*"([^"]+)"/.exec(text)?.[1] || `HTTP${response.status}`);
      throw new StorageRequestError(
        response.status,
        code,
        `${method} ${url.pathname} answered ${response.status} ${code}`,
      );
    }
    return { status: response.status, headers: response.headers, text };
  }

  private async authorization(
    service: StorageService,
    method: string,
    url: URL,
    headers: Record<string, string>,
  ): Promise<string> {
    if (this.credential.kind === "bearer") return `Bearer ${await this.credential.token()}`;
    const { account, key } = this.credential;
    const header = (name: string) => headers[name] ?? headers[name.toLowerCase()] ?? "";
    let resource = `/${account}${url.pathname}`;
    let toSign: string;
    if (service === "table") {
      // Table service Shared Key: VERB, Content-MD5, Content-Type, Date, resource (+ ?comp only).
      const comp = url.searchParams.get("comp");
      if (comp !== null) resource += `?comp=${comp}`;
      toSign = [method, "", header("content-type"), header("x-ms-date"), resource].join("\n");
    } else {
      const canonicalHeaders = Object.keys(headers)
        .filter((name) => name.toLowerCase().startsWith("x-ms-"))
        .map((name) => name.toLowerCase())
        .sort()
        .map((name) => `${name}:${header(name).trim()}\n`)
        .join("");
      const params = [...url.searchParams.keys()].map((k) => k.toLowerCase()).sort();
      for (const name of new Set(params)) resource += `\n${name}:${url.searchParams.getAll(name).join(",")}`;
      const length = header("content-length");
      toSign = [
        method,
        "",
        "",
        length === "0" ? "" : length,
        "",
        header("content-type"),
        "",
        "",
        header("if-match"),
        "",
        "",
        "",
        `${canonicalHeaders}${resource}`,
      ].join("\n");
    }
    return `SharedKey ${account}:${createHmac("sha256", key).update(toSign, "utf8").digest("base64")}`;
  }

  /** A blob's text, or undefined when there is none; refuses blobs over `maxBytes`. */
  async readBlob(container: string, name: string, maxBytes: number): Promise<string | undefined> {
    try {
      const { headers, text } = await this.send(
        "blob",
        "GET",
        `${container}/${name.split("/").map(encodeURIComponent).join("/")}`,
      );
      if (Number(headers.get("content-length") ?? text.length) > maxBytes) {
        throw new StateStoreError(`Blob ${container}/${name} is larger than ${maxBytes} bytes.`);
      }
      return text;
    } catch (error) {
      if (error instanceof StorageRequestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Puts a message on a queue (Put Message). */
  async sendMessage(queue: string, text: string): Promise<void> {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    await this.send("queue", "POST", `${queue}/messages`, {
      headers: { "content-type": "application/xml" },
      body: `<QueueMessage><MessageText>${escaped}</MessageText></QueueMessage>`,
    });
  }

  /** The approximate number of messages on a queue (Get Queue Metadata); 0 when the queue does not exist. */
  async approximateMessageCount(queue: string): Promise<number> {
    try {
      const { headers } = await this.send("queue", "GET", queue, { query: { comp: "metadata" } });
      return Number(headers.get("x-ms-approximate-messages-count") ?? "0");
    } catch (error) {
      if (error instanceof StorageRequestError && error.statusCode === 404) return 0;
      throw error;
    }
  }
}

/** An entity as read: its properties, keys and ETag. */
export type TableEntity = Record<string, unknown> & { partitionKey: string; rowKey: string; etag: string };

/**
 * The table operations the state store uses, over {@link StorageRestClient} (Table service REST:
 * Query Entities, Insert Entity → 409 when it exists, Update Entity with `If-Match` → 412 when the
 * ETag is stale, Delete Entity, Insert Or Replace Entity). Keys must already be table-safe (`tableKey`).
 */
export class TableRest {
  constructor(
    private readonly client: StorageRestClient,
    readonly tableName: string,
  ) {}

  private static readonly JSON_HEADERS = {
    accept: "application/json;odata=minimalmetadata",
    "content-type": "application/json",
    dataserviceversion: "3.0;NetFx",
    maxdataserviceversion: "3.0;NetFx",
  };

  private entityPath(partitionKey: string, rowKey: string): string {
    const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
    return `${this.tableName}(PartitionKey=${encodeURIComponent(quote(partitionKey))},RowKey=${encodeURIComponent(quote(rowKey))})`;
  }

  private static toEntity(raw: Record<string, unknown>, etag?: string | null): TableEntity {
    const entity: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith("odata.") || name.includes("@odata.") || name === "Timestamp") continue;
      if (name === "PartitionKey") entity.partitionKey = value;
      else if (name === "RowKey") entity.rowKey = value;
      else entity[name] = value;
    }
    entity.etag = etag ?? (raw["odata.etag"] as string);
    return entity as TableEntity;
  }

  private static body(entity: Record<string, unknown> & { partitionKey: string; rowKey: string }): string {
    const { partitionKey, rowKey, etag: _etag, ...rest } = entity;
    return JSON.stringify({ PartitionKey: partitionKey, RowKey: rowKey, ...rest });
  }

  /** Creates the table (tests and local runs; the components create it in Azure). 409 when it exists is fine. */
  async createTable(): Promise<void> {
    try {
      await this.client.send("table", "POST", "Tables", {
        headers: { ...TableRest.JSON_HEADERS, prefer: "return-no-content" },
        body: JSON.stringify({ TableName: this.tableName }),
      });
    } catch (error) {
      if (!(error instanceof StorageRequestError && error.statusCode === 409)) throw error;
    }
  }

  async getEntity(partitionKey: string, rowKey: string): Promise<TableEntity> {
    const { headers, text } = await this.client.send("table", "GET", this.entityPath(partitionKey, rowKey), {
      headers: { accept: TableRest.JSON_HEADERS.accept },
    });
    return TableRest.toEntity(JSON.parse(text) as Record<string, unknown>, headers.get("etag"));
  }

  async createEntity(
    entity: Record<string, unknown> & { partitionKey: string; rowKey: string },
  ): Promise<void> {
    await this.client.send("table", "POST", this.tableName, {
      headers: { ...TableRest.JSON_HEADERS, prefer: "return-no-content" },
      body: TableRest.body(entity),
    });
  }

  async updateEntity(
    entity: Record<string, unknown> & { partitionKey: string; rowKey: string },
    _mode: "Replace",
    options: { etag: string },
  ): Promise<void> {
    await this.client.send("table", "PUT", this.entityPath(entity.partitionKey, entity.rowKey), {
      headers: { ...TableRest.JSON_HEADERS, "if-match": options.etag },
      body: TableRest.body(entity),
    });
  }

  async upsertEntity(
    entity: Record<string, unknown> & { partitionKey: string; rowKey: string },
    _mode: "Replace",
  ): Promise<void> {
    await this.client.send("table", "PUT", this.entityPath(entity.partitionKey, entity.rowKey), {
      headers: TableRest.JSON_HEADERS,
      body: TableRest.body(entity),
    });
  }

  async deleteEntity(partitionKey: string, rowKey: string, options: { etag?: string } = {}): Promise<void> {
    await this.client.send("table", "DELETE", this.entityPath(partitionKey, rowKey), {
      headers: { accept: TableRest.JSON_HEADERS.accept, "if-match": options.etag ?? "*" },
    });
  }

  /** Entities matching an OData filter, page by page (continuation headers), bounded. */
  async *listEntities(
    options: { queryOptions?: { filter?: string; select?: string[] } } = {},
  ): AsyncGenerator<TableEntity> {
    let next: { pk: string; rk: string } | undefined;
    for (let page = 0; page < 10_000; page++) {
      const query: Record<string, string> = {};
      if (options.queryOptions?.filter) query.$filter = options.queryOptions.filter;
      if (options.queryOptions?.select) query.$select = options.queryOptions.select.join(",");
      if (next) {
        query.NextPartitionKey = next.pk;
        query.NextRowKey = next.rk;
      }
      const { headers, text } = await this.client.send("table", "GET", `${this.tableName}()`, {
        query,
        headers: { accept: TableRest.JSON_HEADERS.accept },
      });
      for (const raw of (JSON.parse(text) as { value?: Record<string, unknown>[] }).value ?? [])
        yield TableRest.toEntity(raw);
      const pk = headers.get("x-ms-continuation-nextpartitionkey");
      if (pk === null) return;
      next = { pk, rk: headers.get("x-ms-continuation-nextrowkey") ?? "" };
    }
  }
}
