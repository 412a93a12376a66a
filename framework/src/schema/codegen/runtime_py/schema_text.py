# ------------------------------------------------------------- schema text --
# The schema text (§13.2) read back as `wirewright::schema::parse` reads it, for HELLO's
# judgement (§13.6). Types are tuples: ("int", "u16"), ("seq", T), ("tuple", (T, ...)),
# ("named", "Say"), ...

MAX_TYPE_DEPTH = 64  # types nested deeper than this in the text are refused (§13.6)

_INT_BITS = {"u8": 8, "i8": 8, "u16": 16, "u32": 32, "u64": 64, "u128": 128,
             "i16": 16, "i32": 32, "i64": 64, "i128": 128}
_SIMPLE = {"bool", "f32", "f64", "char", "string", "bytes", "unit", "never"}
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class SchemaTextError(ValueError):
    """A schema text that does not follow §13.2: `line` (from 1), what the grammar
    `expected` there and what the line holds (`found`)."""

    def __init__(self, line: int, expected: str, found: str):
        self.line, self.expected, self.found = line, expected, found
        super().__init__(f"schema text, line {line}: expected {expected}, found `{found}`")


@dataclass
class SchemaFields:
    """A struct's or variant's fields: (name, type, since) each, and the unknown field."""

    fields: list = field(default_factory=list)
    unknown: str | None = None


@dataclass
class SchemaDefinition:
    """A definition of a schema text: `kind` "struct" (`fields`), "enum" (`variants`:
    ("tagged", tag, name, SchemaFields) or ("other", name)) or "protocol" (`messages`:
    (id, variant, type))."""

    name: str
    evolvable: bool
    id: int | None
    kind: str
    fields: SchemaFields = field(default_factory=SchemaFields)
    variants: list = field(default_factory=list)
    messages: list = field(default_factory=list)


@dataclass
class ParsedSchema:
    """A schema read from its text: the root type and the definitions by name."""

    root: tuple
    definitions: dict


def type_text(ty: tuple) -> str:
    """A type as the schema text writes it."""
    kind = ty[0]
    if kind in _SIMPLE:
        return kind
    if kind in ("int", "named"):
        return ty[1]
    if kind in ("fixed", "with", "opaque"):
        return f"{kind} {ty[1]}"
    if kind in ("seq", "set", "option"):
        return f"{kind}<{type_text(ty[1])}>"
    if kind == "array":
        return f"array<{type_text(ty[1])}, {ty[2]}>"
    if kind == "map":
        return f"map<{type_text(ty[1])}, {type_text(ty[2])}>"
    inner = ", ".join(type_text(t) for t in ty[1])
    return f"({inner},)" if len(ty[1]) == 1 else f"({inner})"


def _decimal(number: int, text: str, expected: str, bits: int) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) >> bits:
        raise SchemaTextError(number, expected, text)
    return int(text)


def _is_ident(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c in "_#" for c in text)


def _ident(number: int, text: str) -> str:
    if not _is_ident(text):
        raise SchemaTextError(number, "a name", text)
    return text


def _punct(number: int, text: str, prefix: str) -> str:
    if not text.startswith(prefix):
        raise SchemaTextError(number, prefix, text)
    return text[len(prefix):]


def _balanced(number: int, text: str) -> tuple[str, str]:
    """Text up to the first `,`, `>`, `)` or space outside brackets."""
    depth = 0
    for index, c in enumerate(text):
        if c in "<([":
            depth += 1
        elif c in ">)]" and depth > 0:
            depth -= 1
        elif c in ",>) " and depth == 0:
            if index == 0:
                raise SchemaTextError(number, "a name", text)
            return text[:index], text[index:]
    if depth:
        raise SchemaTextError(number, "balanced brackets", text)
    if not text:
        raise SchemaTextError(number, "a name", text)
    return text, ""


_STOP = re.compile(r"[<>,() ]")


def _type(number: int, text: str, depth: int = 0) -> tuple[tuple, str]:
    """Reads one type from the start of `text`; returns it and the rest."""
    if depth >= MAX_TYPE_DEPTH:
        raise SchemaTextError(number, "types nested at most 64 deep", text[:40])
    stop = _STOP.search(text)
    end = stop.start() if stop else len(text)
    word, rest = text[:end], text[end:]
    if word in _INT_BITS:
        return ("int", word), rest
    if word in _SIMPLE:
        return (word,), rest
    inner = lambda rest: _type(number, _punct(number, rest, "<"), depth + 1)
    if word == "fixed":
        if not rest.startswith(" "):
            raise SchemaTextError(number, "` ` and an integer type", rest)
        ty, after = _type(number, rest[1:], depth + 1)
        if ty[0] != "int" or ty[1] in ("u8", "i8"):
            raise SchemaTextError(number, "an integer type wider than 8 bits after `fixed`", rest[1:])
        return ("fixed", ty[1]), after
    if word in ("seq", "set", "option"):
        element, rest = inner(rest)
        rest = _punct(number, rest, ">")
        if word == "seq" and element == ("int", "u8"):
            raise SchemaTextError(number, "`bytes` for a sequence of u8", text)
        return (word, element), rest
    if word == "map":
        key, rest = inner(rest)
        value, rest = _type(number, _punct(number, rest, ", "), depth + 1)
        return ("map", key, value), _punct(number, rest, ">")
    if word == "array":
        element, rest = inner(rest)
        rest = _punct(number, rest, ", ")
        close = rest.find(">")
        if close < 0:
            raise SchemaTextError(number, "`>`", rest)
        return ("array", element, _decimal(number, rest[:close], "an array length", 64)), rest[close + 1:]
    if word in ("with", "opaque"):
        if not rest.startswith(" "):
            raise SchemaTextError(number, "` ` and a path", rest)
        path, rest = _balanced(number, rest[1:])
        return (word, path), rest
    if word == "" and rest.startswith("("):
        elements, rest = [], rest[1:]
        while True:
            element, after = _type(number, rest, depth + 1)
            elements.append(element)
            if after.startswith(", "):
                rest = after[2:]
            elif after.startswith(",)"):
                if len(elements) != 1:
                    raise SchemaTextError(number, "`)` (only a 1-tuple ends with `,)`)", after[2:])
                return ("tuple", tuple(elements)), after[2:]
            elif after.startswith(")"):
                if len(elements) == 1:
                    raise SchemaTextError(number, "`,)` after the element of a 1-tuple", after[1:])
                return ("tuple", tuple(elements)), after[1:]
            else:
                raise SchemaTextError(number, "`, ` or `)`", after)
    if word == "":
        raise SchemaTextError(number, "a type", text)
    if not all(_is_ident(part) for part in word.split("::")):
        raise SchemaTextError(number, "a name", word)
    if rest.startswith("<"):
        arguments, rest = _balanced(number, rest)
        return ("named", word + arguments), rest
    return ("named", word), rest


def _whole_type(number: int, text: str) -> tuple:
    ty, rest = _type(number, text)
    if rest:
        raise SchemaTextError(number, "the end of the type", rest)
    return ty


def _field_line(number: int, item: str, fields: SchemaFields) -> None:
    if fields.unknown is not None:
        raise SchemaTextError(number, "nothing after the `unknown` field", item)
    if item.startswith("unknown "):
        fields.unknown = _ident(number, item[8:])
        return
    if not item.startswith("field "):
        raise SchemaTextError(number, "`field NAME: TYPE` or `unknown NAME`", item)
    name, sep, rest = item[6:].partition(": ")
    if not sep:
        raise SchemaTextError(number, "`field NAME: TYPE`", item)
    ty, rest = _type(number, rest)
    if rest.startswith(" since "):
        since = _decimal(number, rest[7:], "a revision", 32)
        if since < 2:
            raise SchemaTextError(number, "a revision of 2 or more (1 is not written)", item)
    elif not rest:
        since = 1
    else:
        raise SchemaTextError(number, "the end of the line or ` since N`", rest)
    fields.fields.append((_ident(number, name), ty, since))


def _definition_header(number: int, line: str) -> SchemaDefinition:
    expected = "`[evolvable] struct|enum NAME [id N]` or `protocol NAME`"
    evolvable = line.startswith("evolvable ")
    rest = line[10:] if evolvable else line
    keyword, sep, rest = rest.partition(" ")
    if not sep:
        raise SchemaTextError(number, expected, line)
    name, mid = rest, None
    if keyword != "protocol" and " id " in rest:
        name, id_text = rest.rsplit(" id ", 1)
        mid = _decimal(number, id_text, "a message id (0 to 65535)", 16)
    ty, after = _type(number, name)
    if ty[0] != "named" or after:
        raise SchemaTextError(number, "a definition name", name)
    if keyword not in ("struct", "enum") and not (keyword == "protocol" and not evolvable):
        raise SchemaTextError(number, expected, line)
    return SchemaDefinition(ty[1], evolvable, mid, keyword)


def parse_schema(text: str) -> ParsedSchema:
    """Reads a schema from its text form (§13.2, canonical form only), as the Rust
    `wirewright::schema::parse` does. Raises SchemaTextError. The text may be hostile
    (a peer's HELLO): the work is linear in its length, types nest at most 64 deep."""
    lines = text.split("\n")
    count, at = len(lines), 0

    def take() -> tuple[int, str]:
        nonlocal at
        line = lines[at] if at < count else ""
        at += 1
        return at, line

    number, line = take()
    if line != "wirewright schema 1":
        raise SchemaTextError(number, "the header `wirewright schema 1`", line)
    number, line = take()
    if not line.startswith("root "):
        raise SchemaTextError(number, "`root TYPE`", line)
    root = _whole_type(number, line[5:])
    definitions: dict[str, SchemaDefinition] = {}
    last = None
    while not (at == count - 1 and lines[at] == ""):
        number, line = take()
        if at >= count:
            raise SchemaTextError(number, "a newline at the end", line)
        if line:
            raise SchemaTextError(number, "an empty line before a definition", line)
        number, line = take()
        definition = _definition_header(number, line)
        if last is not None and last >= definition.name.encode():
            raise SchemaTextError(number, "definitions sorted by name, each once", line)
        last = definition.name.encode()
        while at < count and lines[at]:
            number, line = take()
            if definition.kind == "struct":
                if not line.startswith("  "):
                    raise SchemaTextError(number, "a field, indented by 2", line)
                _field_line(number, line[2:], definition.fields)
            elif definition.kind == "protocol":
                if not line.startswith("  message "):
                    raise SchemaTextError(number, "`  message ID VARIANT: TYPE`", line)
                item = line[10:]
                mid, sep, rest = item.partition(" ")
                if not sep:
                    raise SchemaTextError(number, "`message ID VARIANT: TYPE`", item)
                mid = _decimal(number, mid, "a message id", 16)
                variant, sep, ty = rest.partition(": ")
                if not sep:
                    raise SchemaTextError(number, "`VARIANT: TYPE`", rest)
                definition.messages.append((mid, _ident(number, variant), _whole_type(number, ty)))
            elif line.startswith("    "):
                if not definition.variants or definition.variants[-1][0] != "tagged":
                    raise SchemaTextError(number, "a variant before its fields", line)
                _field_line(number, line[4:], definition.variants[-1][3])
            elif line.startswith("  variant "):
                tag, sep, name = line[10:].partition(" ")
                if not sep:
                    raise SchemaTextError(number, "`variant TAG NAME`", line)
                tag = _decimal(number, tag, "a variant tag", 32)
                definition.variants.append(("tagged", tag, _ident(number, name), SchemaFields()))
            elif line.startswith("  other "):
                definition.variants.append(("other", _ident(number, line[8:])))
            else:
                raise SchemaTextError(number, "`  variant TAG NAME` or `  other NAME`", line)
        definitions[definition.name] = definition
    return ParsedSchema(root, definitions)
