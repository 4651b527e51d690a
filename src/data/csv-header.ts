/**
 * The fields of the first record of delimited text (the header), honouring double quotes
 * (`"a,b"` is one field, `""` inside quotes is a quote). Reads only the bytes given, so pass
 * the head of the file.
 *
 * @example
 * ```ts
 * csvHeader(new TextEncoder().encode('id,"name, full",age\n1,x,2\n'), ","); // ["id", "name, full", "age"]
 * ```
 */
export function csvHeader(head: Uint8Array, delimiter: string): string[] {
  const text = new TextDecoder("utf-8").decode(head).replace(/^\uFEFF/, "");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") break;
    else field += ch;
  }
  fields.push(field);
  return fields;
}
