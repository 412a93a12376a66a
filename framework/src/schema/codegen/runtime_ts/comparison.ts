// -------------------------------------------------------------- comparison --
// Two schemas compared by the rules of §13.3: the Rust checker
// (`wirewright::schema::compare`) line for line, so that a HELLO is judged here as a Rust
// peer judges it.

/** Types compared deeper than this (through definitions) are reported as breaking. */
export const MAX_COMPARE_DEPTH = 128;

export const COMPATIBLE = "compatible";
export const NEW_READER_OLD_WRITER = "compatible new reader/old writer";
export const OLD_READER_NEW_WRITER = "compatible old reader/new writer";
export const BREAKING = "breaking";

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
