# -------------------------------------------------------------------- json --
# JSON payloads (§8): `to_json(codec, value)` writes the text a sender writes,
# `from_json(codec, text)` reads what a receiver accepts; errors are WireError
# `invalid-json` with the field path (offsets are the text's, where the parser has one).

class _JsonNumber(str):
    """A JSON number with a fraction or an exponent, kept as its text."""


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_error(detail: str, path: str = "", offset: int = 0) -> WireError:
    return WireError("invalid-json", offset, detail, path)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _json_string(s: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(0), f"\\u{ord(m.group(0)):04x}"), s) + '"'


def _json_float(v: float, single: bool) -> str:
    """The shortest decimal that reads back as the same float (binary32 for `f32`),
    with a `.` or an exponent; NaN and infinities are `null`."""
    if v != v or v in (float("inf"), float("-inf")):
        return "null"
    if single:
        target = struct.pack("<f", v)
        for digits in range(1, 10):
            text = f"{v:.{digits}g}"
            if struct.pack("<f", float(text)) == target:
                break
    else:
        text = repr(v)
    mantissa, e, exponent = text.partition("e")
    if e:
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text if "." in text or "n" in text else text + ".0"


def _shape(codec: StructCodec) -> str:
    """How a struct's fields are written: "unit", "newtype", "tuple" or "named"."""
    names = [f.wire_name for f in codec.fields]
    if not names:
        return "unit"
    if all(n.isdigit() for n in names):
        return "newtype" if len(names) == 1 else "tuple"
    return "named"


def _target(codec: Codec) -> Codec:
    while isinstance(codec, (Ref, BoxCodec)):
        codec = codec.target if isinstance(codec, Ref) else codec.inner
    return codec


def _json_key(codec: Codec, k) -> str:
    codec = _target(codec)
    if isinstance(codec, (StringCodec, CharCodec)):
        return k
    if isinstance(codec, BoolCodec):
        return "true" if k else "false"
    if isinstance(codec, IntCodec):
        return str(k)
    if isinstance(codec, FloatCodec):
        return _json_float(k, codec.st.size == 4)
    if isinstance(codec, OptionCodec) and k is not None:
        return _json_key(codec.inner, k.value if codec.wrapped else k)
    raise WireError("invalid-value", 0, f"a map key of type {type(codec).__name__} has no JSON form")


def _write_json(codec: Codec, v, out: list) -> None:
    codec = _target(codec)
    if isinstance(codec, BoolCodec):
        out.append("true" if v else "false")
    elif isinstance(codec, IntCodec):
        out.append(str(int(v)))
    elif isinstance(codec, FloatCodec):
        out.append(_json_float(v, codec.st.size == 4))
    elif isinstance(codec, (StringCodec, CharCodec)):
        out.append(_json_string(v))
    elif isinstance(codec, BytesCodec):
        out.append("[" + ",".join(str(b) for b in v) + "]")
    elif isinstance(codec, (UnitCodec, NeverCodec)):
        out.append("null")
    elif isinstance(codec, OptionCodec):
        if v is None:
            out.append("null")
        else:
            _write_json(codec.inner, v.value if codec.wrapped else v, out)
    elif isinstance(codec, (SeqCodec, ArrayCodec, SetCodec, TupleCodec)):
        if isinstance(codec, SetCodec):
            v = sorted(v)
        elements = codec.elements if isinstance(codec, TupleCodec) else [codec.element] * len(v)
        out.append("[")
        for i, (element, item) in enumerate(zip(elements, v)):
            if i:
                out.append(",")
            _write_json(element, item, out)
        out.append("]")
    elif isinstance(codec, MapCodec):
        out.append("{")
        for i, (k, item) in enumerate(sorted(v.items(), key=lambda e: e[0])):
            if i:
                out.append(",")
            out.append(_json_string(_json_key(codec.key, k)) + ":")
            _write_json(codec.value, item, out)
        out.append("}")
    elif isinstance(codec, StructCodec):
        _write_fields(codec, v, out)
    elif isinstance(codec, EnumCodec):
        if isinstance(v, UnknownVariant):
            raise WireError("invalid-value", 0, f"an unknown variant of {codec.name} has no JSON form")
        variant = codec.variants[codec.tags[type(v)]]
        name = _json_string(variant.name.rsplit("::", 1)[-1])
        if not variant.fields:
            out.append(name)
        else:
            out.append("{" + name + ":")
            _write_fields(variant, v, out)
            out.append("}")
    else:
        raise WireError("invalid-value", 0, f"{type(codec).__name__} has no JSON form")


def _write_fields(codec: StructCodec, v, out: list) -> None:
    shape = _shape(codec)
    if shape == "unit":
        out.append("null")
    elif shape == "newtype":
        _write_json(codec.fields[0].codec, getattr(v, codec.fields[0].name), out)
    else:
        out.append("[" if shape == "tuple" else "{")
        for i, f in enumerate(codec.fields):
            if i:
                out.append(",")
            if shape == "named":
                out.append(_json_string(f.wire_name) + ":")
            _write_json(f.codec, getattr(v, f.name), out)
        out.append("]" if shape == "tuple" else "}")


def to_json(codec: Codec, value) -> str:
    """The JSON text of `value` (§8), compact."""
    out: list[str] = []
    _write_json(codec, value, out)
    return "".join(out)


def _read_int(codec: IntCodec, j, path: str) -> int:
    if isinstance(j, bool) or not isinstance(j, int):
        raise _json_error(f"expected an integer, found {j!r}", path)
    if not (codec.lo <= j <= codec.hi):
        raise _json_error(f"{j} does not fit {'i' if codec.signed else 'u'}{codec.bits}", path)
    return j


_INT_KEY = re.compile(r"-?(?:0|[1-9][0-9]*)")


def _read_key(codec: Codec, text: str, path: str):
    codec = _target(codec)
    if isinstance(codec, StringCodec):
        return text
    if isinstance(codec, CharCodec):
        if len(text) != 1:
            raise _json_error(f"a char key of {len(text)} characters", path)
        return text
    if isinstance(codec, BoolCodec) and text in ("true", "false"):
        return text == "true"
    if isinstance(codec, IntCodec) and _INT_KEY.fullmatch(text):
        return _read_int(codec, int(text), path)
    if isinstance(codec, FloatCodec):
        try:
            return float(text)
        except ValueError:
            pass
    if isinstance(codec, OptionCodec):
        inner = _read_key(codec.inner, text, path)
        return Some(inner) if codec.wrapped else inner
    raise _json_error(f"the map key {text!r} does not read as {type(codec).__name__}", path)


def _read_json(codec: Codec, j, path: str, depth: int):
    if depth > MAX_DEPTH:
        raise _json_error(f"more than {MAX_DEPTH} levels", path)
    codec = _target(codec)
    if isinstance(codec, BoolCodec):
        if not isinstance(j, bool):
            raise _json_error(f"expected true or false, found {j!r}", path)
        return j
    if isinstance(codec, IntCodec):
        return _read_int(codec, j, path)
    if isinstance(codec, FloatCodec):
        if isinstance(j, bool) or not isinstance(j, (int, _JsonNumber)):
            raise _json_error(f"expected a number, found {j!r}", path)
        value = float(j)
        return struct.unpack("<f", struct.pack("<f", value))[0] if codec.st.size == 4 else value
    if isinstance(codec, StringCodec):
        if not isinstance(j, str) or isinstance(j, _JsonNumber):
            raise _json_error(f"expected a string, found {j!r}", path)
        return j
    if isinstance(codec, CharCodec):
        if not isinstance(j, str) or isinstance(j, _JsonNumber) or len(j) != 1:
            raise _json_error(f"expected a one-character string, found {j!r}", path)
        return j
    if isinstance(codec, BytesCodec):
        if not isinstance(j, list) or not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in j):
            raise _json_error("expected an array of numbers 0-255", path)
        return bytes(j)
    if isinstance(codec, UnitCodec):
        if j is not None:
            raise _json_error(f"expected null, found {j!r}", path)
        return None
    if isinstance(codec, OptionCodec):
        if j is None:
            return None
        inner = _read_json(codec.inner, j, path, depth + 1)
        return Some(inner) if codec.wrapped else inner
    if isinstance(codec, (SeqCodec, ArrayCodec, SetCodec, TupleCodec)):
        if not isinstance(j, list):
            raise _json_error("expected an array", path)
        if isinstance(codec, TupleCodec):
            if len(j) != len(codec.elements):
                raise _json_error(f"{len(j)} elements for a tuple of {len(codec.elements)}", path)
            return tuple(_read_json(c, x, f"{path}[{i}]", depth + 1) for i, (c, x) in enumerate(zip(codec.elements, j)))
        if isinstance(codec, ArrayCodec) and len(j) != codec.n:
            raise _json_error(f"{len(j)} elements for an array of {codec.n}", path)
        items = [_read_json(codec.element, x, f"{path}[{i}]", depth + 1) for i, x in enumerate(j)]
        return frozenset(items) if isinstance(codec, SetCodec) else items
    if isinstance(codec, MapCodec):
        if not isinstance(j, _JsonObject):
            raise _json_error("expected an object", path)
        return {_read_key(codec.key, k, path): _read_json(codec.value, x, f"{path}.{k}", depth + 1) for k, x in j}
    if isinstance(codec, StructCodec):
        return _read_fields(codec, j, path or codec.name, depth)
    if isinstance(codec, EnumCodec):
        by_name = {sc.name.rsplit("::", 1)[-1]: sc for sc in codec.variants.values()}
        if isinstance(j, str) and not isinstance(j, _JsonNumber):
            name, body, unit = j, None, True
        elif isinstance(j, _JsonObject) and len(j) == 1:
            (name, body), unit = j[0], False
        else:
            raise _json_error(f"expected a variant of {codec.name}", path)
        variant = by_name.get(name)
        if variant is None:
            raise _json_error(f"{codec.name} has no variant {name!r}", path)
        if not variant.fields and (unit or body is None):
            return variant.cls()
        if unit:
            raise _json_error(f"{codec.name}::{name} has fields", path)
        return _read_fields(variant, body, variant.name, depth + 1)
    raise _json_error(f"{type(codec).__name__} has no JSON form", path)


def _read_fields(codec: StructCodec, j, path: str, depth: int):
    shape = _shape(codec)
    values = {}
    if shape == "unit":
        if j is not None:
            raise _json_error(f"expected null, found {j!r}", path)
    elif shape == "newtype":
        f = codec.fields[0]
        values[f.name] = _read_json(f.codec, j, path, depth + 1)
    elif shape == "tuple":
        if not isinstance(j, list) or len(j) != len(codec.fields):
            raise _json_error(f"expected an array of {len(codec.fields)}", path)
        for f, x in zip(codec.fields, j):
            values[f.name] = _read_json(f.codec, x, f"{path}.{f.wire_name}", depth + 1)
    else:
        if not isinstance(j, _JsonObject):
            raise _json_error("expected an object", path)
        given: dict = {}
        for k, x in j:
            if k in given:
                raise _json_error(f"the field {k!r} is given twice", path)
            given[k] = x
        for f in codec.fields:
            if f.wire_name in given:
                values[f.name] = _read_json(f.codec, given[f.wire_name], f"{path}.{f.wire_name}", depth + 1)
            elif isinstance(_target(f.codec), OptionCodec):
                values[f.name] = None
            else:
                raise _json_error(f"the field {f.wire_name!r} is missing", path)
    if codec.unknown:
        values[codec.unknown] = b""
    return codec.cls(**values)


class _JsonObject(list):
    """An object's members in order, as (name, value) pairs (names may repeat)."""


def from_json(codec: Codec, text) -> Any:
    """Reads a JSON payload (§8) as a value of `codec`'s type."""
    import json
    try:
        if isinstance(text, (bytes, bytearray, memoryview)):
            text = str(text, "utf-8")
        j = json.loads(text, parse_float=_JsonNumber, parse_constant=_no_constant, object_pairs_hook=_JsonObject)
    except UnicodeDecodeError as err:
        raise WireError("invalid-utf8", err.start, str(err)) from None
    except json.JSONDecodeError as err:
        raise WireError("invalid-json", err.pos, err.msg) from None
    except (ValueError, RecursionError) as err:
        raise WireError("invalid-json", 0, str(err)) from None
    return _read_json(codec, j, "", 0)
