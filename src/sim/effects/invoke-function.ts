/** Invoke function: what the function does is outside the model; recorded for the timeline. */
import { type ActionEffect, recordedEffect } from "./effect.js";

export const invokeFunctionEffect: ActionEffect = recordedEffect("invoke-function");
