# -------------------------------------------------------------- comparison --
# Two schemas compared by the rules of §13.3: the Rust checker
# (`wirewright::schema::compare`) line for line, so that a HELLO is judged here as a Rust
# peer judges it.

MAX_COMPARE_DEPTH = 128  # types compared deeper (through definitions) are breaking

COMPATIBLE = "compatible"
NEW_READER_OLD_WRITER = "compatible new reader/old writer"
OLD_READER_NEW_WRITER = "compatible old reader/new writer"
BREAKING = "breaking"


@dataclass
class SchemaDifference:
    """One difference between two schemas: its class (§13.3), where (`Say.text`), what
    changed (`string → bytes`) and why it has that class."""

    compatibility: str
    path: str
    change: str
    reason: str

    def __str__(self) -> str:
        return f"{self.compatibility}: {self.path}: {self.change}: {self.reason}"


def compare_schemas(old: ParsedSchema, new: ParsedSchema) -> list[SchemaDifference]:
    """Every difference between the schema peers were deployed with (`old`) and a new
    one, classified by §13.3, in the order the Rust checker finds them."""
    differ = _Differ(old, new)
    differ.types("", old.root, new.root, True)
    return differ.differences


class _Differ:
    def __init__(self, old: ParsedSchema, new: ParsedSchema):
        self.old, self.new = old, new
        self.differences: list[SchemaDifference] = []
        self.seen: set = set()
        self.depth = 0

    def push(self, compatibility: str, path: str, change: str, reason: str) -> None:
        self.differences.append(SchemaDifference(compatibility, path, change, reason))

    # ---- two types at one position (§13.3's type rows)

    def types(self, path: str, old: tuple, new: tuple, end_known: bool) -> None:
        if self.depth >= MAX_COMPARE_DEPTH:
            return self.push(BREAKING, path, f"{type_text(old)} → {type_text(new)}", "nested too deep to compare")
        self.depth += 1
        try:
            self._types_at(path, old, new, end_known)
        finally:
            self.depth -= 1

    def _types_at(self, path: str, old: tuple, new: tuple, end_known: bool) -> None:
        change = f"{type_text(old)} → {type_text(new)}"
        a, b = old[0], new[0]
        if a == b == "named":
            if old[1] != new[1]:
                self.push(COMPATIBLE, path, change, "type renamed: names are not on the wire")
            return self.definitions(old[1], new[1], end_known)
        if a == b and a in ("option", "seq", "set"):
            return self.types(f"{path}[]", old[1], new[1], False)
        if a == b == "array" and old[2] == new[2]:
            return self.types(f"{path}[]", old[1], new[1], False)
        if a == b == "map":
            self.types(f"{path}.key", old[1], new[1], False)
            return self.types(f"{path}.value", old[2], new[2], False)
        if a == b == "tuple" and len(old[1]) == len(new[1]):
            for index, (x, y) in enumerate(zip(old[1], new[1])):
                self.types(f"{path}.{index}", x, y, False)
            return
        if old == new:
            return
        if a == b == "int":
            bits_a, bits_b = _INT_BITS[old[1]], _INT_BITS[new[1]]
            if bits_a == 8 or bits_b == 8:
                reason = "the same byte reads as another number" if bits_a == bits_b \
                    else "u8 and i8 are a raw byte, wider integers a varint"
                return self.push(BREAKING, path, change, reason)
            if old[1][0] != new[1][0]:
                return self.push(BREAKING, path, change, "signed integers are zigzag varints: 1 is 02, -1 is 01")
            if bits_b > bits_a:
                return self.push(NEW_READER_OLD_WRITER, path, change,
                                 f"old readers reject values wider than {bits_a} bits (varint overflow)")
            return self.push(OLD_READER_NEW_WRITER, path, change,
                             f"new readers reject old writers' values wider than {bits_b} bits (varint overflow)")
        if a == b == "fixed":
            return self.push(BREAKING, path, change,
                             f"fixed widths differ: {_INT_BITS[old[1]] // 8} bytes vs {_INT_BITS[new[1]] // 8}")
        if {a, b} == {"int", "fixed"}:
            return self.push(BREAKING, path, change, "fixed ↔ varint: the widths differ")
        if a == "bool" and b == "int" and new[1][0] == "u":
            return self.push(NEW_READER_OLD_WRITER, path, change, "old readers reject values other than 0 and 1")
        if a == "int" and b == "bool" and old[1][0] == "u":
            return self.push(OLD_READER_NEW_WRITER, path, change,
                             "new readers reject old writers' values other than 0 and 1")
        wide = ("u32", "u64", "u128")
        if a == "char" and b == "int" and new[1] in wide:
            return self.push(NEW_READER_OLD_WRITER, path, change,
                             "old readers reject values that are not Unicode scalar values")
        if a == "int" and b == "char" and old[1] in wide:
            return self.push(OLD_READER_NEW_WRITER, path, change,
                             "new readers reject old writers' values that are not Unicode scalar values")
        if {a, b} == {"f32", "f64"}:
            return self.push(BREAKING, path, change, "f32 is 4 bytes, f64 8")
        if a == "string" and b == "bytes":
            return self.push(NEW_READER_OLD_WRITER, path, change, "peers with the old definition reject non-UTF-8 text")
        if a == "bytes" and b == "string":
            return self.push(OLD_READER_NEW_WRITER, path, change,
                             "new readers reject old writers' bytes that are not UTF-8")
        pair = lambda entry: entry[0] == "tuple" and len(entry[1]) == 2
        if (a, b) in (("map", "seq"), ("seq", "map")):
            to_seq = b == "seq"
            entry = new[1] if to_seq else old[1]
            if pair(entry):
                self._sorted_change(path, change, to_seq)
                k, v = (old[1], old[2]) if to_seq else (new[1], new[2])
                old_k, new_k, old_v, new_v = (k, entry[1][0], v, entry[1][1]) if to_seq \
                    else (entry[1][0], k, entry[1][1], v)
                self.types(f"{path}.key", old_k, new_k, False)
                return self.types(f"{path}.value", old_v, new_v, False)
        if (a, b) in (("set", "seq"), ("seq", "set")):
            self._sorted_change(path, change, b == "seq")
            return self.types(f"{path}[]", old[1], new[1], False)
        if (a == "array" and b in ("seq", "bytes")) or (a in ("seq", "bytes") and b == "array"):
            return self.push(BREAKING, path, change, "an array has no count")
        if a == b == "array":
            return self.push(BREAKING, path, change, "the lengths differ and an array has no count")
        if (a == "option" and old[1] == new) or (b == "option" and new[1] == old):
            return self.push(BREAKING, path, change, "an option adds a tag byte")
        if a == "named" or b == "named":
            old_is_named = a == "named"
            name, other = (old[1], new) if old_is_named else (new[1], old)
            fields = _frozen_fields(self.old if old_is_named else self.new, name)
            if fields is not None and other[0] == "tuple" and len(fields) == len(other[1]):
                self.push(COMPATIBLE, path, change, "a frozen struct is its fields in order")
                for index, (f, element) in enumerate(zip(fields, other[1])):
                    x, y = (f[1], element) if old_is_named else (element, f[1])
                    self.types(f"{path}.{index}", x, y, False)
                return
            if fields is not None and len(fields) == 1:
                self.push(COMPATIBLE, path, change, "a frozen struct is its fields in order")
                x, y = (fields[0][1], other) if old_is_named else (other, fields[0][1])
                return self.types(path, x, y, False)
        self.push(BREAKING, path, change, "the two types are encoded differently")

    def _sorted_change(self, path: str, change: str, to_seq: bool) -> None:
        if to_seq:
            self.push(NEW_READER_OLD_WRITER, path, change, "old readers reject elements that are not sorted and unique")
        else:
            self.push(OLD_READER_NEW_WRITER, path, change,
                      "new readers reject old writers' elements that are not sorted and unique")

    # ---- two definitions: fields by position, variants by tag, messages by id

    def definitions(self, old_name: str, new_name: str, end_known: bool) -> None:
        key = (old_name, new_name, end_known)
        if key in self.seen:
            return
        self.seen.add(key)
        old, new = self.old.definitions.get(old_name), self.new.definitions.get(new_name)
        if old is None or new is None:
            return self.push(BREAKING, new_name, f"{old_name} → {new_name}", "a definition is missing from the schema")
        path = new.name
        if old.evolvable != new.evolvable:
            self.push(BREAKING, path, "frozen → evolvable" if new.evolvable else "evolvable → frozen",
                      "a block adds its length: the bytes differ")
        if old.id is not None and new.id is not None and old.id != new.id:
            self.push(BREAKING, path, f"message id {old.id} → {new.id}", "the header names the message by its id")
        elif old.id is None and new.id is not None:
            self.push(COMPATIBLE, path, f"message id {new.id} given", "ids matter where a protocol holds the message")
        elif old.id is not None and new.id is None:
            self.push(COMPATIBLE, path, f"message id {old.id} taken away",
                      "ids matter where a protocol holds the message")
        end_known = end_known or (old.evolvable and new.evolvable)
        if old.kind != new.kind:
            return self.push(BREAKING, path, f"{old.kind} → {new.kind}", "the two types are encoded differently")
        if old.kind == "struct":
            self.fields(path, old.fields, new.fields, end_known, new)
        elif old.kind == "enum":
            self.variants(path, old.variants, new.variants, old, new)
        else:
            self.messages(path, old.messages, new.messages)

    def fields(self, prefix: str, old: SchemaFields, new: SchemaFields, end_known: bool,
               definition: SchemaDefinition) -> None:
        if old.unknown is None and new.unknown is not None:
            self.push(COMPATIBLE, prefix, f"unknown data kept in `{new.unknown}`", "the unknown field is not on the wire")
        elif old.unknown is not None and new.unknown is None:
            self.push(COMPATIBLE, prefix, f"unknown data no longer kept in `{old.unknown}`",
                      "the unknown field is not on the wire")
        # name -> first position, so that a hostile text of thousands of fields costs
        # linear work, not a scan per field
        old_at: dict[str, int] = {}
        new_at: dict[str, int] = {}
        for i, f in enumerate(old.fields):
            old_at.setdefault(f[0], i)
        for i, f in enumerate(new.fields):
            new_at.setdefault(f[0], i)
        moved: set = set()
        for index, (a, b) in enumerate(zip(old.fields, new.fields)):
            if a[0] == b[0]:
                self._field_pair(prefix, a, b, end_known)
                continue
            reordered = False
            to = new_at.get(a[0])
            if to is not None:
                if a[0] not in moved:
                    moved.add(a[0])
                    self.push(BREAKING, f"{prefix}.{a[0]}", f"moved from position {index} to {to}",
                              "fields are read by position")
                reordered = True
            source = old_at.get(b[0])
            if source is not None:
                if b[0] not in moved:
                    moved.add(b[0])
                    self.push(BREAKING, f"{prefix}.{b[0]}", f"moved from position {source} to {index}",
                              "fields are read by position")
                reordered = True
            if not reordered:
                self.push(COMPATIBLE, f"{prefix}.{a[0]}", f"renamed to {b[0]}", "names are not on the wire")
                self._field_pair(prefix, a, b, end_known)
        frozen_reason = ("the type is frozen where it is nested: its bytes have no length, so readers misread what follows"
                         if definition.id is not None else
                         "the type is frozen: its bytes have no length, so readers misread what follows")
        for f in new.fields[len(old.fields):]:
            if f[0] in moved:
                continue
            path = f"{prefix}.{f[0]}"
            if not end_known:
                self.push(BREAKING, path, "appended", frozen_reason)
            elif f[2] <= 1:
                self.push(BREAKING, path, "appended without `since`",
                          "new readers reject what old writers wrote, which ends before it")
            else:
                self.push(COMPATIBLE, path, f"appended in revision {f[2]}",
                          "old readers skip it; new readers fill its default for old writers")
        for f in old.fields[len(new.fields):]:
            if f[0] in moved:
                continue
            path = f"{prefix}.{f[0]}"
            if not end_known:
                self.push(BREAKING, path, "removed", frozen_reason)
            elif f[2] <= 1:
                self.push(BREAKING, path, "removed", "old readers require it (revision 1) and reject what new writers write")
            else:
                self.push(COMPATIBLE, path, f"removed (appended in revision {f[2]})",
                          "old readers fill its default; never reuse its position")

    def _field_pair(self, prefix: str, old: tuple, new: tuple, end_known: bool) -> None:
        path = f"{prefix}.{new[0]}"
        if old[2] != new[2]:
            reason = "both write the field; only a reader's default differs" if end_known \
                else "both write the field in a frozen type"
            self.push(COMPATIBLE, path, f"since {old[2]} → {new[2]}", reason)
        self.types(path, old[1], new[1], False)

    def variants(self, prefix: str, old: list, new: list, old_def: SchemaDefinition,
                 new_def: SchemaDefinition) -> None:
        old_tagged = [v[1:] for v in old if v[0] == "tagged"]
        new_tagged = [v[1:] for v in new if v[0] == "tagged"]
        catch_all = lambda variants: next((v[1] for v in variants if v[0] == "other"), None)
        old_other = catch_all(old) if old_def.evolvable else None
        new_other = catch_all(new) if new_def.evolvable else None
        if old_other is None and new_other is not None:
            self.push(COMPATIBLE, prefix, f"catch-all `{new_other}` added", "new readers keep variants they do not know")
        elif old_other is not None and new_other is None:
            self.push(COMPATIBLE, prefix, f"catch-all `{old_other}` removed",
                      "new readers reject variants they do not know")
        end_known = old_def.evolvable and new_def.evolvable
        retagged: set = set()
        by_tag: dict = {}
        by_name: dict = {}
        for v in new_tagged:
            by_tag.setdefault(v[0], v)
            by_name.setdefault(v[1], v)
        old_tags = {v[0] for v in old_tagged}
        for tag, name, fields in old_tagged:
            path = f"{prefix}::{name}"
            same_tag = by_tag.get(tag)
            same_name = by_name.get(name)
            if same_tag is not None:
                if same_tag[1] != name:
                    self.push(COMPATIBLE, path, f"renamed to {same_tag[1]}", "names are not on the wire")
                self.fields(f"{prefix}::{same_tag[1]}", fields, same_tag[2], end_known, new_def)
            elif same_name is not None:
                retagged.add(name)
                self.push(BREAKING, path, f"tag {tag} → {same_name[0]}", "the tag is the variant")
            elif new_other is not None:
                self.push(COMPATIBLE, path, f"removed (tag {tag})", f"new readers keep it in their catch-all `{new_other}`")
            else:
                self.push(OLD_READER_NEW_WRITER, path, f"removed (tag {tag})",
                          "new readers reject it from old writers (unknown variant)")
        for tag, name, _ in new_tagged:
            if tag in old_tags or name in retagged:
                continue
            path = f"{prefix}::{name}"
            if old_other is not None:
                self.push(COMPATIBLE, path, f"added (tag {tag})", f"old readers keep it in their catch-all `{old_other}`")
            elif new_def.evolvable:
                self.push(NEW_READER_OLD_WRITER, path, f"added (tag {tag})",
                          "old readers without a catch-all reject it (unknown variant)")
            else:
                self.push(NEW_READER_OLD_WRITER, path, f"added (tag {tag})",
                          "the enum is frozen: old readers reject it (unknown variant)")

    def messages(self, prefix: str, old: list, new: list) -> None:
        moved: set = set()
        old_ids = {entry[0] for entry in old}
        by_id: dict = {}
        fresh_by_type: dict = {}  # messages with ids the old protocol lacks, by type
        for entry in new:
            by_id.setdefault(entry[0], entry)
            if entry[0] not in old_ids:
                fresh_by_type.setdefault(entry[2], entry)
        for mid, variant, ty in old:
            path = f"{prefix}::{variant}"
            now = by_id.get(mid)
            if now is not None:
                if now[1] != variant:
                    self.push(COMPATIBLE, path, f"variant renamed to {now[1]}", "names are not on the wire")
                self.types(f"{prefix}::{now[1]}", ty, now[2], True)
                continue
            now = fresh_by_type.get(ty)
            if now is not None:
                moved.add(now[0])
                self.push(BREAKING, path, f"message id {mid} → {now[0]}", "the header names the message by its id")
            else:
                self.push(OLD_READER_NEW_WRITER, path, f"message {mid} removed",
                          "new readers reject it from old writers (unknown message type)")
        for mid, variant, _ in new:
            if mid in old_ids or mid in moved:
                continue
            self.push(NEW_READER_OLD_WRITER, f"{prefix}::{variant}", f"message {mid} added",
                      "old readers reject it (unknown message type; a server answers code 1)")


def _frozen_fields(schema: ParsedSchema, name: str) -> list | None:
    definition = schema.definitions.get(name)
    if definition is not None and not definition.evolvable and definition.kind == "struct":
        return definition.fields.fields
    return None
