// -------------------------------------------------------------- comparison --
// The schema text (§13.2) read back, and two schemas compared by the rules of §13.3: the
// Rust checker (`wirewright::schema::compare`) line for line, so that a HELLO is judged
// here as a Rust peer judges it.

/** Types nested deeper than this in a schema text are refused (§13.6). */
export const MAX_TYPE_DEPTH = 64;
/** Types compared deeper than this (through definitions) are reported as breaking. */
export const MAX_COMPARE_DEPTH = 128;

export const COMPATIBLE = "compatible";
export const NEW_READER_OLD_WRITER = "compatible new reader/old writer";
export const OLD_READER_NEW_WRITER = "compatible old reader/new writer";
export const BREAKING = "breaking";

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

/** One difference between two schemas: its class (§13.3), where (`Say.text`), what
 * changed (`string → bytes`) and why it has that class. */
export class SchemaDifference {
  constructor(public compatibility: string, public path: string, public change: string, public reason: string) {}
  toString(): string {
    return `${this.compatibility}: ${this.path}: ${this.change}: ${this.reason}`;
  }
}

/** Every difference between the schema peers were deployed with (`old`) and a new one,
 * classified by §13.3, in the order the Rust checker finds them. */
export function compareSchemas(old: ParsedSchema, now: ParsedSchema): SchemaDifference[] {
  const differ = new SchemaDiffer(old, now);
  differ.types("", old.root, now.root, true);
  return differ.differences;
}

function frozenFields(schema: ParsedSchema, name: string): [string, SchemaType, number][] | null {
  const def = schema.definitions.get(name);
  return def && !def.evolvable && def.kind === "struct" ? def.fields.fields : null;
}

class SchemaDiffer {
  differences: SchemaDifference[] = [];
  private seen = new Set<string>();
  private depth = 0;
  constructor(private old: ParsedSchema, private now: ParsedSchema) {}

  private push(compatibility: string, path: string, change: string, reason: string): void {
    this.differences.push(new SchemaDifference(compatibility, path, change, reason));
  }

  // ---- two types at one position (§13.3's type rows)

  types(path: string, old: SchemaType, now: SchemaType, endKnown: boolean): void {
    if (this.depth >= MAX_COMPARE_DEPTH) return this.push(BREAKING, path, `${typeText(old)} → ${typeText(now)}`, "nested too deep to compare");
    this.depth++;
    try {
      this.typesAt(path, old, now, endKnown);
    } finally {
      this.depth--;
    }
  }

  private typesAt(path: string, old: SchemaType, now: SchemaType, endKnown: boolean): void {
    const change = `${typeText(old)} → ${typeText(now)}`;
    const a = old.kind, b = now.kind;
    if (a === "named" && b === "named") {
      if (old.name !== now.name) this.push(COMPATIBLE, path, change, "type renamed: names are not on the wire");
      return this.definitions(old.name!, now.name!, endKnown);
    }
    if (a === b && (a === "option" || a === "seq" || a === "set")) return this.types(`${path}[]`, old.of!, now.of!, false);
    if (a === "array" && b === "array" && old.len === now.len) return this.types(`${path}[]`, old.of!, now.of!, false);
    if (a === "map" && b === "map") {
      this.types(`${path}.key`, old.key!, now.key!, false);
      return this.types(`${path}.value`, old.value!, now.value!, false);
    }
    if (a === "tuple" && b === "tuple" && old.elements!.length === now.elements!.length) {
      old.elements!.forEach((x, index) => this.types(`${path}.${index}`, x, now.elements![index], false));
      return;
    }
    if (sameType(old, now)) return;
    if (a === "int" && b === "int") {
      const bitsA = INT_BITS[old.name!], bitsB = INT_BITS[now.name!];
      if (bitsA === 8 || bitsB === 8) {
        return this.push(BREAKING, path, change, bitsA === bitsB ? "the same byte reads as another number" : "u8 and i8 are a raw byte, wider integers a varint");
      }
      if (old.name![0] !== now.name![0]) return this.push(BREAKING, path, change, "signed integers are zigzag varints: 1 is 02, -1 is 01");
      if (bitsB > bitsA) return this.push(NEW_READER_OLD_WRITER, path, change, `old readers reject values wider than ${bitsA} bits (varint overflow)`);
      return this.push(OLD_READER_NEW_WRITER, path, change, `new readers reject old writers' values wider than ${bitsB} bits (varint overflow)`);
    }
    if (a === "fixed" && b === "fixed") {
      return this.push(BREAKING, path, change, `fixed widths differ: ${INT_BITS[old.name!] / 8} bytes vs ${INT_BITS[now.name!] / 8}`);
    }
    if ((a === "int" && b === "fixed") || (a === "fixed" && b === "int")) return this.push(BREAKING, path, change, "fixed ↔ varint: the widths differ");
    if (a === "bool" && b === "int" && now.name![0] === "u") return this.push(NEW_READER_OLD_WRITER, path, change, "old readers reject values other than 0 and 1");
    if (a === "int" && b === "bool" && old.name![0] === "u") {
      return this.push(OLD_READER_NEW_WRITER, path, change, "new readers reject old writers' values other than 0 and 1");
    }
    const wide = ["u32", "u64", "u128"];
    if (a === "char" && b === "int" && wide.includes(now.name!)) {
      return this.push(NEW_READER_OLD_WRITER, path, change, "old readers reject values that are not Unicode scalar values");
    }
    if (a === "int" && b === "char" && wide.includes(old.name!)) {
      return this.push(OLD_READER_NEW_WRITER, path, change, "new readers reject old writers' values that are not Unicode scalar values");
    }
    if ((a === "f32" && b === "f64") || (a === "f64" && b === "f32")) return this.push(BREAKING, path, change, "f32 is 4 bytes, f64 8");
    if (a === "string" && b === "bytes") return this.push(NEW_READER_OLD_WRITER, path, change, "peers with the old definition reject non-UTF-8 text");
    if (a === "bytes" && b === "string") return this.push(OLD_READER_NEW_WRITER, path, change, "new readers reject old writers' bytes that are not UTF-8");
    if ((a === "map" && b === "seq") || (a === "seq" && b === "map")) {
      const toSeq = b === "seq";
      const entry = toSeq ? now.of! : old.of!;
      if (entry.kind === "tuple" && entry.elements!.length === 2) {
        this.sortedChange(path, change, toSeq);
        const [k, v] = toSeq ? [old.key!, old.value!] : [now.key!, now.value!];
        const [ek, ev] = entry.elements!;
        this.types(`${path}.key`, toSeq ? k : ek, toSeq ? ek : k, false);
        return this.types(`${path}.value`, toSeq ? v : ev, toSeq ? ev : v, false);
      }
    }
    if ((a === "set" && b === "seq") || (a === "seq" && b === "set")) {
      this.sortedChange(path, change, b === "seq");
      return this.types(`${path}[]`, old.of!, now.of!, false);
    }
    if ((a === "array" && (b === "seq" || b === "bytes")) || ((a === "seq" || a === "bytes") && b === "array")) {
      return this.push(BREAKING, path, change, "an array has no count");
    }
    if (a === "array" && b === "array") return this.push(BREAKING, path, change, "the lengths differ and an array has no count");
    if ((a === "option" && sameType(old.of!, now)) || (b === "option" && sameType(now.of!, old))) {
      return this.push(BREAKING, path, change, "an option adds a tag byte");
    }
    if (a === "named" || b === "named") {
      const oldIsNamed = a === "named";
      const [name, other] = oldIsNamed ? [old.name!, now] : [now.name!, old];
      const fields = frozenFields(oldIsNamed ? this.old : this.now, name);
      if (fields && other.kind === "tuple" && fields.length === other.elements!.length) {
        this.push(COMPATIBLE, path, change, "a frozen struct is its fields in order");
        fields.forEach((field, index) => {
          const element = other.elements![index];
          this.types(`${path}.${index}`, oldIsNamed ? field[1] : element, oldIsNamed ? element : field[1], false);
        });
        return;
      }
      if (fields && fields.length === 1) {
        this.push(COMPATIBLE, path, change, "a frozen struct is its fields in order");
        return this.types(path, oldIsNamed ? fields[0][1] : other, oldIsNamed ? other : fields[0][1], false);
      }
    }
    this.push(BREAKING, path, change, "the two types are encoded differently");
  }

  private sortedChange(path: string, change: string, toSeq: boolean): void {
    if (toSeq) this.push(NEW_READER_OLD_WRITER, path, change, "old readers reject elements that are not sorted and unique");
    else this.push(OLD_READER_NEW_WRITER, path, change, "new readers reject old writers' elements that are not sorted and unique");
  }

  // ---- two definitions: fields by position, variants by tag, messages by id

  private definitions(oldName: string, newName: string, endKnown: boolean): void {
    const key = JSON.stringify([oldName, newName, endKnown]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const old = this.old.definitions.get(oldName), now = this.now.definitions.get(newName);
    if (!old || !now) return this.push(BREAKING, newName, `${oldName} → ${newName}`, "a definition is missing from the schema");
    const path = now.name;
    if (old.evolvable !== now.evolvable) {
      this.push(BREAKING, path, now.evolvable ? "frozen → evolvable" : "evolvable → frozen", "a block adds its length: the bytes differ");
    }
    if (old.id !== null && now.id !== null && old.id !== now.id) {
      this.push(BREAKING, path, `message id ${old.id} → ${now.id}`, "the header names the message by its id");
    } else if (old.id === null && now.id !== null) {
      this.push(COMPATIBLE, path, `message id ${now.id} given`, "ids matter where a protocol holds the message");
    } else if (old.id !== null && now.id === null) {
      this.push(COMPATIBLE, path, `message id ${old.id} taken away`, "ids matter where a protocol holds the message");
    }
    endKnown = endKnown || (old.evolvable && now.evolvable);
    if (old.kind !== now.kind) return this.push(BREAKING, path, `${old.kind} → ${now.kind}`, "the two types are encoded differently");
    if (old.kind === "struct") this.fields(path, old.fields, now.fields, endKnown, now);
    else if (old.kind === "enum") this.variants(path, old, now);
    else this.messages(path, old.messages, now.messages);
  }

  private fields(prefix: string, old: SchemaFields, now: SchemaFields, endKnown: boolean, def: SchemaDefinition): void {
    if (old.unknown === null && now.unknown !== null) {
      this.push(COMPATIBLE, prefix, `unknown data kept in \`${now.unknown}\``, "the unknown field is not on the wire");
    } else if (old.unknown !== null && now.unknown === null) {
      this.push(COMPATIBLE, prefix, `unknown data no longer kept in \`${old.unknown}\``, "the unknown field is not on the wire");
    }
    // name -> first position, so that a hostile text of thousands of fields costs linear
    // work, not a scan per field
    const firstAt = (fields: SchemaFields["fields"]) => {
      const at = new Map<string, number>();
      fields.forEach((f, i) => at.has(f[0]) || at.set(f[0], i));
      return at;
    };
    const oldAt = firstAt(old.fields), newAt = firstAt(now.fields);
    const moved = new Set<string>();
    const both = Math.min(old.fields.length, now.fields.length);
    for (let index = 0; index < both; index++) {
      const a = old.fields[index], b = now.fields[index];
      if (a[0] === b[0]) {
        this.fieldPair(prefix, a, b, endKnown);
        continue;
      }
      let reordered = false;
      const to = newAt.get(a[0]);
      if (to !== undefined) {
        if (!moved.has(a[0])) {
          moved.add(a[0]);
          this.push(BREAKING, `${prefix}.${a[0]}`, `moved from position ${index} to ${to}`, "fields are read by position");
        }
        reordered = true;
      }
      const from = oldAt.get(b[0]);
      if (from !== undefined) {
        if (!moved.has(b[0])) {
          moved.add(b[0]);
          this.push(BREAKING, `${prefix}.${b[0]}`, `moved from position ${from} to ${index}`, "fields are read by position");
        }
        reordered = true;
      }
      if (!reordered) {
        this.push(COMPATIBLE, `${prefix}.${a[0]}`, `renamed to ${b[0]}`, "names are not on the wire");
        this.fieldPair(prefix, a, b, endKnown);
      }
    }
    const frozenReason = def.id !== null
      ? "the type is frozen where it is nested: its bytes have no length, so readers misread what follows"
      : "the type is frozen: its bytes have no length, so readers misread what follows";
    for (const f of now.fields.slice(old.fields.length)) {
      if (moved.has(f[0])) continue;
      const path = `${prefix}.${f[0]}`;
      if (!endKnown) this.push(BREAKING, path, "appended", frozenReason);
      else if (f[2] <= 1) this.push(BREAKING, path, "appended without `since`", "new readers reject what old writers wrote, which ends before it");
      else this.push(COMPATIBLE, path, `appended in revision ${f[2]}`, "old readers skip it; new readers fill its default for old writers");
    }
    for (const f of old.fields.slice(now.fields.length)) {
      if (moved.has(f[0])) continue;
      const path = `${prefix}.${f[0]}`;
      if (!endKnown) this.push(BREAKING, path, "removed", frozenReason);
      else if (f[2] <= 1) this.push(BREAKING, path, "removed", "old readers require it (revision 1) and reject what new writers write");
      else this.push(COMPATIBLE, path, `removed (appended in revision ${f[2]})`, "old readers fill its default; never reuse its position");
    }
  }

  private fieldPair(prefix: string, old: SchemaFields["fields"][0], now: SchemaFields["fields"][0], endKnown: boolean): void {
    const path = `${prefix}.${now[0]}`;
    if (old[2] !== now[2]) {
      const reason = endKnown ? "both write the field; only a reader's default differs" : "both write the field in a frozen type";
      this.push(COMPATIBLE, path, `since ${old[2]} → ${now[2]}`, reason);
    }
    this.types(path, old[1], now[1], false);
  }

  private variants(prefix: string, oldDef: SchemaDefinition, newDef: SchemaDefinition): void {
    type Tagged = { tag: number; name: string; fields: SchemaFields };
    const tagged = (def: SchemaDefinition) => def.variants.filter((v): v is Tagged => "tag" in v);
    const catchAll = (def: SchemaDefinition) => {
      const other = def.evolvable ? def.variants.find((v) => "other" in v) : undefined;
      return other && "other" in other ? other.other : null;
    };
    const oldTagged = tagged(oldDef), newTagged = tagged(newDef);
    const oldOther = catchAll(oldDef), newOther = catchAll(newDef);
    if (oldOther === null && newOther !== null) {
      this.push(COMPATIBLE, prefix, `catch-all \`${newOther}\` added`, "new readers keep variants they do not know");
    } else if (oldOther !== null && newOther === null) {
      this.push(COMPATIBLE, prefix, `catch-all \`${oldOther}\` removed`, "new readers reject variants they do not know");
    }
    const endKnown = oldDef.evolvable && newDef.evolvable;
    const retagged = new Set<string>();
    const byTag = new Map<number, Tagged>(), byName = new Map<string, Tagged>();
    for (const v of newTagged) {
      if (!byTag.has(v.tag)) byTag.set(v.tag, v);
      if (!byName.has(v.name)) byName.set(v.name, v);
    }
    const oldTags = new Set(oldTagged.map((v) => v.tag));
    for (const { tag, name, fields } of oldTagged) {
      const path = `${prefix}::${name}`;
      const sameTag = byTag.get(tag);
      const sameName = byName.get(name);
      if (sameTag) {
        if (sameTag.name !== name) this.push(COMPATIBLE, path, `renamed to ${sameTag.name}`, "names are not on the wire");
        this.fields(`${prefix}::${sameTag.name}`, fields, sameTag.fields, endKnown, newDef);
      } else if (sameName) {
        retagged.add(name);
        this.push(BREAKING, path, `tag ${tag} → ${sameName.tag}`, "the tag is the variant");
      } else if (newOther !== null) {
        this.push(COMPATIBLE, path, `removed (tag ${tag})`, `new readers keep it in their catch-all \`${newOther}\``);
      } else {
        this.push(OLD_READER_NEW_WRITER, path, `removed (tag ${tag})`, "new readers reject it from old writers (unknown variant)");
      }
    }
    for (const { tag, name } of newTagged) {
      if (oldTags.has(tag) || retagged.has(name)) continue;
      const path = `${prefix}::${name}`;
      if (oldOther !== null) this.push(COMPATIBLE, path, `added (tag ${tag})`, `old readers keep it in their catch-all \`${oldOther}\``);
      else if (newDef.evolvable) this.push(NEW_READER_OLD_WRITER, path, `added (tag ${tag})`, "old readers without a catch-all reject it (unknown variant)");
      else this.push(NEW_READER_OLD_WRITER, path, `added (tag ${tag})`, "the enum is frozen: old readers reject it (unknown variant)");
    }
  }

  private messages(prefix: string, old: SchemaDefinition["messages"], now: SchemaDefinition["messages"]): void {
    const moved = new Set<number>();
    const oldIds = new Set(old.map((entry) => entry.id));
    const byId = new Map<number, SchemaDefinition["messages"][0]>();
    const freshByType = new Map<string, SchemaDefinition["messages"][0]>(); // ids the old protocol lacks
    for (const m of now) {
      if (!byId.has(m.id)) byId.set(m.id, m);
      const key = typeText(m.ty);
      if (!oldIds.has(m.id) && !freshByType.has(key)) freshByType.set(key, m);
    }
    for (const entry of old) {
      const path = `${prefix}::${entry.variant}`;
      const same = byId.get(entry.id);
      if (same) {
        if (same.variant !== entry.variant) this.push(COMPATIBLE, path, `variant renamed to ${same.variant}`, "names are not on the wire");
        this.types(`${prefix}::${same.variant}`, entry.ty, same.ty, true);
        continue;
      }
      const movedTo = freshByType.get(typeText(entry.ty));
      if (movedTo) {
        moved.add(movedTo.id);
        this.push(BREAKING, path, `message id ${entry.id} → ${movedTo.id}`, "the header names the message by its id");
      } else {
        this.push(OLD_READER_NEW_WRITER, path, `message ${entry.id} removed`, "new readers reject it from old writers (unknown message type)");
      }
    }
    for (const entry of now) {
      if (oldIds.has(entry.id) || moved.has(entry.id)) continue;
      this.push(NEW_READER_OLD_WRITER, `${prefix}::${entry.variant}`, `message ${entry.id} added`, "old readers reject it (unknown message type; a server answers code 1)");
    }
  }
}
