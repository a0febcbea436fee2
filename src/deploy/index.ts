/** Config generators for running Typhoon behind nginx with systemd or supervisord. */
export { nginxConfig, type NginxOptions } from "./nginx.js";
export { systemdUnit, supervisordConfig, type ProcessConfigOptions } from "./process-config.js";
export { parsePorts, parseBackend, parseListen, type Backend } from "./ports.js";
export { DeployConfigError } from "./errors.js";
export { inspecting, type InspectRecord, type ListenRecord } from "./inspect.js";
