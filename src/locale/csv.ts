/** A CSV file that cannot be read: names the file and the line. */
export class TranslationFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${message} at ${file}:${line}`);
    this.name = "TranslationFileError";
  }
}

/** One CSV record and the (1-based) line it starts on. */
export interface CsvRow {
  fields: string[];
  line: number;
}

/**
 * Parses CSV in Excel's dialect (comma separated, `"` quoting, `""` for a quote inside a quoted field,
 * quoted fields may span lines). A stray quote or an unterminated quoted field is an error naming the line.
 */
export function parseCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new TranslationFileError("unterminated quoted field", file, start);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        // Only whitespace may follow the closing quote before the separator.
        while (i < n && (text[i] === " " || text[i] === "\t")) i++;
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          throw new TranslationFileError(`unexpected ${JSON.stringify(text[i])} after a quoted field`, file, line);
        }
      } else {
        while (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          if (text[i] === '"') throw new TranslationFileError("quote inside an unquoted field", file, line);
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    }
    if (!(fields.length === 1 && fields[0] === "")) rows.push({ fields, line: start });
  }
  return rows;
}
