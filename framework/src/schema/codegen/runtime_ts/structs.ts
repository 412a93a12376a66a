// -------------------------------------------------------- structs, enums --

/** A variant of an evolvable enum this definition does not know (§12.5). */
export class UnknownVariant {
  constructor(public tag: number, public body: Uint8Array) {}
}

export class Field {
  defaultValue: () => unknown;
  /** The schema's name (JSON's member name, §8). */
  wireName: string;
  constructor(public name: string, public codec: Codec, public since = 1, wireName: string | null = null) {
    this.defaultValue = () => codec.defaultValue();
    this.wireName = wireName ?? name;
  }
}

/** A struct (§4.10) or a variant's fields; evolvable ones are blocks (§12.3). */
export class StructCodec implements Codec {
  constructor(
    public name: string,
    public make: (values: Record<string, unknown>) => any,
    public fields: Field[],
    public evolvable = false,
    public unknown: string | null = null,
  ) {}
  minLen() { return this.evolvable ? 1 : this.fields.reduce((n, f) => n + f.codec.minLen(), 0); }
  enc(w: Writer, v: any) {
    if (!this.evolvable) return this.encFields(w, v);
    const body = new Writer();
    this.encFields(body, v);
    w.varint(body.len);
    w.bytes(body.buf.subarray(0, body.len));
  }
  encFields(w: Writer, v: any) {
    for (const f of this.fields) {
      try {
        f.codec.enc(w, v[f.name]);
      } catch (err) {
        throw err instanceof WireError ? err.inField(f.wireName).inType(this.name) : err;
      }
    }
    if (this.unknown) w.bytes(v[this.unknown] ?? new Uint8Array(0));
  }
  dec(r: Reader, top = false) {
    r.enter(r.pos);
    let v;
    try {
      v = this.evolvable ? this.decBlock(r) : this.decFields(r, top);
    } catch (err) {
      throw err instanceof WireError ? err.inType(this.name) : err;
    }
    r.depth--;
    return v;
  }
  decBlock(r: Reader) {
    const n = r.length();
    const outer = r.end;
    r.end = r.pos + n;
    const v = this.decFields(r, true);
    r.pos = r.end;
    r.end = outer;
    return v;
  }
  decFields(r: Reader, knownEnd: boolean) {
    const values: Record<string, unknown> = {};
    for (const f of this.fields) {
      if (knownEnd && f.since > 1 && r.pos === r.end) {
        values[f.name] = f.defaultValue();
        continue;
      }
      try {
        values[f.name] = f.codec.dec(r);
      } catch (err) {
        throw err instanceof WireError ? err.inField(f.wireName).inType(this.name) : err;
      }
    }
    if (this.unknown) {
      values[this.unknown] = knownEnd ? r.buf.slice(r.pos, r.end) : new Uint8Array(0);
      if (knownEnd) r.pos = r.end;
    }
    return this.make(values);
  }
  defaultValue() {
    const values: Record<string, unknown> = {};
    for (const f of this.fields) values[f.name] = f.defaultValue();
    if (this.unknown) values[this.unknown] = new Uint8Array(0);
    return this.make(values);
  }
}

/** An enum (§4.11); evolvable ones put fields in a block, with a catch-all (§12.5). */
export class EnumCodec implements Codec {
  constructor(
    public name: string,
    public variants: Map<number, [Function, StructCodec]>,
    public evolvable = false,
    public catchAll = false,
  ) {}
  minLen() { return this.evolvable ? 2 : 1; }
  enc(w: Writer, v: any) {
    if (v instanceof UnknownVariant) {
      w.varint(v.tag);
      w.varint(v.body.length);
      return w.bytes(v.body);
    }
    for (const [tag, [cls, codec]] of this.variants) {
      if (v.constructor !== cls) continue;
      w.varint(tag);
      if (!this.evolvable) return codec.encFields(w, v);
      const body = new Writer();
      codec.encFields(body, v);
      w.varint(body.len);
      return w.bytes(body.buf.subarray(0, body.len));
    }
    throw new WireError("invalid-value", w.len, `not a variant of ${this.name}`);
  }
  dec(r: Reader, top = false) {
    const start = r.pos;
    r.enter(start);
    let variant: [Function, StructCodec] | undefined;
    let v;
    try {
      const tag = r.varint32();
      variant = this.variants.get(tag);
      if (!variant) {
        if (!(this.evolvable && this.catchAll)) throw new WireError("unknown-variant", start, `${this.name} has no tag ${tag}`);
        const n = r.length();
        v = new UnknownVariant(tag, r.take(n).slice());
      } else {
        v = this.evolvable ? variant[1].decBlock(r) : variant[1].decFields(r, top);
      }
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      if (variant) err.inVariant(variant[1].name.slice(variant[1].name.lastIndexOf("::") + 2)); // `Shape::Rect.width`
      throw err.inType(this.name);
    }
    r.depth--;
    return v;
  }
  defaultValue() {
    const first = Math.min(...this.variants.keys());
    return this.variants.get(first)![1].defaultValue();
  }
}

export function encodeValue<T>(codec: Codec<T>, value: T): Uint8Array {
  return encoded(codec, value);
}

/** Decodes one value; with `payload` (a frame's), bytes after it are a tail (§12.2). */
export function decodeValue<T>(codec: Codec<T>, data: Uint8Array, payload = false): T {
  const r = new Reader(data);
  const top = codec instanceof StructCodec || codec instanceof EnumCodec;
  const v = codec.dec(r, top);
  if (r.pos !== r.end && !payload) throw new WireError("trailing-bytes", r.pos, `${r.end - r.pos} bytes after the value`);
  return v;
}

/** A set of messages sharing a connection (§4.12), by message-type id. */
export class Protocol {
  /** `schema`: what HELLO announces, when the module has this protocol's schema. */
  constructor(public name: string, public byId: Map<number, { codec: Codec; new (...args: any[]): any }>, public schema: SchemaInfo | null = null) {}
  encode(message: any): [number, Uint8Array] {
    for (const [id, cls] of this.byId) {
      if (message instanceof cls) return [id, encodeValue(cls.codec, message)];
    }
    throw new WireError("invalid-value", 0, `not a message of ${this.name}`);
  }
  decode(id: number, payload: Uint8Array): any {
    const cls = this.byId.get(id);
    if (!cls) throw new WireError("unknown-message-type", 6, `${this.name} has no message ${id}`);
    return decodeValue(cls.codec, payload, true);
  }
}
