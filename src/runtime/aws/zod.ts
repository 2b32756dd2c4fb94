/**
 * English messages for the responders' zod/mini schemas (zod/mini configures no locale by itself;
 * classic zod does, at a size a responder cannot afford). Responder modules that validate
 * `import * as z from "zod/mini"` and `import "./zod.js"`.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());
