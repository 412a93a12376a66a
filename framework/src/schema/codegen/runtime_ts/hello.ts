// ------------------------------------------------------------------- hello --

/** HELLO's payload (control kind 4): the schema a peer speaks. `fingerprint` is FNV-1a 64
 * of the schema text (§13.4), `revision` its highest `since` (1 if none), `schema` the
 * text itself (optional: small peers may leave it out). */
export class HelloPayload {
  static codec: StructCodec;
  constructor(public protocol = "", public fingerprint = 0n, public revision = 1, public schema: string | null = null) {}
  encode(): Uint8Array {
    return encodeValue(HelloPayload.codec, this);
  }
}
HelloPayload.codec = new StructCodec("Hello", (v) => new HelloPayload(v.protocol as string, v.fingerprint as bigint, v.revision as number, v.schema as string | null), [
  new Field("protocol", new StringCodec()),
  new Field("fingerprint", new IntCodec(64, false, true)),
  new Field("revision", new IntCodec(32, false)),
  new Field("schema", new OptionCodec(new StringCodec())),
]);

/** FNV-1a 64 (§13.4): the fingerprint of a schema text. */
export function fnv1a64(data: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of data) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/** A schema this module was generated from: what HELLO announces. */
export class SchemaInfo {
  readonly fingerprint: bigint;
  constructor(public root: string, public text: string, public revision: number) {
    this.fingerprint = fnv1a64(new TextEncoder().encode(text));
  }
  /** The HELLO payload; without the text when asked, or when the frame would pass
   * 64 KiB (the receivers' bound, §13.6). */
  hello(withText = true): HelloPayload {
    const hello = new HelloPayload(this.root, this.fingerprint, this.revision, withText ? this.text : null);
    if (withText && 20 + hello.encode().length > MAX_HELLO_LEN) hello.schema = null;
    return hello;
  }

  /** The schema of a tuple of roots (§13.6): `(Request, Response, Error)` for a
   * request/response connection, `(ClientMessage, ServerMessage)` for a message protocol
   * whose directions differ; its text is the canonical one (§13.2). */
  static combine(parts: SchemaInfo[]): SchemaInfo {
    if (parts.length === 1) return parts[0];
    const blocks = new Map<string, string>();
    for (const part of parts) for (const [name, lines] of schemaBlocks(part.text)) blocks.set(name, lines);
    const root = `(${parts.map((p) => p.root).join(", ")})`;
    const names = [...blocks.keys()].sort((a, b) => compareBytes(utf8.encode(a), utf8.encode(b)));
    const text = `wirewright schema 1\nroot ${root}\n` + names.map((name) => `\n${blocks.get(name)}\n`).join("");
    return new SchemaInfo(root, text, Math.max(...parts.map((p) => p.revision)));
  }
}

/** The longest HELLO frame read (§13.6). */
export const MAX_HELLO_LEN = 64 * 1024;
const SCHEMA_HEADER = /^(evolvable )?(struct|enum|protocol) (.+?)(?: id [0-9]+)?$/;

/** A schema text's definitions as [name, lines without the last LF]. */
function schemaBlocks(text: string): [string, string][] {
  return text.split("\n\n").slice(1).map((block) => {
    const lines = block.replace(/^\n+|\n+$/g, "");
    const header = SCHEMA_HEADER.exec(lines.split("\n")[0]);
    if (!header) throw new Error(`not a definition: ${lines.slice(0, 40)}`);
    return [header[3], lines];
  });
}

/** Every schema of the module, by root (filled at its end). */
export const SCHEMAS = new Map<string, SchemaInfo>();

/** What a request/response connection announces (§13.6): the schema of the tuple
 * `(Request, Response, Error)`, when the module has all three. */
export function rpcSchema(requests: Protocol, responses: Protocol, errorCodec: Codec | null): SchemaInfo | null {
  const error = errorCodec ? SCHEMAS.get((errorCodec as any).name) : undefined;
  return requests.schema && responses.schema && error ? SchemaInfo.combine([requests.schema, responses.schema, error]) : null;
}

/** What a message connection announces (§13.6): the protocol's schema when both
 * directions carry it, else the tuple (what the client sends, what the server sends). */
export function messagesSchema(first: Protocol, second: Protocol | null): SchemaInfo | null {
  if (!second || second === first || second.name === first.name) return first.schema;
  return first.schema && second.schema ? SchemaInfo.combine([first.schema, second.schema]) : null;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, "0");

/** The peer's HELLO names a schema this side cannot talk with: both ends' HELLO
 * (protocol, fingerprint, revision) and the first difference found. */
export class IncompatiblePeer extends Error {
  constructor(public ours: HelloPayload, public theirs: HelloPayload, public reason: string) {
    super(`incompatible schemas: ours ${ours.protocol} ${hex16(ours.fingerprint)} revision ${ours.revision}, the peer's ${theirs.protocol} ${hex16(theirs.fingerprint)} revision ${theirs.revision}: ${reason}`);
    this.name = "IncompatiblePeer";
  }
}

/** The server did not answer HELLO (Required), or closed with GOODBYE 10. */
export class HelloRequired extends Error {}

/** Judges a peer's HELLO (issue 14's design): "compatible", "unverified" (another
 * fingerprint without the text to check) or "checked"; throws IncompatiblePeer. */
export function judge(ours: HelloPayload, theirs: HelloPayload): string {
  if (ours.protocol !== theirs.protocol) throw new IncompatiblePeer(ours, theirs, `protocol "${theirs.protocol}" is not "${ours.protocol}"`);
  if (ours.fingerprint === theirs.fingerprint) return "compatible";
  if (theirs.schema === null || ours.schema === null) return "unverified";
  let breaking: string | null;
  try {
    breaking = schemaBreaks(theirs.schema, ours.schema);
  } catch (err) {
    throw new WireError("malformed-control", 16, `a HELLO whose schema text does not parse: ${err}`);
  }
  if (breaking) throw new IncompatiblePeer(ours, theirs, breaking);
  return "checked";
}

type Fieldish = [string, number];
type Definition = { kind: string; evolvable: boolean; items: any[] };
const NAME = /[A-Za-z_#][A-Za-z0-9_#]*(?:::[A-Za-z0-9_#]+)*(?:<(?:[^<>]|<[^<>]*>)*>)?/g;
const BUILTIN = new Set("bool u8 i8 u16 u32 u64 u128 i16 i32 i64 i128 fixed f32 f64 char string bytes unit never seq array map set option with opaque".split(" "));

/** A schema text (§13.2) as [root, definitions by name]: a struct's items are [type,
 * since] per field, an enum's [tag, fields] per variant or null for the catch-all, a
 * protocol's [id, type] per message. Throws when the text is not one. */
export function parseSchema(text: string): [string, Map<string, Definition>] {
  const head = text.split("\n\n")[0].split("\n");
  if (head.length !== 2 || head[0] !== "wirewright schema 1" || !head[1].startsWith("root ") || !text.endsWith("\n")) {
    throw new Error("not a schema text (§13.2)");
  }
  const defs = new Map<string, Definition>();
  for (const [name, block] of schemaBlocks(text)) {
    const header = SCHEMA_HEADER.exec(block.split("\n")[0])!;
    const kind = header[2];
    const items: any[] = [];
    for (const line of block.split("\n").slice(1)) {
      const words = line.trim().split(" ");
      if (words[0] === "field" && line.includes(": ")) {
        const [ty, since] = line.split(": ").slice(1).join(": ").split(" since ");
        const field: Fieldish = [ty, Number(since ?? 1)];
        if (kind === "enum" && !items.length) throw new Error(`a field outside a variant in ${name}`);
        (kind === "enum" ? items[items.length - 1][1] : items).push(field);
      } else if (words[0] === "variant" && words.length === 3) items.push([Number(words[1]), []]);
      else if (words[0] === "other") items.push(null);
      else if (words[0] === "message" && line.includes(": ")) items.push([Number(words[1]), line.split(": ").slice(1).join(": ")]);
      else if (words[0] !== "unknown") throw new Error(`not a line of a definition: ${line}`);
    }
    defs.set(name, { kind, evolvable: Boolean(header[1]), items });
  }
  return [head[1].slice(5), defs];
}

/** A type with every definition it names written out and names left out (they are not
 * on the wire): equal signatures read the same bytes alike. */
function signature(defs: Map<string, Definition>, ty: string, seen: Set<string> = new Set()): string {
  // a hostile text cannot make it grow without end, nor recurse deeply
  if (seen.size > 64) throw new Error("types nested more than 64 deep");
  return ty.replace(NAME, (word) => {
    const def = defs.get(word);
    if (BUILTIN.has(word) || !def) return word;
    if (seen.has(word)) return "recursive";
    const inner = new Set(seen).add(word);
    const fields = (fs: Fieldish[]) => fs.map(([t, s]) => `${signature(defs, t, inner)}@${s}`).join(",");
    const body = def.kind === "struct" ? fields(def.items) : def.items.map((v) => (v === null ? "other" : `${v[0]}:${fields(v[1])}`)).join(";");
    if (body.length > MAX_SIGNATURE_LEN) throw new Error(`a type whose signature passes ${MAX_SIGNATURE_LEN} bytes`);
    return `${def.evolvable ? "evolvable " : ""}${def.kind}{${body}}`;
  });
}

/** The longest signature computed (a hostile HELLO text: each definition naming the next
 * twice would double it at each level). */
const MAX_SIGNATURE_LEN = 1 << 20;

function tupleElements(ty: string): string[] | null {
  if (!(ty.startsWith("(") && ty.endsWith(")"))) return null;
  const parts: string[] = [];
  let depth = 0, start = 1;
  for (let i = 1; i < ty.length - 1; i++) {
    const c = ty[i];
    if (c === "<" || c === "(") depth++;
    else if (c === ">" || c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(ty.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(ty.slice(start, -1).trim());
  return parts.filter((p) => p);
}

/** The first breaking difference (§13.3) between two schema texts, or null: the subset
 * of the checker that the Python runtime's `schema_breaks` implements, from the roots
 * (tuples element by element; protocols message by message, by id; a top-level struct's
 * fields by position, appended ones with `since` compatible; a top-level enum's
 * variants by tag; any other difference breaking). Throws for a text that is not one. */
export function schemaBreaks(old: string, now: string): string | null {
  const [oldRoot, olds] = parseSchema(old);
  const [newRoot, news] = parseSchema(now);
  const fields = (fa: Fieldish[], fb: Fieldish[], where: string): string | null => {
    for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
      if (i >= fa.length || i >= fb.length) {
        const added = i < fb.length ? fb[i] : fa[i];
        if (added[1] === 1) return `${where}: field ${i} ${i < fb.length ? "appended without `since`" : "of revision 1 removed"}`;
      } else if (signature(olds, fa[i][0]) !== signature(news, fb[i][0])) {
        return `${where}: field ${i} changed from ${fa[i][0]} to ${fb[i][0]}`;
      }
    }
    return null;
  };
  const top = (a: string, b: string, where: string): string | null => {
    const ta = tupleElements(a), tb = tupleElements(b);
    if (ta && tb && ta.length === tb.length) {
      for (let i = 0; i < ta.length; i++) {
        const found = top(ta[i], tb[i], `${where} element ${i}`);
        if (found) return found;
      }
      return null;
    }
    const da = olds.get(a), db = news.get(b);
    if (da && db && da.kind === db.kind && da.evolvable === db.evolvable) {
      if (da.kind === "protocol") {
        const messages = new Map<number, string>(db.items);
        for (const [id, message] of da.items) {
          const other = messages.get(id);
          const found = other === undefined ? null : top(message, other, `message ${id} (${other})`);
          if (found) return found;
        }
        return null;
      }
      if (da.kind === "struct") return fields(da.items, db.items, where);
      const variants = new Map<number, Fieldish[]>(db.items.filter((v: any) => v !== null));
      for (const variant of da.items) {
        const other = variant === null ? undefined : variants.get(variant[0]);
        if (other === undefined) continue;
        const sa = variant[1].map(([t]: Fieldish) => signature(olds, t)).join(";");
        const sb = other.map(([t]) => signature(news, t)).join(";");
        if (sa !== sb) return `${where}: variant ${variant[0]} of ${b} changed`;
      }
      return null;
    }
    return signature(olds, a) === signature(news, b) ? null : `${where}: ${a} and ${b} are read differently`;
  };
  return top(oldRoot, newRoot, "root");
}
