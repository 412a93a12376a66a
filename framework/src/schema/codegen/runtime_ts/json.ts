// -------------------------------------------------------------------- json --
// JSON payloads (§8): `toJson(codec, value)` writes the text a sender writes,
// `fromJson(codec, text)` reads what a receiver accepts. The parser below keeps numbers
// as their text (integers are read exactly, never through a binary64) and members in
// order (a field given twice is an error); errors are WireError `invalid-json`.

type Json = null | boolean | string | JsonNumber | Json[] | JsonObject;
class JsonNumber {
  constructor(public text: string) {}
}
class JsonObject {
  constructor(public members: [string, Json][]) {}
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parses JSON text (RFC 8259) at most MAX_DEPTH arrays and objects deep. */
export function parseJson(text: string): Json {
  let pos = 0;
  const fail = (what: string): never => {
    throw new WireError("invalid-json", pos, what);
  };
  const space = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos])) pos++;
  };
  const string = (): string => {
    let out = "";
    pos++;
    for (;;) {
      if (pos >= text.length) fail("an unterminated string");
      const c = text[pos++];
      if (c === '"') return out;
      if (c < " ") fail("a control character in a string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos, pos + 4))) {
        out += String.fromCharCode(parseInt(text.slice(pos, pos + 4), 16));
        pos += 4;
      } else fail("a bad escape");
    }
  };
  const value = (depth: number): Json => {
    space();
    const c = text[pos];
    if (c === "{" || c === "[") {
      if (depth >= MAX_DEPTH) fail(`more than ${MAX_DEPTH} levels`);
      pos++;
      space();
      const close = c === "{" ? "}" : "]";
      const items: Json[] = [];
      const members: [string, Json][] = [];
      if (text[pos] === close) pos++;
      else {
        for (;;) {
          if (c === "{") {
            space();
            if (text[pos] !== '"') fail("a member name expected");
            const name = string();
            space();
            if (text[pos++] !== ":") fail("':' expected");
            members.push([name, value(depth + 1)]);
          } else items.push(value(depth + 1));
          space();
          const next = text[pos++];
          if (next === close) break;
          if (next !== ",") fail(`',' or '${close}' expected`);
        }
      }
      return c === "{" ? new JsonObject(members) : items;
    }
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    JSON_NUMBER.lastIndex = pos;
    const m = JSON_NUMBER.exec(text);
    if (!m) fail("a JSON value expected");
    pos += m![0].length;
    return new JsonNumber(m![0]);
  };
  const v = value(0);
  space();
  if (pos !== text.length) fail("text after the value");
  return v;
}

function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (code < 0x20) {
      const short: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };
      out += short[code] ?? `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += c;
  }
  return out + '"';
}

/** The shortest decimal that reads back as the same float (binary32 for f32), with a
 * `.` or an exponent; NaN and the infinities are `null`. */
function jsonFloat(v: number, single: boolean): string {
  if (!Number.isFinite(v)) return "null";
  let text = String(v);
  if (single) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(v.toPrecision(digits));
      if (Math.fround(candidate) === v) {
        text = String(candidate);
        break;
      }
    }
  }
  if (Object.is(v, -0)) text = "-0";
  return /[.e]/.test(text) ? text : text + ".0";
}

function target(codec: Codec): Codec {
  for (;;) {
    if (codec instanceof Ref) codec = codec.target;
    else if (codec instanceof BoxCodec) codec = codec.inner;
    else return codec;
  }
}

/** How a struct's fields are written: by the schema's field names (`0`, `1`: tuple). */
function shape(codec: StructCodec): "unit" | "newtype" | "tuple" | "named" {
  if (!codec.fields.length) return "unit";
  if (codec.fields.every((f) => /^\d+$/.test(f.wireName))) return codec.fields.length === 1 ? "newtype" : "tuple";
  return "named";
}

function compareValues(a: any, b: any): number {
  if (typeof a === "string" && typeof b === "string") return compareBytes(utf8.encode(a), utf8.encode(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

function jsonKey(codec: Codec, k: any): string {
  const c = target(codec);
  if (c instanceof StringCodec || c instanceof CharCodec) return k;
  if (c instanceof BoolCodec || c instanceof IntCodec) return String(k);
  if (c instanceof FloatCodec) return jsonFloat(k, c.size === 4);
  if (c instanceof OptionCodec && k !== null) return jsonKey(c.inner, c.wrapped ? k.value : k);
  throw new WireError("invalid-value", 0, `a map key of ${c.constructor.name} has no JSON form`);
}

function writeJson(codec: Codec, v: any, out: string[]): void {
  const c = target(codec);
  if (c instanceof BoolCodec) out.push(v ? "true" : "false");
  else if (c instanceof IntCodec) out.push(String(v));
  else if (c instanceof FloatCodec) out.push(jsonFloat(v, c.size === 4));
  else if (c instanceof StringCodec || c instanceof CharCodec) out.push(jsonString(v));
  else if (c instanceof BytesCodec) out.push(`[${Array.from(v as Uint8Array).join(",")}]`);
  else if (c instanceof UnitCodec || c instanceof NeverCodec) out.push("null");
  else if (c instanceof OptionCodec) {
    if (v === null || v === undefined) out.push("null");
    else writeJson(c.inner, c.wrapped ? v.value : v, out);
  } else if (c instanceof SeqCodec || c instanceof ArrayCodec || c instanceof SetCodec || c instanceof TupleCodec) {
    const items: any[] = c instanceof SetCodec ? [...v].sort(compareValues) : v;
    out.push("[");
    items.forEach((item, i) => {
      if (i) out.push(",");
      writeJson(c instanceof TupleCodec ? c.elements[i] : (c as any).element, item, out);
    });
    out.push("]");
  } else if (c instanceof MapCodec) {
    out.push("{");
    [...(v as Map<any, any>)].sort((a, b) => compareValues(a[0], b[0])).forEach(([k, item], i) => {
      if (i) out.push(",");
      out.push(jsonString(jsonKey(c.key, k)) + ":");
      writeJson(c.value, item, out);
    });
    out.push("}");
  } else if (c instanceof StructCodec) writeFields(c, v, out);
  else if (c instanceof EnumCodec) {
    if (v instanceof UnknownVariant) throw new WireError("invalid-value", 0, `an unknown variant of ${c.name} has no JSON form`);
    for (const [cls, variant] of c.variants.values()) {
      if (v.constructor !== cls) continue;
      const name = jsonString(variant.name.split("::").pop()!);
      if (!variant.fields.length) return void out.push(name);
      out.push(`{${name}:`);
      writeFields(variant, v, out);
      return void out.push("}");
    }
    throw new WireError("invalid-value", 0, `not a variant of ${c.name}`);
  } else throw new WireError("invalid-value", 0, `${c.constructor.name} has no JSON form`);
}

function writeFields(codec: StructCodec, v: any, out: string[]): void {
  const s = shape(codec);
  if (s === "unit") return void out.push("null");
  if (s === "newtype") return writeJson(codec.fields[0].codec, v[codec.fields[0].name], out);
  out.push(s === "tuple" ? "[" : "{");
  codec.fields.forEach((f, i) => {
    if (i) out.push(",");
    if (s === "named") out.push(jsonString(f.wireName) + ":");
    writeJson(f.codec, v[f.name], out);
  });
  out.push(s === "tuple" ? "]" : "}");
}

/** The JSON text of `value` (§8), compact. */
export function toJson<T>(codec: Codec<T>, value: T): string {
  const out: string[] = [];
  writeJson(codec, value, out);
  return out.join("");
}

const jsonError = (detail: string, path: string) => new WireError("invalid-json", 0, detail, path);
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function readInt(c: IntCodec, text: string, path: string): number | bigint {
  if (!INTEGER.test(text)) throw jsonError(`expected an integer, found ${text}`, path);
  const v = BigInt(text);
  if (v < c.lo || v > c.hi) throw jsonError(`${text} does not fit ${c.signed ? "i" : "u"}${c.bits}`, path);
  return c.big ? v : Number(v);
}

function readKey(codec: Codec, text: string, path: string): any {
  const c = target(codec);
  if (c instanceof StringCodec) return text;
  if (c instanceof CharCodec && [...text].length === 1) return text;
  if (c instanceof BoolCodec && (text === "true" || text === "false")) return text === "true";
  if (c instanceof IntCodec) return readInt(c, text, path);
  if (c instanceof FloatCodec && JSON_NUMBER.test(text)) return Number(text);
  if (c instanceof OptionCodec) {
    const inner = readKey(c.inner, text, path);
    return c.wrapped ? new Some(inner) : inner;
  }
  throw jsonError(`the map key ${JSON.stringify(text)} does not read as ${c.constructor.name}`, path);
}

function readJson(codec: Codec, j: Json, path: string): any {
  const c = target(codec);
  if (c instanceof BoolCodec) {
    if (typeof j !== "boolean") throw jsonError("expected true or false", path);
    return j;
  }
  if (c instanceof IntCodec) {
    if (!(j instanceof JsonNumber)) throw jsonError("expected an integer", path);
    return readInt(c, j.text, path);
  }
  if (c instanceof FloatCodec) {
    if (!(j instanceof JsonNumber)) throw jsonError("expected a number", path);
    return c.size === 4 ? Math.fround(Number(j.text)) : Number(j.text);
  }
  if (c instanceof StringCodec) {
    if (typeof j !== "string") throw jsonError("expected a string", path);
    return j;
  }
  if (c instanceof CharCodec) {
    if (typeof j !== "string" || [...j].length !== 1) throw jsonError("expected a one-character string", path);
    return j;
  }
  if (c instanceof BytesCodec) {
    if (!Array.isArray(j) || !j.every((b) => b instanceof JsonNumber && /^(?:0|[1-9][0-9]{0,2})$/.test(b.text) && Number(b.text) <= 255)) {
      throw jsonError("expected an array of numbers 0-255", path);
    }
    return Uint8Array.from(j as JsonNumber[], (b) => Number(b.text));
  }
  if (c instanceof UnitCodec) {
    if (j !== null) throw jsonError("expected null", path);
    return null;
  }
  if (c instanceof OptionCodec) {
    if (j === null) return null;
    const inner = readJson(c.inner, j, path);
    return c.wrapped ? new Some(inner) : inner;
  }
  if (c instanceof SeqCodec || c instanceof ArrayCodec || c instanceof SetCodec || c instanceof TupleCodec) {
    if (!Array.isArray(j)) throw jsonError("expected an array", path);
    const n = c instanceof TupleCodec ? c.elements.length : c instanceof ArrayCodec ? c.n : j.length;
    if (j.length !== n) throw jsonError(`${j.length} elements where ${n} are expected`, path);
    const items = j.map((x, i) => readJson(c instanceof TupleCodec ? c.elements[i] : (c as any).element, x, `${path}[${i}]`));
    if (!(c instanceof SetCodec)) return items;
    // a set is an array in canonical order (§4.7), whatever order the text has
    const keyed = items.map((item) => [encoded(c.element, item), item] as const).sort((a, b) => compareBytes(a[0], b[0]));
    return keyed.filter((e, i) => i === 0 || compareBytes(e[0], keyed[i - 1][0]) !== 0).map((e) => e[1]);
  }
  if (c instanceof MapCodec) {
    if (!(j instanceof JsonObject)) throw jsonError("expected an object", path);
    const map = new Map();
    for (const [k, x] of j.members) map.set(readKey(c.key, k, path), readJson(c.value, x, `${path}.${k}`)); // the last one wins
    return map;
  }
  if (c instanceof StructCodec) return readFields(c, j, path || c.name);
  if (c instanceof EnumCodec) {
    let name: string, body: Json = null, unit: boolean;
    if (typeof j === "string") [name, unit] = [j, true];
    else if (j instanceof JsonObject && j.members.length === 1) [[name, body], unit] = [j.members[0], false];
    else throw jsonError(`expected a variant of ${c.name}`, path);
    for (const [, variant] of c.variants.values()) {
      if (variant.name.split("::").pop() !== name) continue;
      if (!variant.fields.length && (unit || body === null)) return variant.defaultValue();
      if (unit) throw jsonError(`${variant.name} has fields`, path);
      return readFields(variant, body, variant.name);
    }
    throw jsonError(`${c.name} has no variant ${JSON.stringify(name)}`, path);
  }
  throw jsonError(`${c.constructor.name} has no JSON form`, path);
}

function readFields(codec: StructCodec, j: Json, path: string): any {
  const s = shape(codec);
  const values: Record<string, unknown> = {};
  if (s === "unit") {
    if (j !== null) throw jsonError("expected null", path);
  } else if (s === "newtype") {
    values[codec.fields[0].name] = readJson(codec.fields[0].codec, j, path);
  } else if (s === "tuple") {
    if (!Array.isArray(j) || j.length !== codec.fields.length) throw jsonError(`expected an array of ${codec.fields.length}`, path);
    codec.fields.forEach((f, i) => (values[f.name] = readJson(f.codec, j[i], `${path}.${f.wireName}`)));
  } else {
    if (!(j instanceof JsonObject)) throw jsonError("expected an object", path);
    const given = new Map<string, Json>();
    for (const [k, x] of j.members) {
      if (given.has(k)) throw jsonError(`the field "${k}" is given twice`, path);
      given.set(k, x);
    }
    for (const f of codec.fields) {
      if (given.has(f.wireName)) values[f.name] = readJson(f.codec, given.get(f.wireName)!, `${path}.${f.wireName}`);
      else if (target(f.codec) instanceof OptionCodec) values[f.name] = null;
      else throw jsonError(`the field "${f.wireName}" is missing`, path);
    }
  }
  if (codec.unknown) values[codec.unknown] = new Uint8Array(0);
  return codec.make(values);
}

/** Reads a JSON payload (§8) as a value of `codec`'s type. */
export function fromJson<T>(codec: Codec<T>, text: string | Uint8Array): T {
  let source: string;
  if (typeof text === "string") source = text;
  else {
    try {
      source = utf8Strict.decode(text);
    } catch {
      throw new WireError("invalid-utf8", firstInvalidUtf8(text), "invalid UTF-8");
    }
  }
  return readJson(codec, parseJson(source), "");
}
