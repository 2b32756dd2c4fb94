/**
 * The personas and the mapping as published in S3, kept for the container's life. Each use costs
 * one listing of the repository prefix and one conditional read of the mapping; the personas are
 * read again only when the listing's keys or ETags changed, and the mapping only when its ETag did.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { InputTooLargeError } from "../../../pdl/errors.js";
import { inputLimit } from "../../../pdl/input.js";
import { RemoteRepositoryError } from "../../../repository/errors.js";
import { readObjectText, S3PersonaRepository } from "../../../repository/s3.js";
import { parseMapping } from "../../../resolve/mapping.js";
import { createResolutionContext, type ResolutionContext } from "../../../resolve/resolve.js";
import { MappingUnavailableError } from "./errors.js";

/** Where the repository and the mapping live. */
export interface PublishedSourceOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The repository prefix. @default "personas/" */
  readonly prefix?: string;
  /** The mapping's key. */
  readonly mappingKey: string;
  /** The largest persona object or mapping read, in bytes. @default 1 MiB */
  readonly maxInputBytes?: number;
}

/** Bounds a listing; a prefix with more pages than this is not a persona repository. */
const MAX_PAGES = 100;

/** A resolution context over what is published now, cached while nothing changed. */
export class PublishedSource {
  private readonly repository: S3PersonaRepository;
  private readonly prefix: string;
  private repositoryFingerprint = "";
  private mappingTag = "";
  private mappingText = "";
  private context: ResolutionContext | undefined;
  private contextKey = "";

  constructor(private readonly options: PublishedSourceOptions) {
    this.prefix = options.prefix ?? "personas/";
    this.repository = new S3PersonaRepository({
      client: options.client,
      bucket: options.bucket,
      prefix: this.prefix,
      ...(options.maxInputBytes === undefined ? {} : { maxInputBytes: options.maxInputBytes }),
    });
  }

  /** The S3 repository (reads a shifted-to persona by reference). */
  get remote(): S3PersonaRepository {
    return this.repository;
  }

  /**
   * The resolution context of what is published now.
   * @throws {@link RemoteRepositoryError}, {@link DigestMismatchError}, {@link MappingUnavailableError}, {@link MappingValidationError}.
   */
  async current(): Promise<ResolutionContext> {
    // Both reads at once; the repository's fault is reported first, so the reason is deterministic.
    const [listed, mapping] = await Promise.allSettled([this.fingerprint(), this.refreshMapping()]);
    if (listed.status === "rejected") throw listed.reason;
    if (mapping.status === "rejected") throw mapping.reason;
    const fingerprint = listed.value;
    const key = `${fingerprint}\n${this.mappingTag}`;
    if (this.context !== undefined && key === this.contextKey) return this.context;
    const local =
      fingerprint === this.repositoryFingerprint && this.context
        ? this.context.repository
        : await this.repository.load();
    this.repositoryFingerprint = fingerprint;
    this.context = createResolutionContext(local, parseMapping(this.mappingText, { file: this.mappingUrl }));
    this.contextKey = key;
    return this.context;
  }

  private get mappingUrl(): string {
    return `s3://${this.options.bucket}/${this.options.mappingKey}`;
  }

  private async fingerprint(): Promise<string> {
    const parts: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let output: ListObjectsV2CommandOutput;
      try {
        output = await this.options.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.prefix,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw new RemoteRepositoryError(
          `Cannot list the persona repository s3://${this.options.bucket}/${this.prefix}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      for (const object of output.Contents ?? []) parts.push(`${object.Key}=${object.ETag}`);
      token = output.NextContinuationToken;
      if (token === undefined) return parts.join("\n");
    }
    throw new RemoteRepositoryError(
      `The persona repository s3://${this.options.bucket}/${this.prefix} lists more than ${MAX_PAGES} pages; it is not a persona repository.`,
    );
  }

  private async refreshMapping(): Promise<void> {
    try {
      const output = await this.options.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.options.mappingKey,
          ...(this.mappingTag === "" ? {} : { IfNoneMatch: this.mappingTag }),
        }),
      );
      this.mappingText = await readObjectText(output, this.mappingUrl, inputLimit(this.options));
      this.mappingTag = output.ETag ?? "";
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 304) return;
      if (error instanceof InputTooLargeError) throw error;
      if ((error as Error).name === "NoSuchKey") {
        throw new MappingUnavailableError(
          `The fleet's mapping is not published at ${this.mappingUrl}; publish it there (see docs/orchestrator.md) or set MAPPING_KEY.`,
          { cause: error },
        );
      }
      throw new MappingUnavailableError(
        `Cannot read the fleet's mapping at ${this.mappingUrl}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}
