import { describe, expect, it } from "vitest";
import { amzDate, signRequest } from "../../src/agent/sigv4.js";

// The AWS Signature Version 4 test suite's example credentials, time, region and service.
const suite = {
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  scope: { region: "us-east-1", service: "service", date: new Date("2015-08-30T12:36:00Z") },
};

describe("amzDate", () => {
  it("formats the signing time as x-amz-date wants it", () => {
    expect(amzDate(new Date("2015-08-30T12:36:00.123Z"))).toBe("20150830T123600Z");
  });
});

describe("signRequest", () => {
  it("matches the AWS test suite's get-vanilla vector", () => {
    const headers = signRequest(
      { method: "GET", host: "example.amazonaws.com", path: "/", headers: {}, body: "" },
      suite.credentials,
      suite.scope,
    );

    expect(headers).toEqual({
      host: "example.amazonaws.com",
      "x-amz-date": "20150830T123600Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    });
  });

  it("matches the AWS test suite's post-x-www-form-urlencoded vector (a signed body and content type)", () => {
    const headers = signRequest(
      {
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "Param1=value1",
      },
      suite.credentials,
      suite.scope,
    );

    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    );
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("signs the session token of temporary credentials as x-amz-security-token", () => {
    // Prepare: a PutMetricData-shaped request; the expected signature was computed for the same
    // request with @smithy/signature-v4, the AWS SDK's signer.
    const body = "Action=PutMetricData&Version=2010-08-01&Namespace=Personas%2FAgent";

    // Act
    const headers = signRequest(
      {
        method: "POST",
        host: "monitoring.us-east-1.amazonaws.com",
        path: "/",
        headers: {
          "content-type": "application/x-www-form-urlencoded; charset=utf-8",
          // fixture-guard: a payload hash from the SigV4 test vector, not a persona digest
          "x-amz-content-sha256": "2029b7fe86faca29240d1f548850febb3b8d6782c19f8b46230d5a588d0284d4",
        },
        body,
      },
      { ...suite.credentials, sessionToken: "AQoDYXdzEPT//////////wEXAMPLE" },
      { region: "us-east-1", service: "monitoring", date: suite.scope.date },
    );

    // Assess
    expect(headers["x-amz-security-token"]).toBe("AQoDYXdzEPT//////////wEXAMPLE");
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/monitoring/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=7d0231d0b4037665f8577ecf02eff31ff465c019303262567ac2a4aab7b1b28a",
    );
  });
});
