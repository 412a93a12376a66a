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

/** Judges a peer's HELLO (§13.6), `ours` holding this side's schema text: returns
 * "compatible" (the same fingerprint), "unverified" (another fingerprint without the text
 * to check) or "checked" (the peer's text, as old, compared with ours, as new, by §13.3:
 * no difference is breaking; one-way ones are accepted), or throws IncompatiblePeer with
 * the first breaking difference (another protocol name is one). A text that does not
 * parse is a malformed HELLO (WireError `malformed-control`). */
export function judge(ours: HelloPayload, theirs: HelloPayload): string {
  if (ours.protocol !== theirs.protocol) {
    throw new IncompatiblePeer(ours, theirs, `another protocol: \`${ours.protocol}\` here, \`${theirs.protocol}\` there`);
  }
  if (ours.fingerprint === theirs.fingerprint) return "compatible";
  if (theirs.schema === null || ours.schema === null) return "unverified";
  let old: ParsedSchema;
  try {
    old = parseSchema(theirs.schema);
  } catch (err) {
    if (!(err instanceof SchemaTextError)) throw err;
    throw new WireError("malformed-control", 16, `a HELLO whose schema text does not parse: ${err.message}`);
  }
  const breaking = compareSchemas(old, parseSchema(ours.schema)).find((d) => d.compatibility === BREAKING);
  if (breaking) throw new IncompatiblePeer(ours, theirs, breaking.toString());
  return "checked";
}
