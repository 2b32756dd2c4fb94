#!/usr/bin/env node
// Bundles the telemetry agent into dist/agent/personas-agent.cjs, the single file the user data
// downloads and systemd runs. Runs after `tsc`, using the compiled bundler in dist/agent.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { bundleAgent } = require("../dist/agent/bundle.js");
const file = await bundleAgent({ outfile: "dist/agent/personas-agent.cjs" });
console.log(`agent bundle: ${file}`);
