/**
 * `personas publish <dir> --bucket B`: publish a persona directory to the S3 repository (layout in
 * docs/repository.md). Versions already there with the same digest are left alone; a version
 * there with other content stops the publish.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { RepositoryError } from "../repository/errors.js";
import { PersonaRepository } from "../repository/repository.js";
import { S3PersonaRepository } from "../repository/s3.js";
import { cliInputLimits } from "./files.js";
import { commandPrefix } from "./help.js";
import type { CommandResult } from "./main.js";

/** Options of {@link publishCommand}. */
export interface PublishOptions {
  /** The persona directory. */
  dir: string;
  /** The bucket (versioning on). */
  bucket: string;
  /** Key prefix. @default "personas/" */
  prefix?: string;
  /** AWS region. @default the SDK's (AWS_REGION, profile) */
  region?: string;
  /** S3 endpoint, for S3-compatible stores and emulators. @default AWS */
  endpoint?: string;
  /** An S3 client to use instead of building one (tests). */
  client?: S3Client;
}

/** Publishes; exit 1 when the directory is invalid, a chain is broken, or a version conflicts. */
export async function publishCommand(options: PublishOptions): Promise<CommandResult> {
  const repository = PersonaRepository.fromDirectory(options.dir, cliInputLimits());
  const problems = repository.check();
  if (problems.length > 0) {
    return {
      exitCode: 1,
      stdout: "",
      stderr: `${problems.map((p) => `${commandPrefix("publish")}: ${p.message}`).join("\n")}\nnothing was published\n`,
    };
  }
  const client =
    options.client ??
    new S3Client({
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    });
  const remote = new S3PersonaRepository({
    client,
    bucket: options.bucket,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  const lines: string[] = [];
  for (const entry of repository.list()) {
    try {
      const [outcome] = await remote.publish([entry]);
      lines.push(
        `${outcome!.status === "published" ? "published" : "unchanged"} ${outcome!.persona} ${outcome!.digest} → ${outcome!.url}${outcome!.versionId ? ` (version ${outcome!.versionId})` : ""}`,
      );
    } catch (error) {
      if (!(error instanceof RepositoryError)) throw error;
      return {
        exitCode: 1,
        stdout: `${lines.join("\n")}${lines.length ? "\n" : ""}`,
        stderr: `${commandPrefix("publish")}: ${error.message}\n`,
      };
    }
  }
  return { exitCode: 0, stdout: `${lines.join("\n")}\n` };
}
