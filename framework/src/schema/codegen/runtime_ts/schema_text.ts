// ------------------------------------------------------------- schema text --
// The schema text (§13.2) read back as `wirewright::schema::parse` reads it, for HELLO's
// judgement (§13.6).

/** Types nested deeper than this in a schema text are refused (§13.6). */
export const MAX_TYPE_DEPTH = 64;

/** A type of a schema text: `kind` is a builtin's word (`bool`, `string`, ...), `int`
 * and `fixed` (`name` the integer: `u16`), `seq`/`set`/`option` (`of`), `array` (`of`,
 * `len`), `map` (`key`, `value`), `tuple` (`elements`), `named` (`name` the definition),
 * `with`/`opaque` (`name` the path). */
export interface SchemaType {
  kind: string;
  name?: string;
  of?: SchemaType;
  len?: bigint;
  key?: SchemaType;
  value?: SchemaType;
  elements?: SchemaType[];
}

/** A struct's or variant's fields ([name, type, since] each) and its unknown field. */
export interface SchemaFields {
  fields: [string, SchemaType, number][];
  unknown: string | null;
}

/** A definition of a schema text: a struct (`fields`), an enum (`variants`: tagged ones
 * with their tag, name and fields, or the catch-all `other`) or a protocol (`messages`). */
export interface SchemaDefinition {
  name: string;
  evolvable: boolean;
  id: number | null;
  kind: "struct" | "enum" | "protocol";
  fields: SchemaFields;
  variants: ({ tag: number; name: string; fields: SchemaFields } | { other: string })[];
  messages: { id: number; variant: string; ty: SchemaType }[];
}

/** A schema read from its text: the root type and the definitions by name. */
export interface ParsedSchema {
  root: SchemaType;
  definitions: Map<string, SchemaDefinition>;
}

/** A schema text that does not follow §13.2: the line (from 1), what the grammar
 * expected there and what the line holds. */
export class SchemaTextError extends Error {
  constructor(public line: number, public expected: string, public found: string) {
    super(`schema text, line ${line}: expected ${expected}, found \`${found}\``);
    this.name = "SchemaTextError";
  }
}

const INT_BITS: Record<string, number> = { u8: 8, i8: 8, u16: 16, u32: 32, u64: 64, u128: 128, i16: 16, i32: 32, i64: 64, i128: 128 };
const SIMPLE = new Set(["bool", "f32", "f64", "char", "string", "bytes", "unit", "never"]);
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A type as the schema text writes it (canonical: equal texts, equal types). */
export function typeText(ty: SchemaType): string {
  switch (ty.kind) {
    case "int":
    case "named":
      return ty.name!;
    case "fixed":
    case "with":
    case "opaque":
      return `${ty.kind} ${ty.name}`;
    case "seq":
    case "set":
    case "option":
      return `${ty.kind}<${typeText(ty.of!)}>`;
    case "array":
      return `array<${typeText(ty.of!)}, ${ty.len}>`;
    case "map":
      return `map<${typeText(ty.key!)}, ${typeText(ty.value!)}>`;
    case "tuple": {
      const inner = ty.elements!.map(typeText).join(", ");
      return ty.elements!.length === 1 ? `(${inner},)` : `(${inner})`;
    }
    default:
      return ty.kind;
  }
}

const sameType = (a: SchemaType, b: SchemaType) => typeText(a) === typeText(b);

function decimal(line: number, text: string, expected: string, bits: number): number {
  if (!DECIMAL.test(text) || BigInt(text) >> BigInt(bits) !== 0n) throw new SchemaTextError(line, expected, text);
  return Number(text);
}

const isIdent = (text: string) => /^[\p{L}\p{N}_#]+$/u.test(text);

function ident(line: number, text: string): string {
  if (!isIdent(text)) throw new SchemaTextError(line, "a name", text);
  return text;
}

function punct(line: number, text: string, prefix: string): string {
  if (!text.startsWith(prefix)) throw new SchemaTextError(line, prefix, text);
  return text.slice(prefix.length);
}

/** Text up to the first `,`, `>`, `)` or space outside brackets. */
function balanced(line: number, text: string): [string, string] {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const c = text[index];
    if ("<([".includes(c)) depth++;
    else if (">)]".includes(c) && depth > 0) depth--;
    else if (",>) ".includes(c) && depth === 0) {
      if (index === 0) throw new SchemaTextError(line, "a name", text);
      return [text.slice(0, index), text.slice(index)];
    }
  }
  if (depth) throw new SchemaTextError(line, "balanced brackets", text);
  if (!text) throw new SchemaTextError(line, "a name", text);
  return [text, ""];
}

/** Reads one type from the start of `text`; returns it and the rest. */
function readType(line: number, text: string, depth = 0): [SchemaType, string] {
  if (depth >= MAX_TYPE_DEPTH) throw new SchemaTextError(line, "types nested at most 64 deep", text.slice(0, 40));
  const stop = text.search(/[<>,() ]/);
  const end = stop < 0 ? text.length : stop;
  const word = text.slice(0, end);
  let rest = text.slice(end);
  if (word in INT_BITS) return [{ kind: "int", name: word }, rest];
  if (SIMPLE.has(word)) return [{ kind: word }, rest];
  const inner = (rest: string) => readType(line, punct(line, rest, "<"), depth + 1);
  if (word === "fixed") {
    if (!rest.startsWith(" ")) throw new SchemaTextError(line, "` ` and an integer type", rest);
    const [ty, after] = readType(line, rest.slice(1), depth + 1);
    if (ty.kind !== "int" || ty.name === "u8" || ty.name === "i8") {
      throw new SchemaTextError(line, "an integer type wider than 8 bits after `fixed`", rest.slice(1));
    }
    return [{ kind: "fixed", name: ty.name }, after];
  }
  if (word === "seq" || word === "set" || word === "option") {
    const [of, after] = inner(rest);
    rest = punct(line, after, ">");
    if (word === "seq" && of.kind === "int" && of.name === "u8") throw new SchemaTextError(line, "`bytes` for a sequence of u8", text);
    return [{ kind: word, of }, rest];
  }
  if (word === "map") {
    const [key, after] = inner(rest);
    const [value, last] = readType(line, punct(line, after, ", "), depth + 1);
    return [{ kind: "map", key, value }, punct(line, last, ">")];
  }
  if (word === "array") {
    const [of, after] = inner(rest);
    rest = punct(line, after, ", ");
    const close = rest.indexOf(">");
    if (close < 0) throw new SchemaTextError(line, "`>`", rest);
    decimal(line, rest.slice(0, close), "an array length", 64);
    return [{ kind: "array", of, len: BigInt(rest.slice(0, close)) }, rest.slice(close + 1)];
  }
  if (word === "with" || word === "opaque") {
    if (!rest.startsWith(" ")) throw new SchemaTextError(line, "` ` and a path", rest);
    const [path, after] = balanced(line, rest.slice(1));
    return [{ kind: word, name: path }, after];
  }
  if (word === "" && rest.startsWith("(")) {
    const elements: SchemaType[] = [];
    rest = rest.slice(1);
    for (;;) {
      const [element, after] = readType(line, rest, depth + 1);
      elements.push(element);
      if (after.startsWith(", ")) {
        rest = after.slice(2);
      } else if (after.startsWith(",)")) {
        if (elements.length !== 1) throw new SchemaTextError(line, "`)` (only a 1-tuple ends with `,)`)", after.slice(2));
        return [{ kind: "tuple", elements }, after.slice(2)];
      } else if (after.startsWith(")")) {
        if (elements.length === 1) throw new SchemaTextError(line, "`,)` after the element of a 1-tuple", after.slice(1));
        return [{ kind: "tuple", elements }, after.slice(1)];
      } else {
        throw new SchemaTextError(line, "`, ` or `)`", after);
      }
    }
  }
  if (word === "") throw new SchemaTextError(line, "a type", text);
  if (!word.split("::").every(isIdent)) throw new SchemaTextError(line, "a name", word);
  if (rest.startsWith("<")) {
    const [args, after] = balanced(line, rest);
    return [{ kind: "named", name: word + args }, after];
  }
  return [{ kind: "named", name: word }, rest];
}

function wholeType(line: number, text: string): SchemaType {
  const [ty, rest] = readType(line, text);
  if (rest) throw new SchemaTextError(line, "the end of the type", rest);
  return ty;
}

function fieldLine(line: number, item: string, fields: SchemaFields): void {
  if (fields.unknown !== null) throw new SchemaTextError(line, "nothing after the `unknown` field", item);
  if (item.startsWith("unknown ")) {
    fields.unknown = ident(line, item.slice(8));
    return;
  }
  if (!item.startsWith("field ")) throw new SchemaTextError(line, "`field NAME: TYPE` or `unknown NAME`", item);
  const colon = item.indexOf(": ", 6);
  if (colon < 0) throw new SchemaTextError(line, "`field NAME: TYPE`", item);
  const [ty, rest] = readType(line, item.slice(colon + 2));
  let since = 1;
  if (rest.startsWith(" since ")) {
    since = decimal(line, rest.slice(7), "a revision", 32);
    if (since < 2) throw new SchemaTextError(line, "a revision of 2 or more (1 is not written)", item);
  } else if (rest) {
    throw new SchemaTextError(line, "the end of the line or ` since N`", rest);
  }
  fields.fields.push([ident(line, item.slice(6, colon)), ty, since]);
}

function definitionHeader(line: number, text: string): SchemaDefinition {
  const expected = "`[evolvable] struct|enum NAME [id N]` or `protocol NAME`";
  const evolvable = text.startsWith("evolvable ");
  let rest = evolvable ? text.slice(10) : text;
  const space = rest.indexOf(" ");
  if (space < 0) throw new SchemaTextError(line, expected, text);
  const keyword = rest.slice(0, space);
  rest = rest.slice(space + 1);
  let name = rest;
  let id: number | null = null;
  const at = rest.lastIndexOf(" id ");
  if (keyword !== "protocol" && at >= 0) {
    name = rest.slice(0, at);
    id = decimal(line, rest.slice(at + 4), "a message id (0 to 65535)", 16);
  }
  const [ty, after] = readType(line, name);
  if (ty.kind !== "named" || after) throw new SchemaTextError(line, "a definition name", name);
  if (!(keyword === "struct" || keyword === "enum" || (keyword === "protocol" && !evolvable))) {
    throw new SchemaTextError(line, expected, text);
  }
  return { name: ty.name!, evolvable, id, kind: keyword, fields: { fields: [], unknown: null }, variants: [], messages: [] };
}

/** Reads a schema from its text form (§13.2, canonical form only), as the Rust
 * `wirewright::schema::parse` does; throws SchemaTextError. The text may be hostile (a
 * peer's HELLO): the work is linear in its length, types nest at most 64 deep. */
export function parseSchema(text: string): ParsedSchema {
  const lines = text.split("\n");
  const count = lines.length;
  let at = 0;
  const take = (): [number, string] => {
    const line = at < count ? lines[at] : "";
    at++;
    return [at, line];
  };
  let [number, line] = take();
  if (line !== "wirewright schema 1") throw new SchemaTextError(number, "the header `wirewright schema 1`", line);
  [number, line] = take();
  if (!line.startsWith("root ")) throw new SchemaTextError(number, "`root TYPE`", line);
  const root = wholeType(number, line.slice(5));
  const definitions = new Map<string, SchemaDefinition>();
  let last: Uint8Array | null = null;
  while (!(at === count - 1 && lines[at] === "")) {
    [number, line] = take();
    if (at >= count) throw new SchemaTextError(number, "a newline at the end", line);
    if (line) throw new SchemaTextError(number, "an empty line before a definition", line);
    [number, line] = take();
    const def = definitionHeader(number, line);
    const name = utf8.encode(def.name);
    if (last !== null && compareBytes(last, name) >= 0) throw new SchemaTextError(number, "definitions sorted by name, each once", line);
    last = name;
    while (at < count && lines[at]) {
      [number, line] = take();
      if (def.kind === "struct") {
        if (!line.startsWith("  ")) throw new SchemaTextError(number, "a field, indented by 2", line);
        fieldLine(number, line.slice(2), def.fields);
      } else if (def.kind === "protocol") {
        if (!line.startsWith("  message ")) throw new SchemaTextError(number, "`  message ID VARIANT: TYPE`", line);
        const item = line.slice(10);
        const space = item.indexOf(" ");
        if (space < 0) throw new SchemaTextError(number, "`message ID VARIANT: TYPE`", item);
        const id = decimal(number, item.slice(0, space), "a message id", 16);
        const rest = item.slice(space + 1);
        const colon = rest.indexOf(": ");
        if (colon < 0) throw new SchemaTextError(number, "`VARIANT: TYPE`", rest);
        def.messages.push({ id, variant: ident(number, rest.slice(0, colon)), ty: wholeType(number, rest.slice(colon + 2)) });
      } else if (line.startsWith("    ")) {
        const variant = def.variants[def.variants.length - 1];
        if (!variant || !("tag" in variant)) throw new SchemaTextError(number, "a variant before its fields", line);
        fieldLine(number, line.slice(4), variant.fields);
      } else if (line.startsWith("  variant ")) {
        const rest = line.slice(10);
        const space = rest.indexOf(" ");
        if (space < 0) throw new SchemaTextError(number, "`variant TAG NAME`", line);
        const tag = decimal(number, rest.slice(0, space), "a variant tag", 32);
        def.variants.push({ tag, name: ident(number, rest.slice(space + 1)), fields: { fields: [], unknown: null } });
      } else if (line.startsWith("  other ")) {
        def.variants.push({ other: ident(number, line.slice(8)) });
      } else {
        throw new SchemaTextError(number, "`  variant TAG NAME` or `  other NAME`", line);
      }
    }
    definitions.set(def.name, def);
  }
  return { root, definitions };
}
