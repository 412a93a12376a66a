# ------------------------------------------------------------------- hello --

@dataclass
class HelloPayload(WireValue):
    """HELLO's payload (control kind 4): the schema a peer speaks. `fingerprint` is
    FNV-1a 64 of the schema text (§13.4), `revision` its highest `since` (1 if none),
    `schema` the text itself (optional: small peers may leave it out)."""

    protocol: str = ""
    fingerprint: int = 0
    revision: int = 1
    schema: str | None = None


HELLO_CODEC = StructCodec("Hello", HelloPayload, [
    Field("protocol", StringCodec()), Field("fingerprint", IntCodec(64, False, fixed=True)),
    Field("revision", IntCodec(32, False)), Field("schema", OptionCodec(StringCodec()))])
HelloPayload._codec = HELLO_CODEC


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64 (§13.4): the fingerprint of a schema text."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFF_FFFF_FFFF_FFFF
    return h


class SchemaInfo:
    """A schema this module was generated from: its root, text (§13.2), fingerprint and
    revision, which HELLO announces."""

    def __init__(self, root: str, text: str, revision: int):
        self.root, self.text, self.revision = root, text, revision
        self.fingerprint = fnv1a64(text.encode("utf-8"))

    def hello(self, with_text: bool = True) -> HelloPayload:
        """The HELLO payload; without the text when asked, or when the HELLO frame would
        pass 64 KiB (the receivers' bound, §13.6)."""
        hello = HelloPayload(self.root, self.fingerprint, self.revision, self.text if with_text else None)
        if with_text and 20 + len(hello.encode()) > MAX_HELLO_LEN:
            hello.schema = None
        return hello

    @staticmethod
    def combine(parts: list[SchemaInfo]) -> SchemaInfo:
        """The schema of a tuple of roots (§13.6): `(Request, Response, Error)` for a
        request/response connection, `(ClientMessage, ServerMessage)` for a message
        protocol whose directions differ; its text is the canonical one (§13.2)."""
        if len(parts) == 1:
            return parts[0]
        blocks: dict[str, str] = {}
        for part in parts:
            for name, lines in _blocks(part.text):
                blocks[name] = lines
        root = "(" + ", ".join(part.root for part in parts) + ")"
        text = f"wirewright schema 1\nroot {root}\n" + "".join(
            "\n" + blocks[name] + "\n" for name in sorted(blocks, key=lambda n: n.encode()))
        return SchemaInfo(root, text, max(part.revision for part in parts))


MAX_HELLO_LEN = 64 * 1024  # the longest HELLO frame read (§13.6)
_HEADER = re.compile(r"(evolvable )?(struct|enum|protocol) (.+?)(?: id [0-9]+)?")


def _blocks(text: str) -> list[tuple[str, str]]:
    """A schema text's definitions as (name, lines without the last LF)."""
    out = []
    for block in text.split("\n\n")[1:]:
        block = block.strip("\n")
        header = _HEADER.fullmatch(block.split("\n", 1)[0])
        if header is None:
            raise ValueError(f"not a definition: {block[:40]!r}")
        out.append((header.group(3), block))
    return out


class IncompatiblePeer(Exception):
    """The peer's HELLO names a schema this side cannot talk with: `ours` and `theirs`
    are the two HELLO payloads (protocol, fingerprint, revision), `reason` the first
    difference found."""

    def __init__(self, ours: HelloPayload, theirs: HelloPayload, reason: str):
        self.ours, self.theirs, self.reason = ours, theirs, reason
        super().__init__(
            f"incompatible schemas: ours {ours.protocol} {ours.fingerprint:016x} revision {ours.revision}, "
            f"the peer's {theirs.protocol} {theirs.fingerprint:016x} revision {theirs.revision}: {reason}")


class HelloRequired(Exception):
    """The peer did not answer HELLO (Required), or closed with GOODBYE 10."""


def judge(ours: HelloPayload, theirs: HelloPayload) -> str:
    """Judges a peer's HELLO (§13.6), `ours` holding this side's schema text: returns
    "compatible" (the same fingerprint), "unverified" (another fingerprint without the
    text to check) or "checked" (the peer's text, as old, compared with ours, as new, by
    §13.3: no difference is breaking; one-way ones are accepted), or raises
    IncompatiblePeer with the first breaking difference (another protocol name is one).
    A text that does not parse is a malformed HELLO (WireError `malformed-control`)."""
    if ours.protocol != theirs.protocol:
        raise IncompatiblePeer(ours, theirs, f"another protocol: `{ours.protocol}` here, `{theirs.protocol}` there")
    if ours.fingerprint == theirs.fingerprint:
        return "compatible"
    if theirs.schema is None or ours.schema is None:
        return "unverified"
    try:
        old = parse_schema(theirs.schema)
    except SchemaTextError as err:
        raise WireError("malformed-control", 16, f"a HELLO whose schema text does not parse: {err}") from None
    breaking = next((d for d in compare_schemas(old, parse_schema(ours.schema)) if d.compatibility == BREAKING), None)
    if breaking is not None:
        raise IncompatiblePeer(ours, theirs, str(breaking))
    return "checked"
