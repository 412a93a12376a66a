# ------------------------------------------------------------------ frames --

MAGIC = b"WWRT"
VERSION = 1
JSON, CONTROL, RESPONSE, ERROR = 0x01, 0x02, 0x04, 0x08
PING, PONG, GOODBYE, HELLO = 1, 2, 3, 4
DEADLINE, CANCEL, CREDIT, OPEN, END = 5, 6, 7, 8, 9  # §11.7 and §11.8
BASE_KINDS = frozenset((PING, PONG, GOODBYE, HELLO))  # §7: what every peer reads
SERVER_KINDS = BASE_KINDS | {DEADLINE, CANCEL, CREDIT}  # a server of §11.7/§11.8 reads these too
CLIENT_KINDS = SERVER_KINDS | {OPEN, END}  # a client reads (and ignores) DEADLINE, CANCEL, CREDIT
MAX_CREDIT = (1 << 31) - 1  # a stream's credit never goes above this (§11.8)
HEADER = struct.Struct("<4sBBHII")


@dataclass
class Frame:
    """A frame (§3): header fields and the payload bytes."""

    flags: int
    type: int
    correlation: int
    payload: bytes


def encode_frame(frame: Frame) -> bytes:
    head = HEADER.pack(MAGIC, VERSION, frame.flags, frame.type, frame.correlation, len(frame.payload))
    crc = zlib.crc32(frame.payload, zlib.crc32(head))
    return head + frame.payload + crc.to_bytes(4, "little")


def check_flags(flags: int) -> None:
    if flags & 0xF0:
        raise WireError("reserved-flags", 5, f"flags {flags:#04x}")
    if (flags & ERROR and not flags & RESPONSE) or (flags & CONTROL and flags & (RESPONSE | ERROR)) \
            or (flags & ERROR and flags & JSON):
        raise WireError("invalid-flags", 5, f"flags {flags:#04x}")


def check_header(data: bytes, max_len: int = MAX_FRAME_LEN) -> int | None:
    """Checks the header bytes present in order (§3.4); returns the payload
    length once all 16 are there, None while fewer are."""
    for i in range(min(4, len(data))):
        if data[i] != MAGIC[i]:
            raise WireError("bad-magic", i, f"byte {data[i]:#04x}")
    if len(data) > 4 and data[4] != VERSION:
        raise WireError("unsupported-version", 4, f"version {data[4]}")
    if len(data) > 5:
        check_flags(data[5])
    if len(data) < 16:
        return None
    length = int.from_bytes(data[12:16], "little")
    if length > max_len:
        raise WireError("frame-too-large", 12, f"{length} > {max_len}")
    return length


def check_control(frame: Frame, kinds=BASE_KINDS) -> None:
    """§7: kind, flags, correlation id and payload of a control frame. `kinds` are the
    control kinds this side reads (§11.7 and §11.8 add 5 to 9 on request/response
    connections whose peers implement them); any other is a malformed control frame."""
    if frame.flags & JSON:
        raise WireError("malformed-control", 5, "a control frame with the JSON flag")
    if frame.type not in kinds:
        raise WireError("malformed-control", 6, f"control kind {frame.type}")
    if frame.correlation != 0:
        raise WireError("malformed-control", 8, "a control frame with a correlation id")
    p = frame.payload
    if frame.type in (PING, PONG):
        if len(p) != 8:
            raise WireError("malformed-control", 16, f"a nonce is 8 bytes, not {len(p)}")
        return
    if frame.type >= DEADLINE:
        signal_payload(frame)
        return
    try:
        decode_value(HELLO_CODEC if frame.type == HELLO else GOODBYE_CODEC, p)
    except WireError as err:
        raise WireError("malformed-control", 16 + err.offset, str(err)) from None


def signal_payload(frame: Frame) -> tuple[int, int | None]:
    """The payload of a DEADLINE, CANCEL, CREDIT, OPEN or END frame (§11.7, §11.8): the
    correlation id (fixed u32) and, for DEADLINE and CREDIT, the varint after it (the
    milliseconds left, the bytes granted). Exact: bytes missing or left over, or a CREDIT
    of 0, are a malformed control frame."""
    p = frame.payload
    if len(p) < 4:
        raise WireError("malformed-control", 16 + len(p), f"a correlation id is 4 bytes, not {len(p)}")
    cid = int.from_bytes(p[:4], "little")
    if frame.type not in (DEADLINE, CREDIT):
        if len(p) != 4:
            raise WireError("malformed-control", 20, f"{len(p) - 4} bytes after the correlation id")
        return cid, None
    try:
        n = decode_value(IntCodec(32, False), p[4:])
    except WireError as err:
        raise WireError("malformed-control", 20 + err.offset, str(err)) from None
    if frame.type == CREDIT and n == 0:
        raise WireError("malformed-control", 20, "a CREDIT of 0 bytes")
    return cid, n


def signal_frame(kind: int, cid: int, n: int | None = None) -> Frame:
    """A DEADLINE, CANCEL, CREDIT, OPEN or END frame for the call `cid` (§11.7, §11.8)."""
    payload = cid.to_bytes(4, "little") + (b"" if n is None else encode_value(IntCodec(32, False), n))
    return Frame(CONTROL, kind, 0, payload)


def decode_frame(data: bytes, max_len: int = MAX_FRAME_LEN, kinds=BASE_KINDS) -> Frame:
    """Decodes a buffer holding exactly one frame (§3.4 checks 1-5 and §7)."""
    data = bytes(data)
    length = check_header(data, max_len)
    if length is None:
        raise WireError("truncated", len(data), "inside the header")
    if len(data) < 20 + length:
        raise WireError("truncated", len(data), f"a frame of {20 + length} bytes")
    crc = zlib.crc32(data[:16 + length])
    if crc != int.from_bytes(data[16 + length:20 + length], "little"):
        raise WireError("bad-crc", 16 + length)
    if len(data) > 20 + length:
        raise WireError("trailing-bytes", 20 + length)
    _, _, flags, mtype, corr, _ = HEADER.unpack_from(data)
    frame = Frame(flags, mtype, corr, data[16:16 + length])
    if flags & CONTROL:
        check_control(frame, kinds)
    return frame


class FrameBuffer:
    """Splits a byte stream into frames, checking each header byte as it
    arrives and never holding more than one frame plus what was received. A header
    declaring more than `max_len`, or a HELLO longer than MAX_HELLO_LEN (§13.6), is
    refused before any of its payload is held."""

    def __init__(self, max_len: int = MAX_FRAME_LEN, kinds=BASE_KINDS):
        self.buf = bytearray()
        self.max_len = max_len
        self.kinds = kinds  # the control kinds this side reads

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        frames = []
        while True:
            length = check_header(self.buf[:16], self.max_len)
            if length is not None and self.buf[5] & CONTROL and self.buf[6] | self.buf[7] << 8 == HELLO \
                    and 20 + length > MAX_HELLO_LEN:  # refused from the header (§13.6)
                raise WireError("malformed-control", 12, f"a HELLO of {20 + length} bytes, over {MAX_HELLO_LEN}")
            if length is None or len(self.buf) < 20 + length:
                return frames
            frames.append(decode_frame(self.buf[:20 + length], self.max_len, self.kinds))
            del self.buf[:20 + length]


@dataclass
class GoodbyePayload(WireValue):
    """GOODBYE's payload (§7): reason, then a message for logs."""

    reason: int = 0
    message: str = ""


GOODBYE_CODEC = StructCodec("Goodbye", GoodbyePayload, [Field("reason", IntCodec(8, False)), Field("message", StringCodec())])
GoodbyePayload._codec = GOODBYE_CODEC


def ping_frame(nonce: int, kind: int = PING) -> Frame:
    return Frame(CONTROL, kind, 0, nonce.to_bytes(8, "little"))


def goodbye_frame(reason: int, message: str = "") -> Frame:
    return Frame(CONTROL, GOODBYE, 0, GoodbyePayload(reason, message[:256]).encode())


def encode_failure(message: str) -> bytes:
    """The payload of an error frame of code 1-5 (§11.3): a string."""
    return encode_value(StringCodec(), message)
