/**
 * A loopback feed server for tests: realistic feeds in every format plus hostile answers (empty,
 * truncated, garbage, 50 MB, slow, a redirect to the metadata service). Binds to 127.0.0.1 only,
 * every stream is bounded, and `close()` ends everything it started.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { have } from "../../support/prerequisites.js";

/** Realistic feeds served by path, all with an ETag and Last-Modified. */
export const FEEDS: Readonly<Record<string, string>> = {
  "/plain.txt": [
    "# example blocklist",
    ...Array.from({ length: 40 }, (_, i) => `185.220.101.${i * 2}`),
    "2a0b:f4c0:bad::/48",
    "",
  ].join("\n"),
  "/shrunk.txt": [
    "# the same list, its IPv4 part cut to a quarter",
    ...Array.from({ length: 10 }, (_, i) => `185.220.101.${i * 2}`),
    "2a0b:f4c0:bad::/48",
  ].join("\n"),
  "/drop.txt": [
    "; Spamhaus DROP List 2025/01/09 - (c) 2025 The Spamhaus Project SLU",
    "1.10.16.0/20 ; SBL256894",
    "1.19.0.0/16 ; SBL434604",
    "2a06:e480::/29 ; SBL301771",
    "",
  ].join("\r\n"),
  "/feodo.csv": [
    "# abuse.ch Feodo Tracker",
    '"first_seen_utc","dst_ip","dst_port"',
    '"2021-01-17 07:30:05","67.213.75.205","443"',
    '"2024-02-11 09:12:00","185.117.90.142","8080"',
    "",
  ].join("\n"),
  "/data.json": JSON.stringify({ data: [{ ip: "185.220.100.44" }, { ip: "2a0b:f4c0::dead:beef" }] }),
  "/garbage.txt":
    "<html><head><title>502 Bad Gateway</title></head>\n<body>\n<h1>502 Bad Gateway</h1>\n</body></html>\n",
  "/empty.txt": "",
  // Hostile lists: the whole internet, and the account's own VPC range next to one real entry.
  "/everything.txt": "0.0.0.0/0\n::/0\n",
  "/own-vpc.txt": "45.60.1.0/24\n185.220.101.9\n185.220.101.11\n",
};

export const ETAG = '"feed-v1"';
export const LAST_MODIFIED = "Thu, 09 Jan 2025 11:37:48 GMT";
export const HUGE_BYTES = 50 * 1024 * 1024;

/** A running pair of loopback servers (https when openssl is available, and http). */
export interface FeedServer {
  /** https://127.0.0.1:PORT, or undefined without openssl. */
  readonly httpsOrigin: string | undefined;
  /** http://127.0.0.1:PORT. */
  readonly httpOrigin: string;
  /** The self-signed certificate (PEM) for 127.0.0.1 and feeds.test, when https runs. */
  readonly cert: string | undefined;
  /** Requests received so far, by path. */
  readonly hits: string[];
  close(): Promise<void>;
}

function makeCertificate(): { key: string; cert: string } | undefined {
  if (!have.openssl) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "feed-cert-"));
  try {
    const result = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=feeds.test",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:feeds.test",
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 },
    );
    if (result.status !== 0)
      throw new Error(
        `openssl could not make the test certificate: ${String(result.stderr ?? result.error)}`,
      );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function handler(hits: string[]): http.RequestListener {
  return (req, res) => {
    const path = req.url ?? "/";
    hits.push(path);
    const body = FEEDS[path];
    if (body !== undefined) {
      if (req.headers["if-none-match"] === ETAG) {
        res.writeHead(304, { ETag: ETAG, "Last-Modified": LAST_MODIFIED }).end();
        return;
      }
      res
        .writeHead(200, { "Content-Type": "text/plain", ETag: ETAG, "Last-Modified": LAST_MODIFIED })
        .end(body);
      return;
    }
    switch (path) {
      case "/truncated.txt": {
        // Promise 100 kB, send 5 kB, then drop the connection.
        res.writeHead(200, { "Content-Length": "100000" });
        res.write("185.220.101.1\n".repeat(400));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case "/huge.txt": {
        // 50 MB of valid lines without a Content-Length, honouring back-pressure.
        res.writeHead(200, { "Content-Type": "text/plain" });
        const chunk = Buffer.from("185.220.101.1\n".repeat(80_000));
        let sent = 0;
        const pump = () => {
          while (sent < HUGE_BYTES && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once("drain", pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case "/huge-declared.txt": {
        res.writeHead(200, { "Content-Length": String(HUGE_BYTES) });
        res.write("185.220.101.1\n");
        setTimeout(() => res.destroy(), 200);
        return;
      }
      case "/slow.txt": {
        // One line every 100 ms, at most 50 lines.
        res.writeHead(200, { "Content-Type": "text/plain" });
        let lines = 0;
        const timer = setInterval(() => {
          if (res.destroyed || lines >= 50) {
            clearInterval(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(`185.220.101.${lines++}\n`);
        }, 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      case "/redirect-metadata":
        res
          .writeHead(302, { Location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" })
          .end();
        return;
      case "/redirect-plain":
        res.writeHead(301, { Location: "/plain.txt" }).end();
        return;
      case "/redirect-loop":
        res.writeHead(302, { Location: "/redirect-loop" }).end();
        return;
      case "/error":
        res.writeHead(503, "Service Unavailable").end("down for maintenance");
        return;
      default:
        res.writeHead(404).end();
    }
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts the servers; call `close()` in `afterAll`. */
export async function startFeedServer(): Promise<FeedServer> {
  const hits: string[] = [];
  const tls = makeCertificate();
  const plain = http.createServer(handler(hits));
  const secure =
    tls === undefined ? undefined : https.createServer({ key: tls.key, cert: tls.cert }, handler(hits));
  const httpPort = await listen(plain);
  const httpsPort = secure === undefined ? undefined : await listen(secure);
  const stop = (server: http.Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    httpsOrigin: httpsPort === undefined ? undefined : `https://127.0.0.1:${httpsPort}`,
    httpOrigin: `http://127.0.0.1:${httpPort}`,
    cert: tls?.cert,
    hits,
    async close() {
      await Promise.all([stop(plain), ...(secure === undefined ? [] : [stop(secure)])]);
    },
  };
}
