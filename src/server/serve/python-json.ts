/**
 * Rewrites the non-standard number tokens Python's `json.dumps` writes (`NaN`, `Infinity`,
 * `-Infinity`; `allow_nan=True` is its default, so MLflow clients send them for missing values)
 * into standard JSON outside strings: `NaN` → `null` (a missing value, as pandas reads it),
 * `±Infinity` → `±1e999`, which `JSON.parse` reads back as ±Infinity for the signature check to
 * refuse with the field's path. Returns `undefined` when the text holds none of them.
 *
 * @example
 * ```ts
 * standardizePythonJson('{"a":NaN,"b":"NaN","c":-Infinity}'); // '{"a":null,"b":"NaN","c":-1e999}'
 * ```
 */
export function standardizePythonJson(text: string): string | undefined {
  let out = "";
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x4e /* N */ && text.startsWith("NaN", i)) {
      out += `${text.slice(from, i)}null`;
      from = i + 3;
      i += 2;
    } else if (c === 0x49 /* I */ && text.startsWith("Infinity", i)) {
      out += `${text.slice(from, i)}1e999`;
      from = i + 8;
      i += 7;
    }
  }
  return from === 0 ? undefined : out + text.slice(from);
}
