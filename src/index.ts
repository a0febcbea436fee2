/**
 * Typhoon: Tornado's way of writing web servers, for TypeScript on Node.js.
 * Every public name is exported from here.
 */
import { installSourceMapSupport } from "./util/source-maps.js";

installSourceMapSupport();

// RequestHandler's API is assembled from its parts: each declares and installs its own methods.
import "./web/arguments.js";
import "./auth/handler-api.js";
import "./static/handler-api.js";
import "./template/handler-api.js";

// Core: application, handlers, server
export { Application, type RequestHook, type OutputTransform, type RouteMatch } from "./web/application.js";
export { RequestHandler, type HandlerClass, type ErrorInfo } from "./web/handler.js";
export { ResponseWriter } from "./web/response-writer.js";
export { SUPPORTED_METHODS } from "./web/methods.js";
export { ErrorHandler } from "./web/error-handler.js";
export { URLSpec, url, type HandlerEntry } from "./web/routing.js";
export { resolveSettings, type ApplicationSettings, type ResolvedSettings } from "./web/settings.js";
export { HTTPError, MissingArgumentError, Finish, ConfigurationError } from "./web/errors.js";
export { HTTPServer, resolveServerOptions, type HTTPServerOptions, type ResolvedServerOptions } from "./http/server.js";
export { HTTPServerRequest, type HTTPFile, type Arguments } from "./http/request.js";
export { isValidIp } from "./http/xheaders.js";
export { xhtmlEscape, escape } from "./util/escape.js";
export { Logger, AccessLogger, accessLog, appLog, genLog } from "./log/logger.js";

// options (tornado.options)
export {
  define,
  options,
  parseCommandLine,
  parseConfigFile,
  printHelp,
  addParseCallback,
  OptionParser,
  OptionsError,
  type OptionSpec,
  type OptionType,
  type OptionParserConfig,
  type ParseOptions,
} from "./options/index.js";

// templates, UI modules & locale
export { Template, DEFAULT_NAMESPACE, type TemplateOptions } from "./template/template.js";
export { BaseLoader, Loader, DictLoader, TemplateNotFoundError, type LoaderOptions } from "./template/loader.js";
export { ParseError } from "./template/errors.js";
export { filterWhitespace, type WhitespaceMode } from "./template/whitespace.js";
export { UIModule, TemplateModule, type UIModuleClass, type ModuleHost, type TemplateResources } from "./template/ui-modules.js";
export { loadTranslations, getSupportedLocales, setDefaultLocale, getLocale, formatMessage, Locale, type Translations } from "./locale/locale.js";
export { TranslationFileError } from "./locale/csv.js";
export { parseAcceptLanguage } from "./locale/accept-language.js";
export { urlEscape, jsonEncode, squeeze, linkify, type LinkifyOptions } from "./util/escape.js";
export { LOCALE_NAMES } from "./locale/names.js";

// websocket and async (src/websocket, src/web/sse.ts, src/web/upstream.ts)
export { WebSocketHandler, WebSocketClosedError, type WriteMessageOptions, type WebSocketMessage, type CompressionOptions } from "./websocket/index.js";
export { EventStream, type EventOptions } from "./web/sse.js";
export { fetchUpstream, type FetchUpstreamOptions } from "./web/upstream.js";

// auth (src/auth)
export * from "./auth/index.js";

// production: processes, adapters, deploy configs (src/process, src/adapter, src/deploy)
export {
  taskId,
  startProcesses,
  MultiProcessAutoreloadError,
  ProcessStatusHandler,
  formatStatusTable,
  resolveStartOptions,
  type StartOptions,
  type ResolvedStartOptions,
  type GroupStatus,
  type WorkerStatus,
  type WorkerStats,
} from "./process/index.js";
export { FallbackHandler, fetchApplication, type FallbackListener, type FetchOptions } from "./adapter/index.js";
export {
  nginxConfig,
  systemdUnit,
  supervisordConfig,
  parsePorts,
  parseBackend,
  DeployConfigError,
  type NginxOptions,
  type ProcessConfigOptions,
  type Backend,
} from "./deploy/index.js";

// static files (src/static)
export {
  StaticFileHandler,
  CACHE_MAX_AGE,
  installStaticRoutes,
  makeStaticUrl,
  parseRangeHeader,
  resolveRange,
  contentTypeFor,
  type StaticFileHandlerArgs,
  type StaticUrlOptions,
  type ByteRange,
  type RangeResult,
} from "./static/index.js";

// autoreload (src/autoreload)
/** Tornado's `tornado.autoreload`: `start()`, `watch(path)`, `addReloadHook(fn)`; stands down under `tdev`. */
export * as autoreload from "./autoreload/index.js";
export type { LauncherBridge } from "./autoreload/bridge.js";
