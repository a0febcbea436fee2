import mime from "mime-types";

/**
 * The `Content-Type` for a file name: the `mime-types` lookup, with `; charset=UTF-8` for text types
 * (those `mime-types` gives a charset, e.g. `text/*`, JSON, JavaScript); unknown → `application/octet-stream`.
 */
export function contentTypeFor(fileName: string): string {
  const type = mime.lookup(fileName);
  if (!type) return "application/octet-stream";
  return mime.charset(type) ? `${type}; charset=UTF-8` : type;
}
