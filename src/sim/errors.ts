/** Errors of the simulator, its telemetry readers and the persona test runner. */
import { PersonasError } from "../errors.js";

/** Thrown when a simulation cannot run: bad options, a plan the simulator cannot follow. */
export class SimulationError extends PersonasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_INVALID", message, options);
  }
}

/**
 * Thrown when telemetry (a CSV or JSON time series, or a scenario's parameters) cannot be read.
 * The message names the source, the line or path, what was found and what is expected.
 */
export class TelemetryFormatError extends PersonasError {
  /** Where the problem is: `file:line` for CSV, a JSON path for JSON, the scenario's name. */
  readonly where: string;

  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super("SIM_TELEMETRY_INVALID", `${where}: ${message}`, options);
    this.where = where;
  }
}

/** Thrown when a persona test file is malformed (not when its expectations fail: those are results). */
export class PersonaTestFileError extends PersonasError {
  /** The test file. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super("SIM_TEST_FILE_INVALID", `${file}: ${message}`, options);
    this.file = file;
  }
}
