#!/usr/bin/env python3
"""Writes proto/vectors/: golden frames of protocol version 1.

A third, independent encoder (Python standard library only) so that the C and TypeScript
codecs are each checked against something that is neither of them. Run it only when the
protocol changes; the files it writes are committed and both test suites read them.
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "proto", "vectors")

KIND = {"request": 0, "response": 1, "event": 2, "error": 3}
TYPE = {"hello": 1, "ping": 2, "stats": 3, "reset": 4, "boot": 5,
        "segment.begin": 0x10, "segment.chunk": 0x11, "segment.commit": 0x12, "segment.abort": 0x13,
        "segment.list": 0x14, "segment.unload": 0x15,
        "tensor.put": 0x20, "tensor.get": 0x21, "infer": 0x22, "profile": 0x23,
        "sense": 0x30, "deliver": 0x31, "outputs": 0x32}


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


def cbor(v):
    if v is False:
        return b"\xf4"
    if v is True:
        return b"\xf5"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return cbor_head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        keys = sorted(v)
        return cbor_head(5, len(keys)) + b"".join(cbor(k) + cbor(v[k]) for k in keys)
    raise TypeError(v)


def diag(v):
    if v is False:
        return "false"
    if v is True:
        return "true"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return "h'" + bytes(v).hex() + "'"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(diag(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(diag(k) + ": " + diag(v[k]) for k in sorted(v)) + "}"
    raise TypeError(v)


def cobs(data):
    """COBS, canonical form: no trailing 0x01 code after a full 254-byte block at the end."""
    out = bytearray()
    block = bytearray()
    full_block_last = False
    for b in data:
        full_block_last = False
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out.append(255)
                out += block
                block = bytearray()
                full_block_last = True
    if not full_block_last:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def raw_frame(kind, rid, mtype, body, version=1, length=None):
    length = len(body) if length is None else length
    head = struct.pack("<BBHHH", version, KIND[kind], rid, mtype, length)
    return head + body + struct.pack("<I", zlib.crc32(head + body) & 0xFFFFFFFF)


def vector(name, note, kind, rid, mtype, body, message):
    b = cbor(body)
    raw = raw_frame(kind, rid, TYPE[mtype] if isinstance(mtype, str) else mtype, b)
    return {
        "name": name,
        "note": note,
        "version": 1,
        "kind": kind,
        "id": rid,
        "type": mtype if isinstance(mtype, str) else mtype,
        "type_code": TYPE[mtype] if isinstance(mtype, str) else mtype,
        "body_diag": diag(body),
        "message": message,
        "raw_hex": raw.hex(),
        "wire_hex": (cobs(raw) + b"\x00").hex(),
    }


# Every message type a board of this firmware serves, as its hello lists them (ascending).
HELLO_MESSAGES = [0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x20, 0x21, 0x22, 0x23,
                  0x30, 0x31, 0x32]


def main():
    os.makedirs(os.path.join(OUT, "invalid"), exist_ok=True)
    payload_300 = bytes((i * 7 + 3) & 0xFF for i in range(300))  # crosses a COBS block, has zeros
    vectors = [
        vector("hello-request", "The first request on every connection.", "request", 1, "hello", {}, {}),
        vector(
            "hello-response",
            "An emulated MAX78000 with the register engine (format 2 segments, headers up to 64 KiB), "
            "a microphone and an LED, 48 credits, 96 tensor slots, a sense queue of 24, paced at 921600 baud.",
            "response", 1, "hello",
            {0: 1, 1: "0.1.0", 2: "emu-1", 3: "max78000", 4: 50000000, 5: 442368, 6: 2048,
             7: 524288, 8: 32, 9: 8192, 10: 8064, 11: 48,
             12: [{0: "microphone", 1: [128, 128, 1], 2: 1000000}], 13: ["led"],
             14: HELLO_MESSAGES, 15: 921600, 16: 3735928559, 17: 2097152, 18: "power-on",
             19: "8c3f1a2b4d5e6f70", 20: "register", 21: 65536, 22: 96, 23: 24},
            {"proto": 1, "firmware": "0.1.0", "boardId": "emu-1", "chip": "max78000",
             "cnnClockHz": 50000000, "weightMem": 442368, "biasMem": 2048, "dataMem": 524288,
             "maxLayers": 32, "maxFrame": 8192, "maxPayload": 8064, "maxInFlight": 48,
             "sensors": [{"kind": "microphone", "shape": [128, 128, 1], "rateMhz": 1000000}],
             "outputs": ["led"], "messages": HELLO_MESSAGES, "linkBaud": 921600,
             "session": 3735928559, "tensorMem": 2097152, "resetCause": "power-on",
             "buildId": "8c3f1a2b4d5e6f70", "engine": "register", "headerMax": 65536,
             "tensorSlots": 96, "senseQueue": 24},
        ),
        vector("ping-request-empty", "A ping with no payload.", "request", 2, "ping",
               {0: b""}, {"payload": ""}),
        vector("ping-request-zeros", "Payload of zero bytes: COBS must remove every one.",
               "request", 65535, "ping", {0: bytes(8)}, {"payload": "00" * 8}),
        vector("ping-response-300", "A 300-byte payload: more than one COBS block.",
               "response", 513, "ping", {0: payload_300}, {"payload": payload_300.hex()}),
        vector("ping-request-long-run", "600 bytes of 0x55: runs longer than one 254-byte COBS block.",
               "request", 258, "ping", {0: b"\x55" * 600}, {"payload": "55" * 600}),
        vector("stats-request", "", "request", 7, "stats", {}, {}),
        vector(
            "stats-response", "Counters, some past 16 and 32 bits to test integer widths.",
            "response", 7, "stats",
            {0: 1000, 1: 1001, 2: 3, 3: 2, 4: 5, 5: 86400000, 6: 70000, 7: 4294967296, 8: 1},
            {"framesIn": 1000, "framesOut": 1001, "crcErrors": 3, "framingErrors": 2,
             "rejected": 5, "uptimeMs": 86400000, "bytesIn": 70000, "bytesOut": 4294967296,
             "oversize": 1},
        ),
        vector(
            "stats-response-stack", "A bare-metal board's counters with its stack high-water mark.",
            "response", 8, "stats",
            {0: 12, 1: 13, 2: 0, 3: 0, 4: 0, 5: 2500, 6: 840, 7: 1320, 8: 0, 9: 6184},
            {"framesIn": 12, "framesOut": 13, "crcErrors": 0, "framingErrors": 0,
             "rejected": 0, "uptimeMs": 2500, "bytesIn": 840, "bytesOut": 1320,
             "oversize": 0, "stackPeak": 6184},
        ),
        vector("reset-request", "", "request", 9, "reset", {}, {}),
        vector("reset-response", "", "response", 9, "reset", {}, {}),
        vector("boot-event", "Announced at every start.", "event", 0, "boot",
               {0: "power-on", 1: 305419896, 2: "0.1.0", 3: "emu-1"},
               {"reason": "power-on", "session": 305419896, "firmware": "0.1.0", "boardId": "emu-1"}),
        vector("boot-event-break", "A board reset by a serial BREAK on its link.", "event", 3, "boot",
               {0: "break", 1: 2596069104, 2: "0.1.0", 3: "044417021a2b3c4d"},
               {"reason": "break", "session": 2596069104, "firmware": "0.1.0", "boardId": "044417021a2b3c4d"}),
        vector("error-unknown-type", "The answer to a request of type 0x0777.", "error", 12, 0x0777,
               {0: 5, 1: "unknown message type 0x0777"},
               {"code": 5, "name": "unknown_type", "message": "unknown message type 0x0777"}),
        vector("error-too-large", "The answer to a frame over the limit.", "error", 4, "ping",
               {0: 3, 1: "frame of more than 8192 bytes exceeds max_frame 8192"},
               {"code": 3, "name": "too_large",
                "message": "frame of more than 8192 bytes exceeds max_frame 8192"}),
    ]
    sha = bytes(range(32))
    fit = {0: 3, 1: 3, 2: 72, 3: 0, 4: 4608, 5: 41472, 6: [0, 0, 0, 0], 7: 0, 8: 16384, 9: 16384}
    fit_named = {"layers": 3, "hardwareLayers": 3, "kernelMaxColumns": 72, "busiestProcessor": 0,
                 "kernelWords": 4608, "weightBytes": 41472, "biasPerQuadrant": [0, 0, 0, 0], "biasBytes": 0,
                 "dataMaxInputEnd": 16384, "dataMaxOutputEnd": 16384}
    vectors += [
        vector("segment-begin-request", "Announce a 70,000-byte segment and its SHA-256.", "request", 20,
               "segment.begin", {0: "kws20_v3:0-2", 1: 70000, 2: sha},
               {"id": "kws20_v3:0-2", "size": 70000, "sha256": sha.hex()}),
        vector("segment-begin-response", "The board holds 16,128 bytes of this upload already: resume there.",
               "response", 20, "segment.begin", {0: 16128}, {"nextOffset": 16128}),
        vector("segment-chunk-request", "Eight bytes at offset 16,128.", "request", 21, "segment.chunk",
               {0: 16128, 1: bytes([1, 2, 3, 4, 5, 6, 7, 8])}, {"offset": 16128, "data": "0102030405060708"}),
        vector("segment-commit-response", "Committed: the fit of everything now resident.", "response", 22,
               "segment.commit", {0: "kws20_v3:0-2", 1: fit}, {"id": "kws20_v3:0-2", "fit": fit_named}),
        vector("segment-list-response", "One resident segment.", "response", 23, "segment.list",
               {0: [{0: "kws20_v3:0-2", 1: "kws20_v3", 2: 0, 3: 3, 4: 41472}], 1: fit},
               {"segments": [{"id": "kws20_v3:0-2", "model": "kws20_v3", "first": 0, "count": 3,
                              "weightBytes": 41472}], "fit": fit_named}),
        vector("tensor-put-request", "The first chunk of a 784-byte input into slot 2.", "request", 30,
               "tensor.put", {0: 2, 1: 0, 2: 784, 3: bytes([0xFF, 0x80, 0x7F, 0x00])},
               {"slot": 2, "offset": 0, "total": 784, "data": "ff807f00"}),
        vector("infer-request", "Run a segment on slot 2 into slot 3, outputs inline.", "request", 31, "infer",
               {0: "mnist:0-4", 1: [2], 2: [3], 3: True},
               {"segment": "mnist:0-4", "inputs": [2], "outputs": [3], "inline": True}),
        vector("infer-response", "Two layers, a 10-value 32-bit output returned inline.", "response", 31, "infer",
               {0: [8188, 3000], 1: 11189, 2: [{0: 3, 1: [10, 1, 1], 2: 32, 3: 40}],
                3: [bytes(range(40))], 4: 22, 5: 223, 6: 0},
               {"layerCycles": [8188, 3000], "totalCycles": 11189,
                "outputs": [{"slot": 3, "shape": [10, 1, 1], "width": 32, "bytes": 40}],
                "inline": [bytes(range(40)).hex()], "cpuUs": 22, "cnnUs": 223, "queuedUs": 0}),
        vector("profile-response", "Per-layer and whole-segment spreads over 10 runs.", "response", 32, "profile",
               {0: [{0: 8188, 1: 8188, 2: 8188}, {0: 3000, 1: 3000, 2: 3001}], 1: {0: 11189, 1: 11189, 2: 11190},
                2: 10},
               {"layers": [{"min": 8188, "median": 8188, "max": 8188}, {"min": 3000, "median": 3000, "max": 3001}],
                "total": {"min": 11189, "median": 11189, "max": 11190}, "runs": 10}),
        vector("sense-response", "Frame 41 of a 128x128 microphone window.", "response", 40, "sense",
               {0: 41, 1: 41000000, 2: [128, 128, 1]}, {"frame": 41, "tUs": 41000000, "shape": [128, 128, 1]}),
        vector("deliver-request", "Deliver slot 5 to output 0.", "request", 41, "deliver", {0: 0, 1: 5},
               {"output": 0, "slot": 5}),
        vector("outputs-response", "What the emulated LED has received.", "response", 42, "outputs",
               {0: [{0: "led", 1: 12, 2: 3735928559, 3: 100}]},
               {"outputs": [{"kind": "led", "count": 12, "lastCrc32": 3735928559, "lastBytes": 100}]}),
    ]
    for v in vectors:
        with open(os.path.join(OUT, v["name"] + ".json"), "w") as f:
            json.dump(v, f, indent=2)
            f.write("\n")

    good = bytes.fromhex(vectors[2]["raw_hex"])
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0x01
    invalid = [
        ("bad-crc", "The last CRC byte flipped.", cobs(bytes(bad_crc)) + b"\x00", "bad_crc", 2, 2),
        ("short-frame", "Five bytes: shorter than header and CRC.", cobs(b"\x01\x00\x02\x00\x02") + b"\x00",
         "bad_frame", 0, 0),
        ("bad-cobs", "A COBS code byte that points past the end of the run.", b"\x09\x01\x02\x00",
         "bad_frame", 0, 0),
        ("bad-length", "Header says 2 body bytes, the frame has 3.",
         cobs(raw_frame("request", 3, 2, cbor({0: b""}), length=2)) + b"\x00", "bad_frame", 3, 2),
        ("bad-version", "Header version 2.",
         cobs(raw_frame("request", 4, 2, cbor({0: b""}), version=2)) + b"\x00", "bad_version", 4, 2),
        ("bad-body", "Body is a truncated CBOR map.",
         cobs(raw_frame("request", 5, 2, b"\xa1\x00")) + b"\x00", "bad_body", 5, 2),
        ("bad-body-float", "Body holds a float, outside the subset.",
         cobs(raw_frame("request", 6, 2, b"\xa1\x00\xf9\x3c\x00")) + b"\x00", "bad_body", 6, 2),
        ("unknown-type", "Type 0x0777.",
         cobs(raw_frame("request", 12, 0x0777, cbor({}))) + b"\x00", "unknown_type", 12, 0x0777),
    ]
    # Segment ids (PROTOCOL.md 8): 1..64 bytes of 0x21..0x7e, checked by every message that takes
    # one before anything else; `reason` is the text both sides' messages end with.
    def id_case(name, note, mtype, body, reason, rid, code="bad_argument"):
        return (name, note, cobs(raw_frame("request", rid, TYPE[mtype], cbor(body))) + b"\x00", code, rid,
                TYPE[mtype], reason)
    ids = [
        id_case("segment-begin-id-nul", "A NUL inside the id: it would cut the id short, so two ids would collide.",
                "segment.begin", {0: "kws\x00:0-2", 1: 70000, 2: sha}, "byte 3 is 0x00, not 0x21..0x7e", 50),
        id_case("segment-begin-id-empty", "An empty id.", "segment.begin", {0: "", 1: 70000, 2: sha},
                "empty, ids are 1..64 bytes", 51),
        id_case("segment-begin-id-control", "An escape byte (a control character) first.", "segment.begin",
                {0: "\x1b[2Jkws", 1: 70000, 2: sha}, "byte 0 is 0x1b, not 0x21..0x7e", 52),
        id_case("segment-begin-id-space", "A space: ids are one token.", "segment.begin",
                {0: "kws 0-2", 1: 70000, 2: sha}, "byte 3 is 0x20, not 0x21..0x7e", 53),
        id_case("segment-begin-id-del", "DEL (0x7f) at the end.", "segment.begin",
                {0: "kws\x7f", 1: 70000, 2: sha}, "byte 3 is 0x7f, not 0x21..0x7e", 54),
        id_case("segment-begin-id-utf8", "Valid UTF-8 outside ASCII: the first byte of the e-acute is named.",
                "segment.begin", {0: "caf\u00e9:0-1", 1: 70000, 2: sha}, "byte 3 is 0xc3, not 0x21..0x7e", 55),
        id_case("segment-begin-id-too-long", "65 bytes: longer than any text of the CBOR subset (section 3).",
                "segment.begin", {0: "a" * 65, 1: 70000, 2: sha}, None, 56, code="bad_body"),
        id_case("segment-unload-id-nul", "unload checks the id before looking it up.", "segment.unload",
                {0: "kws20_v3:0-2\x00"}, "byte 12 is 0x00, not 0x21..0x7e", 57),
        id_case("segment-unload-id-empty", "", "segment.unload", {0: ""}, "empty, ids are 1..64 bytes", 58),
        id_case("infer-segment-id-control", "infer checks the id before looking it up.", "infer",
                {0: "mnist\n:0-4", 1: [2], 2: [3]}, "byte 5 is 0x0a, not 0x21..0x7e", 59),
        id_case("profile-segment-id-empty", "profile checks the id before looking it up.", "profile",
                {0: "", 1: 1, 2: 10, 3: [2]}, "empty, ids are 1..64 bytes", 60),
    ]
    for name, note, wire, code, rid, mtype, *rest in invalid + ids:
        entry = {"name": name, "note": note, "wire_hex": wire.hex(), "error": code, "id": rid, "type_code": mtype}
        if rest and rest[0] is not None:
            entry["reason"] = rest[0]
        with open(os.path.join(OUT, "invalid", name + ".json"), "w") as f:
            json.dump(entry, f, indent=2)
            f.write("\n")
    print(f"wrote {len(vectors)} vectors and {len(invalid) + len(ids)} invalid runs to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
