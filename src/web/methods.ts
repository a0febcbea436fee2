/** HTTP methods a handler may implement (others get 405). */
export const SUPPORTED_METHODS = ["GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"] as const;

/** The handler method's name for a supported HTTP method (`GET` → `get`), else undefined. */
export function methodName(method: string): string | undefined {
  // A switch, not a Map: Node hands every request the same interned method string, so each case is a
  // pointer comparison.
  switch (method) {
    case "GET": return "get";
    case "HEAD": return "head";
    case "POST": return "post";
    case "DELETE": return "delete";
    case "PATCH": return "patch";
    case "PUT": return "put";
    case "OPTIONS": return "options";
    default: return undefined;
  }
}
