#!/usr/bin/python3
"""Cross-check of rawsctp's SCTP decoder against scapy's SCTP layer.

    /usr/bin/python3 scapy_check.py PATH/TO/sctp-decode

Builds packets with scapy (scapy.layers.sctp, scapy 2.5.0) covering every
chunk type, every parameter type and every error cause code, with distinctive
non-default field values. Each packet is serialized by scapy (scapy also
computes the CRC32c), dissected again by scapy (SCTP(bytes(p))), and from the
field values scapy reads back this script computes the packetdrill-notation
line that `sctp-decode --full --hex` must print (the format of
proto/src/to_string.cc). The two strings are compared exactly, and the exit
status of sctp-decode must be 0 (so the CRC32c that scapy computed must verify
in rawsctp: an independent check of our CRC).

A second set of deliberately malformed packets (length overruns, bad lengths,
bad CRC) must make sctp-decode exit 1 and print MALFORMED / BAD CHECKSUM.

What scapy 2.5.0 lacks is built with struct and carried in scapy Raw layers,
and read back by the small byte parsers below (marked "scapy lacks"):
  * chunks ECNE (12), CWR (13), I-DATA (64), RE-CONFIG (130), PAD (132),
    FORWARD TSN (192), I-FORWARD TSN (194), and unknown chunk types;
  * parameters Zero Checksum Acceptable (0x8001), Padding (0x8005), the
    RE-CONFIG parameters (13..18) and unknown parameter types;
  * every error cause (scapy keeps ABORT/ERROR causes as one byte string).
Scapy dissects a chunk or parameter type it does not know as one Raw layer
that swallows everything after it, so such Raw payloads are split into
TLVs here and each TLV of a type scapy knows is dissected by scapy again.

Exit status 0 if every check passed, 1 otherwise.
"""

import socket
import struct
import subprocess
import sys

from scapy.packet import NoPayload, Padding, Raw
from scapy.layers import sctp as S
from scapy.layers.sctp import (
    SCTP,
    SCTPChunkAbort,
    SCTPChunkAddressConf,
    SCTPChunkAddressConfAck,
    SCTPChunkAuthentication,
    SCTPChunkCookieAck,
    SCTPChunkCookieEcho,
    SCTPChunkData,
    SCTPChunkError,
    SCTPChunkHeartbeatAck,
    SCTPChunkHeartbeatReq,
    SCTPChunkInit,
    SCTPChunkInitAck,
    SCTPChunkParamAdaptationLayer,
    SCTPChunkParamAddIPAddr,
    SCTPChunkParamChunkList,
    SCTPChunkParamCookiePreservative,
    SCTPChunkParamDelIPAddr,
    SCTPChunkParamECNCapable,
    SCTPChunkParamErrorIndication,
    SCTPChunkParamFwdTSN,
    SCTPChunkParamHeartbeatInfo,
    SCTPChunkParamHostname,
    SCTPChunkParamIPv4Addr,
    SCTPChunkParamIPv6Addr,
    SCTPChunkParamRandom,
    SCTPChunkParamRequestedHMACFunctions,
    SCTPChunkParamSetPrimaryAddr,
    SCTPChunkParamStateCookie,
    SCTPChunkParamSuccessIndication,
    SCTPChunkParamSupportedAddrTypes,
    SCTPChunkParamSupportedExtensions,
    SCTPChunkParamUnrocognizedParam,
    SCTPChunkSACK,
    SCTPChunkShutdown,
    SCTPChunkShutdownAck,
    SCTPChunkShutdownComplete,
)

# ---------------------------------------------------------------------------
# The packetdrill notation (mirrors the format of proto/src/to_string.cc).

CHUNK_NAMES = {
    0: "DATA", 1: "INIT", 2: "INIT_ACK", 3: "SACK", 4: "HEARTBEAT", 5: "HEARTBEAT_ACK",
    6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN_ACK", 9: "ERROR", 10: "COOKIE_ECHO",
    11: "COOKIE_ACK", 12: "ECNE", 13: "CWR", 14: "SHUTDOWN_COMPLETE", 15: "AUTH",
    16: "NR_SACK", 64: "I_DATA", 0x80: "ASCONF_ACK", 130: "RECONFIG", 132: "PAD",
    192: "FORWARD_TSN", 0xC1: "ASCONF", 194: "I_FORWARD_TSN",
}
ADDRESS_TYPE_NAMES = {5: "IPv4", 6: "IPv6", 11: "HOSTNAME"}


def pad4(n):
    return (n + 3) & ~3


def fmt_bytes(b):
    return "[" + ", ".join("0x%02x" % x for x in bytes(b)) + "]"


def fmt_quoted(b):
    out = '"'
    for ch in bytes(b):
        if ch in (0x22, 0x5C):
            out += "\\" + chr(ch)
        elif 0x20 <= ch < 0x7F:
            out += chr(ch)
        else:
            out += "\\x%02x" % ch
    return out + '"'


def fmt_flags(f):
    return "flgs=0" if f == 0 else "flgs=0x%02x" % f


def fmt_data_flags(f):
    if f == 0 or f & 0xF0:
        return fmt_flags(f)
    return "flgs=" + "".join(l for bit, l in ((8, "I"), (4, "U"), (2, "B"), (1, "E")) if f & bit)


def fmt_t_flags(f):
    return "flgs=T" if f == 1 else fmt_flags(f)


def chunk_type_name(t):
    return CHUNK_NAMES.get(t, "0x%02x" % t)


def split_tlvs(b):
    """Splits a region of TLVs (parameters, causes or chunks use the same
    framing: 2-byte type or type+flags, 2-byte length, value, pad to 4).
    Yields (header int, whole TLV bytes without padding)."""
    b = bytes(b)
    pos = 0
    while pos + 4 <= len(b):
        length = struct.unpack_from(">H", b, pos + 2)[0]
        if length < 4 or pos + length > len(b):
            raise ValueError("bad TLV framing at %d in %s" % (pos, b.hex()))
        yield struct.unpack_from(">H", b, pos)[0], b[pos:pos + length]
        pos += pad4(length)
    if pos < len(b) and any(b[pos:]):
        raise ValueError("non-zero trailing bytes in %s" % b.hex())


# ---------------------------------------------------------------------------
# Parameters, from scapy objects.

def scapy_param(tlv):
    """Dissects one parameter TLV with scapy's own parameter classes (the
    same dispatch scapy's ChunkParamField uses); Raw for types scapy lacks."""
    return S.ChunkParamField("p", None).m2i(None, bytes(tlv) + b"\0" * (pad4(len(tlv)) - len(tlv)))


def fmt_param_list(params):
    """A list of scapy parameter objects as rawsctp prints it."""
    out = []
    for p in params or []:
        if isinstance(p, Raw):
            # Scapy lacks this parameter type: its Raw layer holds it and every
            # parameter after it. Split them and let scapy dissect the ones it knows.
            for t, tlv in split_tlvs(p.load):
                q = scapy_param(tlv)
                out.append(fmt_raw_param(t, tlv[4:]) if isinstance(q, Raw) else fmt_param(q))
        else:
            out.append(fmt_param(p))
            if p.payload and not isinstance(p.payload, NoPayload):
                raise ValueError("unexpected payload after parameter %r" % p)
    return ", ".join(out)


def fmt_params_bytes(b):
    return fmt_param_list([scapy_param(tlv) for _, tlv in split_tlvs(b)])


def inet_addr_bytes(addr_type, addr):
    if addr_type == 5:
        return socket.inet_pton(socket.AF_INET, addr)
    if addr_type == 6:
        return socket.inet_pton(socket.AF_INET6, addr)
    return bytes(addr)


def fmt_param(p):
    if isinstance(p, SCTPChunkParamHeartbeatInfo):
        return "HEARTBEAT_INFORMATION[len=%d, val=%s]" % (p.len, fmt_bytes(p.data))
    if isinstance(p, SCTPChunkParamIPv4Addr):
        return "IPV4_ADDRESS[addr=%s]" % p.addr
    if isinstance(p, SCTPChunkParamIPv6Addr):
        return "IPV6_ADDRESS[addr=%s]" % p.addr
    if isinstance(p, SCTPChunkParamStateCookie):
        return "STATE_COOKIE[len=%d, val=%s]" % (p.len, fmt_bytes(p.cookie))
    if isinstance(p, SCTPChunkParamUnrocognizedParam):
        return "UNRECOGNIZED_PARAMETER[params=[%s]]" % fmt_params_bytes(p.param)
    if isinstance(p, SCTPChunkParamCookiePreservative):
        return "COOKIE_PRESERVATIVE[incr=%d]" % p.sug_cookie_inc
    if isinstance(p, SCTPChunkParamHostname):
        return "HOSTNAME_ADDRESS[addr=%s]" % fmt_quoted(bytes(p.hostname).split(b"\0")[0])
    if isinstance(p, SCTPChunkParamSupportedAddrTypes):
        return "SUPPORTED_ADDRESS_TYPES[types=[%s]]" % ", ".join(
            ADDRESS_TYPE_NAMES.get(t, str(t)) for t in p.addr_type_list)
    if isinstance(p, SCTPChunkParamECNCapable):
        return "ECN_CAPABLE[]"
    if isinstance(p, SCTPChunkParamSupportedExtensions):
        return "SUPPORTED_EXTENSIONS[types=[%s]]" % ", ".join(
            chunk_type_name(t) for t in p.supported_extensions)
    if isinstance(p, SCTPChunkParamFwdTSN):
        return "FORWARD_TSN_SUPPORTED[]"
    if isinstance(p, SCTPChunkParamAdaptationLayer):
        return "ADAPTATION_INDICATION[adaptation_code_point=%d]" % p.indication
    # Parameters that rawsctp keeps raw (AUTH and ASCONF ones): rebuild the
    # value from scapy's fields.
    if isinstance(p, SCTPChunkParamRandom):
        value = bytes(p.random)
    elif isinstance(p, SCTPChunkParamChunkList):
        value = bytes(p.chunk_list)
    elif isinstance(p, SCTPChunkParamRequestedHMACFunctions):
        value = b"".join(struct.pack(">H", h) for h in p.HMAC_functions_list)
    elif isinstance(p, SCTPChunkParamAddIPAddr):  # also Del IP and Set Primary
        value = struct.pack(">IHH", p.correlation_id, p.addr_type, p.addr_len) + \
            inet_addr_bytes(p.addr_type, p.addr)
    elif isinstance(p, SCTPChunkParamSuccessIndication):
        value = struct.pack(">I", p.correlation_id)
    elif isinstance(p, SCTPChunkParamErrorIndication):
        # scapy 2.5.0 bug: it dissects error_causes as len-4 bytes instead of
        # len-8, so it may swallow bytes past the parameter; cut them off.
        value = struct.pack(">I", p.correlation_id) + bytes(p.error_causes)[:p.len - 8]
    else:
        raise ValueError("no formatter for scapy parameter %r" % p)
    return "PARAMETER[type=0x%04x, len=%d, val=%s]" % (p.type, p.len, fmt_bytes(value))


def fmt_raw_param(t, value):
    """Parameter types scapy lacks, from their bytes."""
    if t == 0x8001:
        return "ZERO_CHECKSUM_ACCEPTABLE[edmid=%d]" % struct.unpack(">I", value)[0]
    if t == 0x8005:
        return "PAD[len=%d, val=%s]" % (len(value) + 4, fmt_bytes(value))
    return "PARAMETER[type=0x%04x, len=%d, val=%s]" % (t, len(value) + 4, fmt_bytes(value))


# ---------------------------------------------------------------------------
# Error causes (scapy lacks them: it keeps ABORT/ERROR causes as bytes).

def fmt_embedded_chunk(b):
    t, f, length = struct.unpack_from(">BBH", b)
    return "CHUNK[type=0x%02x, %s, len=%d, val=%s]" % (t, fmt_flags(f), length, fmt_bytes(b[4:length]))


def fmt_causes(b):
    out = []
    for code, tlv in split_tlvs(b):
        v = tlv[4:]
        if code == 1:
            out.append("INVALID_STREAM_IDENTIFIER[sid=%d]" % struct.unpack_from(">H", v)[0])
        elif code == 2:
            n = struct.unpack_from(">I", v)[0]
            types = struct.unpack_from(">%dH" % n, v, 4)
            out.append("MISSING_MANDATORY_PARAMETER[types=[%s]]" % ", ".join("0x%04x" % t for t in types))
        elif code == 3:
            out.append("STALE_COOKIE_ERROR[staleness=%d]" % struct.unpack(">I", v)[0])
        elif code == 4:
            out.append("OUT_OF_RESOURCE[]")
        elif code == 5:
            out.append("UNRESOLVABLE_ADDRESS[param=%s]" % fmt_params_bytes(v))
        elif code == 6:
            out.append("UNRECOGNIZED_CHUNK_TYPE[chk=%s]" % fmt_embedded_chunk(v))
        elif code == 7:
            out.append("INVALID_MANDATORY_PARAMETER[]")
        elif code == 8:
            out.append("UNRECOGNIZED_PARAMETERS[params=[%s]]" % fmt_params_bytes(v))
        elif code == 9:
            out.append("NO_USER_DATA[tsn=%d]" % struct.unpack(">I", v)[0])
        elif code == 10:
            out.append("COOKIE_RECEIVED_WHILE_SHUTDOWN[]")
        elif code == 11:
            out.append("RESTART_WITH_NEW_ADDRESSES[params=[%s]]" % fmt_params_bytes(v))
        elif code == 12:
            out.append("USER_INITIATED_ABORT[info=%s]" % fmt_quoted(v))
        elif code == 13:
            out.append("PROTOCOL_VIOLATION[info=%s]" % fmt_quoted(v))
        else:
            out.append("CAUSE[code=%d, len=%d, info=%s]" % (code, len(tlv), fmt_bytes(v)))
    return ", ".join(out)


def cause(code, value=b"", pad=True):
    """One error cause TLV built with struct (scapy lacks cause classes)."""
    b = struct.pack(">HH", code, 4 + len(value)) + bytes(value)
    return b + b"\0" * (pad4(len(b)) - len(b)) if pad else b


# ---------------------------------------------------------------------------
# Chunks.

def trailing(s):
    return ", " + s if s else ""


def fmt_scapy_chunk(c):
    if isinstance(c, SCTPChunkData):
        flags = (c.reserved or 0) << 4 | c.delay_sack << 3 | c.unordered << 2 | c.beginning << 1 | c.ending
        return "DATA[%s, len=%d, tsn=%d, sid=%d, ssn=%d, ppid=%d]" % (
            fmt_data_flags(flags), c.len, c.tsn, c.stream_id, c.stream_seq, c.proto_id)
    if isinstance(c, SCTPChunkInit):  # also INIT ACK
        return "%s[%s, tag=%d, a_rwnd=%d, os=%d, is=%d, tsn=%d%s]" % (
            CHUNK_NAMES[c.type], fmt_flags(c.flags), c.init_tag, c.a_rwnd, c.n_out_streams,
            c.n_in_streams, c.init_tsn, trailing(fmt_param_list(c.params)))
    if isinstance(c, SCTPChunkSACK):
        gaps = ", ".join("%d:%d" % tuple(int(x) for x in g.split(":")) for g in c.gap_ack_list)
        dups = ", ".join("%d" % d for d in c.dup_tsn_list)
        return "SACK[%s, cum_tsn=%d, a_rwnd=%d, gaps=[%s], dups=[%s]]" % (
            fmt_flags(c.flags), c.cumul_tsn_ack, c.a_rwnd, gaps, dups)
    if isinstance(c, SCTPChunkHeartbeatReq):  # also HEARTBEAT ACK
        return "%s[%s%s]" % (CHUNK_NAMES[c.type], fmt_flags(c.flags), trailing(fmt_param_list(c.params)))
    if isinstance(c, SCTPChunkAbort):
        flags = (c.reserved or 0) << 1 | c.TCB
        return "ABORT[%s%s]" % (fmt_t_flags(flags), trailing(fmt_causes(c.error_causes)))
    if isinstance(c, SCTPChunkShutdown):
        return "SHUTDOWN[%s, cum_tsn=%d]" % (fmt_flags(c.flags), c.cumul_tsn_ack)
    if isinstance(c, SCTPChunkShutdownAck):
        return "SHUTDOWN_ACK[%s]" % fmt_flags(c.flags)
    if isinstance(c, SCTPChunkCookieEcho):  # a subclass of SCTPChunkError: test it first
        return "COOKIE_ECHO[%s, len=%d, val=%s]" % (fmt_flags(c.flags), c.len, fmt_bytes(c.cookie))
    if isinstance(c, SCTPChunkError):
        return "ERROR[%s%s]" % (fmt_flags(c.flags), trailing(fmt_causes(c.error_causes)))
    if isinstance(c, SCTPChunkCookieAck):
        return "COOKIE_ACK[%s]" % fmt_flags(c.flags)
    if isinstance(c, SCTPChunkShutdownComplete):
        return "SHUTDOWN_COMPLETE[%s]" % fmt_t_flags((c.reserved or 0) << 1 | c.TCB)
    if isinstance(c, SCTPChunkAuthentication):
        return "AUTH[%s, keyid=%d, hmac_id=%d, hmac=%s]" % (
            fmt_flags(c.flags), c.shared_key_id, c.HMAC_function, fmt_bytes(c.HMAC))
    if isinstance(c, SCTPChunkAddressConf):  # also ASCONF-ACK
        return "%s[%s, serial=%d%s]" % (CHUNK_NAMES[c.type], fmt_flags(c.flags), c.seq,
                                        trailing(fmt_param_list(c.params)))
    raise ValueError("no formatter for scapy chunk %r" % c)


def fmt_raw_chunk(b):
    """Chunk types scapy lacks, from their bytes (scapy lacks):
    ECNE, CWR, I-DATA, RE-CONFIG, PAD, FORWARD TSN, I-FORWARD TSN, unknown."""
    t, f, length = struct.unpack_from(">BBH", b)
    v = b[4:length]
    if t in (12, 13):
        return "%s[%s, tsn=%d]" % (CHUNK_NAMES[t], fmt_flags(f), struct.unpack(">I", v)[0])
    if t == 64:
        tsn, sid, _reserved, mid, ppid_fsn = struct.unpack_from(">IHHII", v)
        return "I_DATA[%s, len=%d, tsn=%d, sid=%d, mid=%d, %s=%d]" % (
            fmt_data_flags(f), length, tsn, sid, mid, "ppid" if f & 2 else "fsn", ppid_fsn)
    if t == 130:
        return "RECONFIG[%s%s]" % (fmt_flags(f), trailing(fmt_params_bytes(v)))
    if t == 132:
        return "PAD[%s, len=%d, val=%s]" % (fmt_flags(f), length, fmt_bytes(v))
    if t == 192:
        cum = struct.unpack_from(">I", v)[0]
        ids = [struct.unpack_from(">HH", v, i) for i in range(4, len(v), 4)]
        return "FORWARD_TSN[cum_tsn=%d, ids=[%s]]" % (cum, ", ".join("{%d,%d}" % e for e in ids))
    if t == 194:
        cum = struct.unpack_from(">I", v)[0]
        ids = [struct.unpack_from(">HHI", v, i) for i in range(4, len(v), 8)]
        return "I_FORWARD_TSN[cum_tsn=%d, ids=[%s]]" % (
            cum, ", ".join("{%d,%d,%d}" % (s, u & 1, m) for s, u, m in ids))
    if t in S.sctpchunktypescls:
        # A chunk scapy knows, after one it lacks: let scapy dissect it.
        return fmt_scapy_chunk(getattr(S, S.sctpchunktypescls[t])(b + b"\0" * (pad4(len(b)) - len(b))))
    return "CHUNK[type=0x%02x, %s, len=%d, val=%s]" % (t, fmt_flags(f), length, fmt_bytes(v))


def expected_line(pkt):
    """The line sctp-decode must print for a scapy SCTP packet dissected by scapy."""
    chunks = []
    layer = pkt.payload
    while not isinstance(layer, NoPayload):
        if isinstance(layer, Padding):
            if any(bytes(layer.load)):
                raise ValueError("non-zero padding after the last chunk")
            break
        if isinstance(layer, Raw):
            # Scapy lacks this chunk type; the Raw layer holds it and the rest.
            chunks += [fmt_raw_chunk(tlv) for _, tlv in split_tlvs(layer.load)]
            break
        chunks.append(fmt_scapy_chunk(layer))
        layer = layer.payload
    return "sctp(tag=%d): %s" % (pkt.tag, "; ".join(chunks))


# ---------------------------------------------------------------------------
# Raw chunk builders for the chunk types scapy lacks (scapy lacks).

def raw_chunk(t, flags, value, pad=True):
    b = struct.pack(">BBH", t, flags, 4 + len(value)) + bytes(value)
    return b + b"\0" * (pad4(len(b)) - len(b)) if pad else b


def raw_param(t, value):
    b = struct.pack(">HH", t, 4 + len(value)) + bytes(value)
    return b + b"\0" * (pad4(len(b)) - len(b))


def idata(flags, tsn, sid, reserved, mid, ppid_fsn, payload, pad=True):
    return raw_chunk(64, flags, struct.pack(">IHHII", tsn, sid, reserved, mid, ppid_fsn) + payload, pad)


# ---------------------------------------------------------------------------
# The packets.

SPORT, DPORT = 36412, 2905
TAG = 0x9ABCDEF0


def hdr(tag=TAG, **kw):
    return SCTP(sport=kw.pop("sport", SPORT), dport=kw.pop("dport", DPORT), tag=tag, **kw)


def all_causes(variant):
    """Causes 1..13 plus an unknown code, with values that differ per variant."""
    k = variant
    ipv4 = bytes(SCTPChunkParamIPv4Addr(addr="203.0.113.%d" % (9 + k)))
    ipv6 = bytes(SCTPChunkParamIPv6Addr(addr="2001:db8:%x::77" % (0xabc + k)))
    host = bytes(SCTPChunkParamHostname(hostname=b"unresolvable.example\0"))
    embedded_chunk = bytes(SCTPChunkShutdown(flags=0x40 + k, cumul_tsn_ack=0x0a0b0c0d))
    unknown_chunk = raw_chunk(0x7e, 0x81, b"\xfe\xed\xfa", pad=False)
    unrec = raw_param(0x8123, b"\x01\x02\x03") + bytes(SCTPChunkParamECNCapable())
    return (
        cause(1, struct.pack(">HH", 0xfedc - k, 0))
        + cause(2, struct.pack(">I3H", 3, 0x0007, 0x000c, 0xc006 + k))
        + cause(3, struct.pack(">I", 0xfffffffe - k))
        + cause(4)
        + cause(5, ipv4 if k == 0 else ipv6)
        + cause(5, host)
        + cause(6, embedded_chunk if k == 0 else unknown_chunk)
        + cause(7)
        + cause(8, unrec)
        + cause(9, struct.pack(">I", 0x80000001 + k))
        + cause(10)
        + cause(11, ipv4 + ipv6)
        + cause(12, b'bye "now" \\ \x01\x7f\xff' if k == 0 else b"")
        + cause(13, b"tsn 42 > cum 41" if k == 0 else b"\x00\x01")
        + cause(0x1234 + k, b"\xaa\xbb\xcc\xdd\xee"[: 3 + k], pad=False)  # last: no padding
    )


def good_packets():
    """(name, scapy packet) for every packet sctp-decode must decode."""
    pkts = []

    def add(name, p):
        pkts.append((name, p))

    # DATA: flags as letters, reserved bits, padding of 0..3 bytes.
    add("data_be", hdr() / SCTPChunkData(beginning=1, ending=1, tsn=0xfffffffe, stream_id=0xabcd,
                                         stream_seq=0xfedc, proto_id=0xdeadbeef, data=b"hello scapy"))
    add("data_fragments", hdr(tag=1)
        / SCTPChunkData(beginning=1, tsn=7, stream_id=1, stream_seq=2, proto_id=51, data=b"a")
        / SCTPChunkData(tsn=8, stream_id=1, stream_seq=2, proto_id=52, data=b"bc")
        / SCTPChunkData(ending=1, delay_sack=1, tsn=9, stream_id=1, stream_seq=2, proto_id=53, data=b"def")
        / SCTPChunkData(unordered=1, delay_sack=1, beginning=1, ending=1, tsn=10, stream_id=65535,
                        stream_seq=0, proto_id=0xffffffff, data=b"ghij"))
    add("data_reserved_flags", hdr() / SCTPChunkData(reserved=0xa, delay_sack=1, ending=1, tsn=0x01020304,
                                                    stream_id=0x0506, stream_seq=0x0708, proto_id=0x090a0b0c,
                                                    data=b""))
    add("data_unordered_empty", hdr(tag=0xffffffff) / SCTPChunkData(unordered=1, tsn=0, stream_id=0,
                                                                    stream_seq=0, proto_id=0))

    # INIT with every parameter scapy has, then the ones it lacks (raw).
    init_params = [
        SCTPChunkParamIPv4Addr(addr="192.0.2.77"),
        SCTPChunkParamIPv6Addr(addr="2001:db8:85a3::8a2e:370:7334"),
        SCTPChunkParamIPv6Addr(addr="fe80::1"),
        SCTPChunkParamCookiePreservative(sug_cookie_inc=0xdeadbeef),
        SCTPChunkParamHostname(hostname=b"host-7.example.org\0"),
        SCTPChunkParamSupportedAddrTypes(addr_type_list=[5, 6, 11]),
        SCTPChunkParamSupportedAddrTypes(addr_type_list=[6, 0x1234]),
        SCTPChunkParamECNCapable(),
        SCTPChunkParamFwdTSN(),
        SCTPChunkParamSupportedExtensions(supported_extensions=[0xc0, 0x82, 0x40, 0xc2, 0x0f, 0xc1, 0x80,
                                                                0x84, 0x10, 0x77]),
        SCTPChunkParamAdaptationLayer(indication=0xa1b2c3d4),
        SCTPChunkParamRandom(random=bytes(range(0x20, 0x40))),
        SCTPChunkParamChunkList(chunk_list=[0x00, 0x03, 0xc1, 0x80, 0x0a]),
        SCTPChunkParamRequestedHMACFunctions(HMAC_functions_list=[3, 1]),
        # scapy lacks the following: Zero Checksum Acceptable, Padding, an unknown type.
        Raw(raw_param(0x8001, struct.pack(">I", 0x12345678))
            + raw_param(0x8005, b"\x00\x11\x22\x33\x44")
            + raw_param(0xbeef, b"\xca\xfe\xba")),
    ]
    add("init_all_params", hdr(tag=0) / SCTPChunkInit(flags=0x80, init_tag=0xcafebabe, a_rwnd=0x7fffffff,
                                                      n_out_streams=0xffff, n_in_streams=1,
                                                      init_tsn=0xfffffff0, params=init_params))
    add("init_no_params", hdr(tag=0) / SCTPChunkInit(flags=0, init_tag=1, a_rwnd=0, n_out_streams=1,
                                                     n_in_streams=0xfffe, init_tsn=0))

    # INIT ACK: a long state cookie (more than 64 bytes: --full), an
    # Unrecognized Parameter carrying parameters, a host name without NUL.
    cookie = bytes((i * 7 + 3) & 0xff for i in range(101))
    unrec_inner = bytes(SCTPChunkParamIPv6Addr(addr="::ffff:1.2.3.4")) + raw_param(0x4009, b"\x01\x02")
    add("init_ack", hdr(tag=0xcafebabe) / SCTPChunkInitAck(
        flags=0x01, init_tag=0x0badf00d, a_rwnd=123456789, n_out_streams=17, n_in_streams=300,
        init_tsn=0x80000000, params=[
            SCTPChunkParamStateCookie(cookie=cookie),
            SCTPChunkParamUnrocognizedParam(param=unrec_inner),
            SCTPChunkParamIPv4Addr(addr="198.51.100.254"),
            SCTPChunkParamHostname(hostname=b"no-nul.example"),
            SCTPChunkParamCookiePreservative(sug_cookie_inc=1),
            SCTPChunkParamECNCapable(),
        ]))

    # SACK
    add("sack_gaps_dups", hdr() / SCTPChunkSACK(flags=0x01, cumul_tsn_ack=0xffffffff, a_rwnd=987654,
                                                gap_ack_list=["1:1", "3:7", "65534:65535"],
                                                dup_tsn_list=[5, 0xffffffff, 0x80000000]))
    add("sack_plain", hdr() / SCTPChunkSACK(flags=0, cumul_tsn_ack=0x12345678, a_rwnd=0,
                                            gap_ack_list=[], dup_tsn_list=[]))
    add("sack_dups_only", hdr() / SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=2147483647, dup_tsn_list=[1, 2, 3]))

    # HEARTBEAT / HEARTBEAT ACK
    add("heartbeat", hdr() / SCTPChunkHeartbeatReq(flags=0x33, params=[
        SCTPChunkParamHeartbeatInfo(data=bytes(range(1, 10)))]))
    add("heartbeat_ack", hdr() / SCTPChunkHeartbeatAck(flags=0, params=[
        SCTPChunkParamHeartbeatInfo(data=b"\xff" * 20 + b"\x00\x01\x02"),
        SCTPChunkParamIPv4Addr(addr="10.20.30.40")]))
    add("heartbeat_empty", hdr() / SCTPChunkHeartbeatReq(flags=0))

    # ABORT / ERROR with every cause code 1..13 and an unknown one.
    add("abort_all_causes", hdr() / SCTPChunkAbort(TCB=1, error_causes=all_causes(0)))
    add("abort_reserved_flags", hdr() / SCTPChunkAbort(reserved=0x55, TCB=1, error_causes=cause(
        12, b"\\bye\\", pad=False)))
    add("abort_empty", hdr() / SCTPChunkAbort(TCB=0))
    add("error_all_causes", hdr() / SCTPChunkError(flags=0x44, error_causes=all_causes(1)))
    add("error_one_cause_padded", hdr() / SCTPChunkError(flags=0, error_causes=cause(13, b"abc", pad=True)))
    add("error_empty", hdr() / SCTPChunkError(flags=0xfe))
    # Unrecognized Chunk Type causes whose embedded chunk is cut short (its
    # Length says 256) or claims a Length below 4; host names with inner NULs.
    add("error_odd_embedded", hdr() / SCTPChunkError(flags=0, error_causes=(
        cause(6, raw_chunk(0x7e, 0x00, b"\x01\x02\x03\x04", pad=False)[:2] + b"\x01\x00\x01\x02\x03\x04")
        + cause(6, b"\x55\x01\x00\x02")
        + cause(5, bytes(SCTPChunkParamHostname(hostname=b"a\0b\0")))
        + cause(5, bytes(SCTPChunkParamHostname(hostname=b"\0"))))))

    # SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE, COOKIE ECHO, COOKIE ACK
    add("shutdown", hdr() / SCTPChunkShutdown(flags=0x02, cumul_tsn_ack=0x89abcdef))
    add("shutdown_ack", hdr() / SCTPChunkShutdownAck(flags=0x10))
    add("shutdown_complete_t", hdr(tag=0x01020304) / SCTPChunkShutdownComplete(TCB=1))
    add("shutdown_complete_reserved", hdr() / SCTPChunkShutdownComplete(reserved=0x7f, TCB=0))
    add("cookie_echo_data", hdr() / SCTPChunkCookieEcho(flags=0x08, cookie=b"COOKIE-\x00\x01\x02" + b"z" * 27)
        / SCTPChunkData(beginning=1, ending=1, tsn=1000, stream_id=4, stream_seq=5, proto_id=6, data=b"x"))
    add("cookie_ack", hdr() / SCTPChunkCookieAck(flags=0xff))

    # AUTH (then a COOKIE ACK bundled after it)
    add("auth_sha1", hdr() / SCTPChunkAuthentication(flags=0x0c, shared_key_id=0x1234, HMAC_function=1,
                                                     HMAC=bytes(range(0x80, 0x94)))
        / SCTPChunkCookieAck())
    add("auth_sha256", hdr() / SCTPChunkAuthentication(shared_key_id=0, HMAC_function=3,
                                                       HMAC=bytes(range(32))))

    # ASCONF / ASCONF-ACK with the address parameters scapy knows.
    add("asconf", hdr() / SCTPChunkAddressConf(flags=0x21, seq=0x01020304, params=[
        SCTPChunkParamIPv4Addr(addr="192.0.2.200"),
        SCTPChunkParamAddIPAddr(correlation_id=0x11111111, addr_type=5, addr="192.0.2.201"),
        SCTPChunkParamDelIPAddr(correlation_id=0x22222222, addr_type=6, addr="2001:db8::dead"),
        SCTPChunkParamSetPrimaryAddr(correlation_id=0x33333333, addr_type=5, addr="192.0.2.202"),
        SCTPChunkParamAdaptationLayer(indication=7),
    ]))
    add("asconf_ack", hdr() / SCTPChunkAddressConfAck(flags=0, seq=0xfffffffe, params=[
        SCTPChunkParamSuccessIndication(correlation_id=0x11111111),
        # Error Cause Indication last (scapy's dissection bug, see fmt_param).
        SCTPChunkParamErrorIndication(correlation_id=0x22222222, error_causes=cause(4)),
    ]))

    # Chunk types scapy lacks: struct-built, in Raw (see the module comment).
    add("ecne_cwr", hdr() / Raw(raw_chunk(12, 0x00, struct.pack(">I", 0xfedcba98))
                                + raw_chunk(13, 0x80, struct.pack(">I", 3))))
    add("idata", hdr() / Raw(idata(0x02 | 0x04, 0xfffffff0, 9, 0, 0x01020304, 0xdeadbeef, b"first")
                             + idata(0x00, 0xfffffff1, 9, 0xffff, 0x01020304, 1, b"mid")
                             + idata(0x01 | 0x08, 0xfffffff2, 9, 0, 0x01020304, 2, b"last!", pad=False)))
    add("data_then_idata_empty", hdr() / SCTPChunkData(beginning=1, ending=1, tsn=1, stream_id=2,
                                                       stream_seq=3, proto_id=4, data=b"12345")
        / Raw(idata(0x03, 77, 0, 0, 0, 0xffffffff, b"")))
    add("forward_tsn", hdr() / Raw(raw_chunk(192, 0, struct.pack(">IHHHHHH", 0xfffffff0, 1, 5, 0xffff,
                                                                 0xffff, 0x1234, 0))))
    add("forward_tsn_no_ids", hdr() / Raw(raw_chunk(192, 0x5a, struct.pack(">I", 0))))
    add("i_forward_tsn", hdr() / Raw(raw_chunk(194, 0, struct.pack(">IHHIHHIHHI", 0x7fffffff, 1, 1, 7,
                                                                     2, 0, 0xffffffff, 3, 0x0100, 9))))
    add("reconfig", hdr() / Raw(raw_chunk(130, 0, raw_param(13, struct.pack(">IIIHH", 1, 0, 99, 1, 2))
                                          + raw_param(16, struct.pack(">II", 5, 1)))))
    add("reconfig_all_params", hdr() / Raw(raw_chunk(130, 0x42,
                                                     raw_param(14, struct.pack(">IH", 0x0a0b0c0d, 7))
                                                     + raw_param(15, struct.pack(">I", 3))
                                                     + raw_param(17, struct.pack(">IHH", 4, 10, 0))
                                                     + raw_param(18, struct.pack(">IHH", 5, 20, 0)))))
    add("pad_data", hdr() / Raw(raw_chunk(132, 0x99, b"\x01\x02\x03\x04\x05\x06\x07")
                                + bytes(SCTPChunkData(beginning=1, ending=1, tsn=5, stream_id=0, stream_seq=0,
                                                      proto_id=0, data=b"after pad"))))
    add("unknown_chunks", hdr() / Raw(raw_chunk(0x4f, 0, b"\xab\xcd")
                                      + raw_chunk(0xbf, 0x03, b"")
                                      + raw_chunk(0xff, 0xff, bytes(range(9)))
                                      + raw_chunk(0x10, 0x01, b"\x00\x00\x00\x01")))  # NR-SACK: no typed view

    # Last chunk without its padding (the packet ends 1 byte after the data).
    short = bytes(hdr() / SCTPChunkData(beginning=1, ending=1, tsn=3, stream_id=1, stream_seq=1, proto_id=1,
                                        data=b"odd"))[12:-1]
    add("data_last_unpadded", hdr() / Raw(short))
    return pkts


def malformed_packets():
    """(name, bytes, substring of the MALFORMED line)."""
    out = []
    out.append(("chunk_length_overrun",
                bytes(hdr() / SCTPChunkData(len=200, tsn=1, stream_id=1, stream_seq=1, proto_id=1, data=b"12345")),
                "chunk #0 (DATA): chunk length exceeds the bytes remaining (length 200) at offset 12"))
    out.append(("second_chunk_overrun",
                bytes(hdr() / SCTPChunkCookieAck() / SCTPChunkShutdown(len=64, cumul_tsn_ack=1)),
                "chunk #1 (SHUTDOWN): chunk length exceeds the bytes remaining (length 64) at offset 16"))
    out.append(("chunk_length_below_4", bytes(hdr() / SCTPChunkCookieAck(len=2)),
                "chunk length < 4 (length 2)"))
    out.append(("shutdown_length_12", bytes(hdr() / SCTPChunkShutdown(len=12) / Raw(b"\0\0\0\0")),
                "chunk #0 (SHUTDOWN): chunk length does not match its contents (length 12)"))
    out.append(("sack_gap_count_mismatch",
                bytes(hdr() / SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=1, n_gap_ack=3, gap_ack_list=["1:2"])),
                "chunk #0 (SACK): chunk length does not match its contents (length 20)"))
    out.append(("init_ipv4_param_length_12",
                bytes(hdr() / SCTPChunkInit(init_tag=1, a_rwnd=1, n_out_streams=1, n_in_streams=1, init_tsn=1,
                                            params=[SCTPChunkParamIPv4Addr(len=12, addr="1.2.3.4"),
                                                    SCTPChunkParamECNCapable()])),
                "parameter length wrong for its type (parameter IPV4_ADDRESS 0x0005, length 12)"))
    out.append(("init_param_overrun",
                bytes(hdr() / SCTPChunkInit(init_tag=1, a_rwnd=1, n_out_streams=1, n_in_streams=1, init_tsn=1,
                                            params=[SCTPChunkParamIPv4Addr(len=40, addr="1.2.3.4")])),
                "parameter length exceeds the bytes remaining (parameter IPV4_ADDRESS 0x0005, length 40)"))
    out.append(("abort_cause_overrun",
                bytes(hdr() / SCTPChunkAbort(error_causes=b"\x00\x0c\x00\x20abcd")),
                "chunk #0 (ABORT): error cause length exceeds the bytes remaining"))
    out.append(("error_cause_length_mismatch",
                bytes(hdr() / SCTPChunkError(error_causes=b"\x00\x01\x00\x06\x00\x07")),
                "error cause length wrong for its code (cause INVALID_STREAM_IDENTIFIER 1, length 6)"))
    out.append(("packet_too_short", bytes(hdr())[:10],
                "packet shorter than the 12-byte common header (length 10)"))
    out.append(("no_chunks", bytes(hdr()), "packet has no chunks"))
    return out


def bswap32(x):
    return struct.unpack("<I", struct.pack(">I", x))[0]


def bad_checksum_packets():
    """(name, bytes with a wrong CRC32c, the line sctp-decode must print)."""
    out = []
    for name, pkt, stored in (
            ("bad_crc_constant", hdr() / SCTPChunkCookieAck(flags=3), 0x12345678),
            ("bad_crc_one_bit", hdr() / SCTPChunkData(beginning=1, ending=1, tsn=42, stream_id=1, stream_seq=2,
                                                     proto_id=3, data=b"payload"), None)):
        good = bytes(pkt)
        right = struct.unpack_from(">I", good, 8)[0]
        if stored is None:
            stored = right ^ 0x00000100
        b = good[:8] + struct.pack(">I", stored) + good[12:]
        # Scapy's own CRC32c of the packet with a zero checksum field.
        expect_crc = S.crc32c(good[:8] + b"\0\0\0\0" + good[12:])
        if expect_crc != right:
            raise AssertionError("scapy's crc32c disagrees with itself")
        # sctp-decode prints the checksum field's four bytes read in network
        # order, as scapy and Wireshark show them.
        line = expected_line(SCTP(b)) + "  [BAD CHECKSUM: 0x%08x, expected 0x%08x]" % (stored, expect_crc)
        out.append((name, b, line))
    return out


# ---------------------------------------------------------------------------

def run_decode(decoder, b):
    r = subprocess.run([decoder, "--full", "--hex", b.hex()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    return r.returncode, r.stdout.decode("utf-8", "replace").rstrip("\n"), r.stderr.decode("utf-8", "replace")


def show_diff(expected, got):
    i = 0
    while i < min(len(expected), len(got)) and expected[i] == got[i]:
        i += 1
    lo = max(0, i - 60)
    return ("    expected: %s\n    got:      %s\n    first difference at character %d:\n"
            "      expected ...%s\n      got      ...%s" % (expected, got, i, expected[lo:i + 60], got[lo:i + 60]))


def coverage(raw_packets):
    """Chunk types, parameter types and cause codes present in the packets."""
    chunks, params, causes = set(), set(), set()

    def walk_params(b):
        for t, tlv in split_tlvs(b):
            params.add(t)
            if t == 8:
                walk_params(tlv[4:])

    for b in raw_packets:
        for _, tlv in split_tlvs(b[12:]):
            t = tlv[0]
            chunks.add(t)
            v = tlv[4:]
            if t in (1, 2):
                walk_params(v[16:])
            elif t in (4, 5, 130):
                walk_params(v)
            elif t in (0x80, 0xC1):
                walk_params(v[4:])
            elif t in (6, 9):
                for code, _ in split_tlvs(v):
                    causes.add(code)
    return chunks, params, causes


def main():
    if len(sys.argv) != 2:
        print("usage: scapy_check.py PATH/TO/sctp-decode", file=sys.stderr)
        return 2
    decoder = sys.argv[1]
    failures = []
    checked = 0

    goods = good_packets()
    raws = []
    for name, pkt in goods:
        b = bytes(pkt)
        raws.append(b)
        back = SCTP(b)  # scapy's own dissection of what it built
        try:
            expected = expected_line(back)
        except Exception as e:  # noqa: BLE001 - report, do not stop
            failures.append("%s: cannot compute the expected line: %s\n    hex: %s" % (name, e, b.hex()))
            continue
        rc, out, err = run_decode(decoder, b)
        checked += 1
        problems = []
        if rc != 0:
            problems.append("sctp-decode exited %d (expected 0)%s" % (rc, ": " + err.strip() if err.strip() else ""))
        if out != expected:
            problems.append("decoded line differs from scapy's fields:\n" + show_diff(expected, out))
        if problems:
            failures.append("%s (%d bytes)\n  %s\n    hex: %s" % (name, len(b), "\n  ".join(problems), b.hex()))

    # Every chunk type, parameter type and cause code of the brief is covered.
    chunks, params, causes = coverage(raws)
    want_chunks = set(range(0, 16)) | {64, 0x80, 130, 132, 192, 0xC1, 194, 0x4f}
    want_params = {1, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004,
                   0x8005, 0x8008, 0xC000, 0xC001, 0xC002, 0xC003, 0xC004, 0xC005, 0xC006}
    want_causes = set(range(1, 14))
    for what, want, got in (("chunk types", want_chunks, chunks), ("parameter types", want_params, params),
                            ("cause codes", want_causes, causes)):
        if want - got:
            failures.append("coverage: %s not exercised: %s" % (what, sorted(hex(x) for x in want - got)))

    for name, b, needle in malformed_packets():
        rc, out, err = run_decode(decoder, b)
        checked += 1
        if rc != 1 or not out.startswith("MALFORMED: ") or needle not in out:
            failures.append("%s: expected exit 1 and a MALFORMED line containing %r;\n    got exit %d: %r\n"
                            "    hex: %s" % (name, needle, rc, out, b.hex()))

    for name, b, expected in bad_checksum_packets():
        rc, out, err = run_decode(decoder, b)
        checked += 1
        if rc != 1 or out != expected:
            failures.append("%s: expected exit 1 and the BAD CHECKSUM line; got exit %d\n%s\n    hex: %s"
                            % (name, rc, show_diff(expected, out), b.hex()))

    print("scapy cross-check: %d packets (%d well-formed, %d malformed, %d bad checksum); "
          "%d chunk types, %d parameter types, %d cause codes covered"
          % (checked, len(goods), len(malformed_packets()), len(bad_checksum_packets()), len(chunks), len(params),
             len(causes)))
    if failures:
        print("\n%d FAILURE(S):" % len(failures))
        for f in failures:
            print("FAIL " + f)
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
