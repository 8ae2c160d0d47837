#!/usr/bin/python3
"""Cross-check of rawsctp's SCTP decoder against Wireshark's dissector (tshark).

    /usr/bin/python3 tshark_check.py PATH/TO/sctp-samples PATH/TO/sctp-decode [-v]

For each encapsulation (raw IPv4 and IPv6; SCTP over UDP port 9899, RFC 6951,
over IPv4 and IPv6; Ethernet; Linux cooked capture) `sctp-samples --pcap`
writes the project's sample packets (every chunk type, every parameter and
error cause) to a pcap. Then:

  * tshark dissects it (CRC32c checksum verification on, relative TSNs, TSN
    analysis and reassembly off so that every number is the one on the wire);
    every frame must have sctp.checksum.status == 1 (good), no _ws.malformed
    and no expert info of severity warning or error or in group Malformed;
  * `sctp-decode --full FILE` prints one packetdrill-notation line per frame,
    which is parsed here back into fields;
  * the fields of both are compared frame by frame: IP addresses, UDP and
    SCTP ports, verification tag, chunk types in order, chunk flags and
    lengths, DATA / I-DATA TSN, stream, SSN / MID, PPID / FSN, INIT and
    INIT ACK fixed fields, parameter types, lengths and values in order
    (nested ones too), SACK cumulative TSN, a_rwnd, gap blocks and duplicate
    TSNs, SHUTDOWN / ECNE / CWR TSNs, cause codes, lengths and values in
    order, COOKIE ECHO cookie, AUTH key / HMAC ids / HMAC, ASCONF serials,
    FORWARD TSN and I-FORWARD TSN entries, PAD and unknown chunk values.
    Lengths rawsctp does not print are derived from what it prints (fixed
    sizes, counts, and the RFC 9260 rule that the last parameter's padding
    is not counted in the enclosing length).

Before that, a self-test feeds tshark a pcap written here with a good packet,
one with a bad CRC32c and one with a chunk length overrun, and checks that
the checks above flag exactly the two bad ones.

IP protocol 253 (experimental SCTP) is not dissected as SCTP by tshark and
is not checked. Exit status 0 if every check passed, 1 otherwise.
"""

import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile

VARIANTS = [
    ("raw-ipv4", []),
    ("raw-ipv6", ["--ipv6"]),
    ("udp-ipv4", ["--udp"]),
    ("udp-ipv6", ["--udp", "--ipv6"]),
    ("eth-ipv4", ["--link", "eth"]),
    ("eth-ipv6", ["--link", "eth", "--ipv6"]),
    ("sll-ipv4", ["--link", "sll"]),
    ("sll-ipv6", ["--link", "sll", "--ipv6"]),
]

TSHARK = ["tshark", "-n", "-o", "sctp.checksum:crc-32c", "-o", "sctp.relative_tsns:FALSE",
          "-o", "sctp.tsn_analysis:FALSE", "-o", "sctp.reassembly:FALSE",
          "-d", "udp.port==9899,sctp", "-T", "json", "-r"]

PI_WARN = 0x00600000
PI_MALFORMED = 0x07000000

CHUNK_TYPES = {
    "DATA": 0, "INIT": 1, "INIT_ACK": 2, "SACK": 3, "HEARTBEAT": 4, "HEARTBEAT_ACK": 5, "ABORT": 6,
    "SHUTDOWN": 7, "SHUTDOWN_ACK": 8, "ERROR": 9, "COOKIE_ECHO": 10, "COOKIE_ACK": 11, "ECNE": 12,
    "CWR": 13, "SHUTDOWN_COMPLETE": 14, "AUTH": 15, "NR_SACK": 16, "I_DATA": 64, "ASCONF_ACK": 0x80,
    "RECONFIG": 130, "PAD": 132, "FORWARD_TSN": 192, "ASCONF": 0xC1, "I_FORWARD_TSN": 194,
}
CAUSE_CODES = {
    "INVALID_STREAM_IDENTIFIER": 1, "MISSING_MANDATORY_PARAMETER": 2, "STALE_COOKIE_ERROR": 3,
    "OUT_OF_RESOURCE": 4, "UNRESOLVABLE_ADDRESS": 5, "UNRECOGNIZED_CHUNK_TYPE": 6,
    "INVALID_MANDATORY_PARAMETER": 7, "UNRECOGNIZED_PARAMETERS": 8, "NO_USER_DATA": 9,
    "COOKIE_RECEIVED_WHILE_SHUTDOWN": 10, "RESTART_WITH_NEW_ADDRESSES": 11, "USER_INITIATED_ABORT": 12,
    "PROTOCOL_VIOLATION": 13,
}
PARAM_TYPES = {
    "HEARTBEAT_INFORMATION": 1, "IPV4_ADDRESS": 5, "IPV6_ADDRESS": 6, "STATE_COOKIE": 7,
    "UNRECOGNIZED_PARAMETER": 8, "COOKIE_PRESERVATIVE": 9, "HOSTNAME_ADDRESS": 11,
    "SUPPORTED_ADDRESS_TYPES": 12, "ECN_CAPABLE": 0x8000, "ZERO_CHECKSUM_ACCEPTABLE": 0x8001,
    "PAD": 0x8005, "SUPPORTED_EXTENSIONS": 0x8008, "FORWARD_TSN_SUPPORTED": 0xC000,
    "ADAPTATION_INDICATION": 0xC006,
}
ADDRESS_TYPES = {"IPv4": 5, "IPv6": 6, "HOSTNAME": 11}
# Parameter types whose value tshark dissects into fields of their own
# instead of sctp.parameter_value; their "value" fact is then not compared
# (the fields tshark does give for them, correlation ids and re-config
# request sequence numbers, are compared).
TSHARK_DISSECTED_PARAMS = {13, 14, 15, 16, 17, 18, 0x8002, 0x8003, 0x8004,
                           0xC001, 0xC002, 0xC003, 0xC004, 0xC005}


def pad4(n):
    return (n + 3) & ~3


def norm_ip(s):
    fam = socket.AF_INET6 if ":" in s else socket.AF_INET
    return socket.inet_pton(fam, s)


# ---------------------------------------------------------------------------
# rawsctp side: parse the packetdrill notation of sctp-decode.

LINE_RE = re.compile(r"^(\d+) (\[[^\]]+\]|[^ \[]+):(\d+) > (\[[^\]]+\]|[^ \[]+):(\d+) "
                     r"(?:\(udp (\d+)>(\d+)\) )?sctp\(tag=(\d+)\): (.*)$")
KV_RE = re.compile(r"([a-z_]+)=")
NODE_RE = re.compile(r"([A-Z][A-Z0-9_]*)\[")
BARE_RE = re.compile(r"[^,\]\}\[; ]+")


class Node:
    """NAME[k=v, ..., SUBNODE, ...]"""

    def __init__(self, name, items):
        self.name = name
        self.kv = {k: v for k, v in (i[1:] for i in items if i[0] == "kv")}
        self.subs = [i[1] for i in items if i[0] == "node"]

    def __repr__(self):
        return "%s%r%r" % (self.name, self.kv, self.subs)


class NotationParser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def fail(self, why):
        raise ValueError("%s at column %d of: %s" % (why, self.i, self.s))

    def chunks(self):
        out = [self.item()]
        while self.s.startswith("; ", self.i):
            self.i += 2
            out.append(self.item())
        if self.i != len(self.s):
            self.fail("trailing text")
        return [x[1] for x in out]

    def seq(self, close):
        items = []
        if self.s.startswith(close, self.i):
            self.i += 1
            return items
        while True:
            items.append(self.item())
            if self.s.startswith(", ", self.i):
                self.i += 2
            elif self.s.startswith(close, self.i):
                self.i += 1
                return items
            else:
                self.fail("expected ', ' or '%s'" % close)

    def item(self):
        s, i = self.s, self.i
        if i >= len(s):
            self.fail("unexpected end")
        if s[i] == '"':
            return ("str", self.quoted())
        if s[i] == "[":
            self.i += 1
            return ("list", self.seq("]"))
        if s[i] == "{":
            end = s.index("}", i)
            self.i = end + 1
            return ("tuple", tuple(int(x, 0) for x in s[i + 1:end].split(",")))
        m = KV_RE.match(s, i)
        if m:
            self.i = m.end()
            return ("kv", m.group(1), self.item())
        m = NODE_RE.match(s, i)
        if m:
            self.i = m.end()
            return ("node", Node(m.group(1), self.seq("]")))
        m = BARE_RE.match(s, i)
        if m:
            self.i = m.end()
            return ("bare", m.group(0))
        self.fail("cannot parse")

    def quoted(self):
        s = self.s
        self.i += 1
        out = bytearray()
        while s[self.i] != '"':
            if s[self.i] == "\\":
                if s[self.i + 1] == "x":
                    out.append(int(s[self.i + 2:self.i + 4], 16))
                    self.i += 4
                else:
                    out.append(ord(s[self.i + 1]))
                    self.i += 2
            else:
                out += s[self.i].encode()
                self.i += 1
        self.i += 1
        return bytes(out)


def v_int(v):
    if v[0] != "bare":
        raise ValueError("not a number: %r" % (v,))
    return int(v[1], 0)


def v_bytes(v):
    if v[0] != "list":
        raise ValueError("not a byte list (was --full given?): %r" % (v,))
    return bytes(v_int(x) for x in v[1])


def v_flags(v):
    text = v[1]
    if re.fullmatch(r"0|0x[0-9a-f]+", text):
        return int(text, 0)
    bits = {"I": 8, "U": 4, "B": 2, "E": 1, "T": 1}
    return sum(bits[c] for c in text)


def tlvs_len(lengths):
    """The length of a list of TLVs: all but the last padded (RFC 9260 3.2)."""
    if any(x is None or isinstance(x, frozenset) for x in lengths):
        return None
    if not lengths:
        return 0
    return sum(pad4(x) for x in lengths[:-1]) + lengths[-1]


def nested_len(header, lengths):
    """The length of a parameter or cause holding a list of TLVs. Whether it
    counts the padding of the last TLV is the sender's choice (the RFC 9260
    3.2 rule is for chunks), so both values are accepted."""
    inner = tlvs_len(lengths)
    if inner is None:
        return None
    return frozenset({header + inner, header + pad4(inner)})


def raw_param_facts(p, pre, facts):
    """Facts of one parameter node; returns its length or None."""
    name, kv = p.name, p.kv
    t = int(kv["type"][1], 0) if name == "PARAMETER" else PARAM_TYPES[name]
    facts[pre + ".type"] = t
    length = None
    if name == "IPV4_ADDRESS":
        facts[pre + ".addr"] = norm_ip(kv["addr"][1])
        length = 8
    elif name == "IPV6_ADDRESS":
        facts[pre + ".addr"] = norm_ip(kv["addr"][1])
        length = 20
    elif name == "COOKIE_PRESERVATIVE":
        facts[pre + ".incr"] = v_int(kv["incr"])
        length = 8
    elif name == "HOSTNAME_ADDRESS":
        facts[pre + ".host"] = kv["addr"][1].decode("latin-1")
    elif name == "SUPPORTED_ADDRESS_TYPES":
        types = tuple(ADDRESS_TYPES.get(x[1]) or int(x[1], 0) for x in kv["types"][1])
        facts[pre + ".types"] = types
        length = 4 + 2 * len(types)
    elif name == "SUPPORTED_EXTENSIONS":
        exts = tuple(CHUNK_TYPES.get(x[1]) if x[1] in CHUNK_TYPES else int(x[1], 0) for x in kv["types"][1])
        facts[pre + ".exts"] = exts
        length = 4 + len(exts)
    elif name in ("ECN_CAPABLE", "FORWARD_TSN_SUPPORTED"):
        length = 4
    elif name == "ADAPTATION_INDICATION":
        facts[pre + ".code_point"] = v_int(kv["adaptation_code_point"])
        length = 8
    elif name == "ZERO_CHECKSUM_ACCEPTABLE":
        facts[pre + ".value"] = struct.pack(">I", v_int(kv["edmid"]))
        length = 8
    elif name == "HEARTBEAT_INFORMATION":
        facts[pre + ".info"] = v_bytes(kv["val"])
    elif name == "STATE_COOKIE":
        facts[pre + ".cookie"] = v_bytes(kv["val"])
    elif name == "UNRECOGNIZED_PARAMETER":
        length = nested_len(4, raw_params_facts([x[1] for x in kv["params"][1]], pre, facts))
    elif name in ("PAD", "PARAMETER"):
        value = v_bytes(kv["val"])
        facts[pre + ".value"] = value
        if t in (0xC001, 0xC002, 0xC003, 0xC004, 0xC005):
            facts[pre + ".corr"] = struct.unpack_from(">I", value)[0]
        if t in (13, 14, 15):
            facts[pre + ".req_seq"] = struct.unpack_from(">I", value)[0]
    else:
        raise ValueError("unknown parameter notation %s" % name)
    if "len" in kv:
        length = v_int(kv["len"])
    if length is not None:
        facts[pre + ".len"] = length
    return length


def raw_params_facts(params, pre, facts):
    """Facts of a parameter list; returns the lengths of its parameters."""
    return [raw_param_facts(p, "%s.p%d" % (pre, j), facts) for j, p in enumerate(params)]


def raw_embedded_chunk_facts(c, pre, facts):
    facts[pre + ".type"] = v_int(c.kv["type"])
    facts[pre + ".flags"] = v_flags(c.kv["flgs"])
    facts[pre + ".len"] = v_int(c.kv["len"])
    facts[pre + ".value"] = v_bytes(c.kv["val"])


def raw_cause_facts(c, pre, facts):
    name, kv = c.name, c.kv
    code = v_int(kv["code"]) if name == "CAUSE" else CAUSE_CODES[name]
    facts[pre + ".code"] = code
    length = None
    if code == 1:
        facts[pre + ".sid"] = v_int(kv["sid"])
        length = 8
    elif code == 2:
        missing = tuple(v_int(x) for x in kv["types"][1])
        facts[pre + ".missing"] = missing
        length = 8 + 2 * len(missing)
    elif code == 3:
        facts[pre + ".staleness"] = v_int(kv["staleness"])
        length = 8
    elif code in (4, 7, 10):
        length = 4
    elif code == 5:
        length = nested_len(4, raw_params_facts([kv["param"][1]] + c.subs, pre, facts))
    elif code == 6:
        raw_embedded_chunk_facts(kv["chk"][1], pre + ".chunk", facts)
        # The cause may carry the chunk's padding: length not derivable.
    elif code in (8, 11):
        length = nested_len(4, raw_params_facts([x[1] for x in kv["params"][1]], pre, facts))
    elif code == 9:
        facts[pre + ".tsn"] = v_int(kv["tsn"])
        length = 8
    elif code in (12, 13):
        facts[pre + ".info"] = kv["info"][1]
        length = 4 + len(kv["info"][1])
    else:
        facts[pre + ".info"] = v_bytes(kv["info"])
        length = v_int(kv["len"])
    if length is not None:
        facts[pre + ".len"] = length
    return length


def raw_chunk_facts(c, pre, facts):
    name, kv = c.name, c.kv
    t = v_int(kv["type"]) if name == "CHUNK" else CHUNK_TYPES[name]
    facts[pre + ".type"] = t
    if "flgs" in kv:
        facts[pre + ".flags"] = v_flags(kv["flgs"])
    length = v_int(kv["len"]) if "len" in kv else None
    if t in (0, 64):
        for k in ("tsn", "sid", "ssn", "mid", "ppid", "fsn"):
            if k in kv:
                facts[pre + "." + k] = v_int(kv[k])
    elif t in (1, 2):
        for k in ("tag", "a_rwnd", "os", "is", "tsn"):
            facts[pre + "." + k] = v_int(kv[k])
        inner = tlvs_len(raw_params_facts(c.subs, pre, facts))
        length = None if inner is None else 20 + inner
    elif t == 3:
        gaps = tuple(tuple(int(x) for x in g[1].split(":")) for g in kv["gaps"][1])
        dups = tuple(v_int(d) for d in kv["dups"][1])
        facts[pre + ".cum_tsn"] = v_int(kv["cum_tsn"])
        facts[pre + ".a_rwnd"] = v_int(kv["a_rwnd"])
        facts[pre + ".gaps"] = gaps
        facts[pre + ".dups"] = dups
        length = 16 + 4 * (len(gaps) + len(dups))
    elif t in (4, 5, 130):
        inner = tlvs_len(raw_params_facts(c.subs, pre, facts))
        length = None if inner is None else 4 + inner
    elif t in (6, 9):
        inner = tlvs_len([raw_cause_facts(x, "%s.e%d" % (pre, j), facts) for j, x in enumerate(c.subs)])
        length = None if inner is None else 4 + inner
    elif t == 7:
        facts[pre + ".cum_tsn"] = v_int(kv["cum_tsn"])
        length = 8
    elif t in (12, 13):
        facts[pre + ".tsn"] = v_int(kv["tsn"])
        length = 8
    elif t in (8, 11, 14):
        length = 4
    elif t == 10:
        facts[pre + ".cookie"] = v_bytes(kv["val"])
    elif t == 15:
        facts[pre + ".keyid"] = v_int(kv["keyid"])
        facts[pre + ".hmac_id"] = v_int(kv["hmac_id"])
        facts[pre + ".hmac"] = v_bytes(kv["hmac"])
        length = 8 + len(facts[pre + ".hmac"])
    elif t in (0x80, 0xC1):
        facts[pre + ".serial"] = v_int(kv["serial"])
        inner = tlvs_len(raw_params_facts(c.subs, pre, facts))
        length = None if inner is None else 8 + inner
    elif t == 192:
        facts[pre + ".cum_tsn"] = v_int(kv["cum_tsn"])
        facts[pre + ".ids"] = tuple(x[1] for x in kv["ids"][1])
        length = 8 + 4 * len(facts[pre + ".ids"])
    elif t == 194:
        facts[pre + ".cum_tsn"] = v_int(kv["cum_tsn"])
        facts[pre + ".ids"] = tuple(x[1] for x in kv["ids"][1])
        length = 8 + 8 * len(facts[pre + ".ids"])
    else:  # PAD and unknown types
        facts[pre + ".value"] = v_bytes(kv["val"])
    if length is not None:
        facts[pre + ".len"] = length


def rawsctp_frames(decode, pcap):
    """{frame number: (facts, line)} from sctp-decode --full."""
    r = subprocess.run([decode, "--full", pcap], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    lines = r.stdout.decode("utf-8", "replace").splitlines()
    if r.returncode != 0:
        raise RuntimeError("sctp-decode exited %d on %s: %s\n%s" % (r.returncode, pcap,
                                                                    r.stderr.decode().strip(), "\n".join(lines)))
    frames = {}
    for line in lines:
        m = LINE_RE.match(line)
        if not m:
            raise RuntimeError("cannot parse sctp-decode line: %s" % line)
        num, src, sport, dst, dport, usport, udport, tag, rest = m.groups()
        facts = {"ip.src": norm_ip(src.strip("[]")), "ip.dst": norm_ip(dst.strip("[]")),
                 "sport": int(sport), "dport": int(dport), "tag": int(tag)}
        if usport is not None:
            facts["udp.sport"] = int(usport)
            facts["udp.dport"] = int(udport)
        for i, c in enumerate(NotationParser(rest).chunks()):
            raw_chunk_facts(c, "c%d" % i, facts)
        frames[int(num)] = (facts, line)
    return frames


# ---------------------------------------------------------------------------
# tshark side: the JSON tree, read with duplicate keys kept in order.

def is_obj(v):
    return isinstance(v, list) and all(isinstance(x, tuple) for x in v)


class TNode:
    """One tshark tree node: its fields (with those of its *_tree and other
    plain subtrees folded in) and its parameter / cause / chunk children."""

    def __init__(self, pairs):
        self.fields = {}
        self.children = []  # (kind, TNode) with kind in param, cause, chunk
        self._fold(pairs)

    def _fold(self, pairs):
        for k, v in pairs:
            if is_obj(v):
                keys = {kk for kk, _ in v}
                if "_ws.expert" == k or "_ws.malformed" in keys and not keys - {"_ws.malformed"}:
                    continue
                if not k.endswith("_tree") and "sctp.parameter_type" in keys:
                    self.children.append(("param", TNode(v)))
                elif not k.endswith("_tree") and "sctp.cause_code" in keys:
                    self.children.append(("cause", TNode(v)))
                elif not k.endswith("_tree") and "sctp.chunk_type" in keys:
                    self.children.append(("chunk", TNode(v)))
                else:
                    self._fold(v)
            else:
                self.fields.setdefault(k, []).append(v)

    def has(self, name):
        return name in self.fields

    def one(self, name):
        v = self.fields.get(name)
        if v is None:
            return None
        if len(v) != 1:
            raise ValueError("field %s appears %d times" % (name, len(v)))
        return v[0]

    def int(self, *names):
        for n in names:
            v = self.one(n)
            if v is not None:
                return int(v, 0)
        return None

    def ints(self, name):
        return tuple(int(x, 0) for x in self.fields.get(name, []))

    def bytes(self, name):
        v = self.one(name)
        return None if v is None else bytes.fromhex(v.replace(":", ""))

    def kids(self, kind):
        return [n for k, n in self.children if k == kind]


def put(facts, key, value):
    if value is not None:
        facts[key] = value


def t_param_facts(p, pre, facts):
    t = p.int("sctp.parameter_type")
    facts[pre + ".type"] = t
    put(facts, pre + ".len", p.int("sctp.parameter_length"))
    if t == 5:
        put(facts, pre + ".addr", norm_ip(p.one("sctp.parameter_ipv4_address")))
    elif t == 6:
        put(facts, pre + ".addr", norm_ip(p.one("sctp.parameter_ipv6_address")))
    elif t == 9:
        put(facts, pre + ".incr", p.int("sctp.parameter_cookie_preservative_incr"))
    elif t == 11:
        put(facts, pre + ".host", p.one("sctp.parameter_hostname"))
    elif t == 12:
        facts[pre + ".types"] = p.ints("sctp.parameter_supported_address_type")
    elif t == 0x8008:
        facts[pre + ".exts"] = p.ints("sctp.supported_chunk_type")
    elif t == 0xC006:
        put(facts, pre + ".code_point", p.int("sctp.adaptation_layer_indication"))
    elif t == 1:
        put(facts, pre + ".info", p.bytes("sctp.parameter_heartbeat_information"))
    elif t == 7:
        put(facts, pre + ".cookie", p.bytes("sctp.parameter_state_cookie"))
    elif t == 8:
        for j, q in enumerate(p.kids("param")):
            t_param_facts(q, "%s.p%d" % (pre, j), facts)
    else:
        put(facts, pre + ".value", p.bytes("sctp.parameter_value"))
        if t in (0xC001, 0xC002, 0xC003, 0xC004, 0xC005):
            put(facts, pre + ".corr", p.int("sctp.correlation_id"))
        if t in (13, 14, 15):
            put(facts, pre + ".req_seq", p.int("sctp.parameter_reconfig_request_sequence_number"))


def t_cause_facts(c, pre, facts):
    code = c.int("sctp.cause_code")
    facts[pre + ".code"] = code
    put(facts, pre + ".len", c.int("sctp.cause_length"))
    if code == 1:
        put(facts, pre + ".sid", c.int("sctp.cause_stream_identifier"))
    elif code == 2:
        facts[pre + ".missing"] = c.ints("sctp.cause_missing_parameter_type")
    elif code == 3:
        put(facts, pre + ".staleness", c.int("sctp.cause_measure_of_staleness"))
    elif code == 9:
        put(facts, pre + ".tsn", c.int("sctp.cause_tsn"))
    elif code in (5, 8, 11):
        for j, q in enumerate(c.kids("param")):
            t_param_facts(q, "%s.p%d" % (pre, j), facts)
    elif code == 6:
        for q in c.kids("chunk")[:1]:
            facts[pre + ".chunk.type"] = q.int("sctp.chunk_type")
            facts[pre + ".chunk.flags"] = q.int("sctp.chunk_flags")
            facts[pre + ".chunk.len"] = q.int("sctp.chunk_length")
            put(facts, pre + ".chunk.value", q.bytes("sctp.chunk_value"))
    if code in (12, 13) or code > 13:
        put(facts, pre + ".info", c.bytes("sctp.cause_information"))


def t_chunk_facts(c, pre, facts):
    t = c.int("sctp.chunk_type")
    facts[pre + ".type"] = t
    facts[pre + ".flags"] = c.int("sctp.chunk_flags")
    facts[pre + ".len"] = c.int("sctp.chunk_length")
    if t in (0, 64):
        put(facts, pre + ".tsn", c.int("sctp.data_tsn_raw", "sctp.data_tsn"))
        put(facts, pre + ".sid", c.int("sctp.data_sid"))
        put(facts, pre + ".ssn", c.int("sctp.data_ssn"))
        put(facts, pre + ".mid", c.int("sctp.data_mid"))
        put(facts, pre + ".ppid", c.int("sctp.data_payload_proto_id"))
        put(facts, pre + ".fsn", c.int("sctp.data_fsn"))
    elif t in (1, 2):
        f = "sctp.init_" if t == 1 else "sctp.initack_"
        put(facts, pre + ".tag", c.int(f + "initiate_tag"))
        put(facts, pre + ".a_rwnd", c.int(f + "credit"))
        put(facts, pre + ".os", c.int(f + "nr_out_streams"))
        put(facts, pre + ".is", c.int(f + "nr_in_streams"))
        put(facts, pre + ".tsn", c.int(f + "initial_tsn"))
    elif t == 3:
        put(facts, pre + ".cum_tsn", c.int("sctp.sack_cumulative_tsn_ack_raw", "sctp.sack_cumulative_tsn_ack"))
        put(facts, pre + ".a_rwnd", c.int("sctp.sack_a_rwnd"))
        starts, ends = c.ints("sctp.sack_gap_block_start"), c.ints("sctp.sack_gap_block_end")
        facts[pre + ".gaps"] = tuple(zip(starts, ends)) if len(starts) == len(ends) else ("unpaired", starts, ends)
        facts[pre + ".dups"] = c.ints("sctp.sack_duplicate_tsn")
    elif t == 7:
        put(facts, pre + ".cum_tsn", c.int("sctp.shutdown_cumulative_tsn_ack"))
    elif t == 12:
        put(facts, pre + ".tsn", c.int("sctp.ecne_lowest_tsn"))
    elif t == 13:
        put(facts, pre + ".tsn", c.int("sctp.cwr_lowest_tsn"))
    elif t == 10:
        facts[pre + ".cookie"] = c.bytes("sctp.cookie") or b""
    elif t == 15:
        put(facts, pre + ".keyid", c.int("sctp.shared_key_id"))
        put(facts, pre + ".hmac_id", c.int("sctp.hmac_id"))
        put(facts, pre + ".hmac", c.bytes("sctp.hmac"))
    elif t == 0xC1:
        put(facts, pre + ".serial", c.int("sctp.asconf_seq_nr_number"))
    elif t == 0x80:
        put(facts, pre + ".serial", c.int("sctp.asconf_ack_seq_nr_number"))
    elif t == 192:
        put(facts, pre + ".cum_tsn", c.int("sctp.forward_tsn_tsn"))
        facts[pre + ".ids"] = tuple(zip(c.ints("sctp.forward_tsn_sid"), c.ints("sctp.forward_tsn_ssn")))
    elif t == 194:
        put(facts, pre + ".cum_tsn", c.int("sctp.i_forward_tsn_tsn"))
        facts[pre + ".ids"] = tuple(zip(c.ints("sctp.i_forward_tsn_sid"), c.ints("sctp.i_forward_tsn_u_bit"),
                                        c.ints("sctp.forward_tsn_mid")))
    elif t == 132:
        facts[pre + ".value"] = c.bytes("sctp.padding_data") or b""
    elif t not in (4, 5, 6, 8, 9, 11, 14, 130):
        facts[pre + ".value"] = c.bytes("sctp.chunk_value") or b""
    for j, p in enumerate(c.kids("param")):
        t_param_facts(p, "%s.p%d" % (pre, j), facts)
    for j, e in enumerate(c.kids("cause")):
        t_cause_facts(e, "%s.e%d" % (pre, j), facts)


def find_problems(node, path, out):
    """Malformed markers and expert infos of severity >= warning or in group
    Malformed, anywhere in a frame's tree."""
    items = node if is_obj(node) else []
    for k, v in items:
        where = path + "/" + k
        if k == "_ws.malformed":
            out.append("%s: %s" % (where, v if isinstance(v, str) else "Malformed Packet"))
        if k == "_ws.expert" and is_obj(v):
            d = dict(v)
            sev = int(d.get("_ws.expert.severity", "0"), 0)
            grp = int(d.get("_ws.expert.group", "0"), 0)
            if sev >= PI_WARN or grp == PI_MALFORMED:
                out.append("%s: expert info severity 0x%x group 0x%x: %s"
                           % (where, sev, grp, d.get("_ws.expert.message", "?")))
        if is_obj(v):
            find_problems(v, where, out)


def tshark_frames(pcap):
    """{frame number: (facts, checksum status, [problems])} from tshark."""
    r = subprocess.run(TSHARK + [pcap], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("tshark exited %d on %s" % (r.returncode, pcap))
    frames = {}
    for frame in json.loads(r.stdout, object_pairs_hook=list):
        layers = dict(dict(dict(frame)["_source"])["layers"])
        all_layers = dict(frame)["_source"]
        num = int(dict(layers["frame"])["frame.number"])
        problems = []
        find_problems(all_layers, "", problems)
        facts = {}
        sctp_layers = [v for k, v in dict(all_layers)["layers"] if k == "sctp"]
        if not sctp_layers:
            frames[num] = (facts, None, problems + ["no sctp layer"])
            continue
        head = TNode(sctp_layers[0])
        facts["sport"] = head.int("sctp.srcport")
        facts["dport"] = head.int("sctp.dstport")
        facts["tag"] = head.int("sctp.verification_tag")
        status = head.one("sctp.checksum.status")
        for ipname in ("ip", "ipv6"):
            if ipname in layers:
                ip = TNode(layers[ipname])
                facts["ip.src"] = norm_ip(ip.one(ipname + ".src"))
                facts["ip.dst"] = norm_ip(ip.one(ipname + ".dst"))
        if "udp" in layers:
            udp = TNode(layers["udp"])
            facts["udp.sport"] = udp.int("udp.srcport")
            facts["udp.dport"] = udp.int("udp.dstport")
        # Each DATA chunk may start a new "sctp" layer: take the chunks of all.
        chunks = []
        for layer in sctp_layers:
            chunks += TNode(layer).kids("chunk")
        for i, c in enumerate(chunks):
            t_chunk_facts(c, "c%d" % i, facts)
        frames[num] = (facts, status, problems)
    return frames


# ---------------------------------------------------------------------------

STRUCTURAL = re.compile(r"\.(type|code)$")


def fmt(v):
    if isinstance(v, frozenset):
        return " or ".join(str(x) for x in sorted(v))
    if isinstance(v, bytes):
        return v.hex() if len(v) not in (4, 16) else "%s (%s)" % (v.hex(), v)
    return repr(v)


def compare_frame(raw, tsh):
    """Returns (number of facts compared, [problems])."""
    problems = []
    compared = 0
    # Structure: chunk, parameter and cause types in order, both ways.
    rs = {k: v for k, v in raw.items() if STRUCTURAL.search(k)}
    ts = {k: v for k, v in tsh.items() if STRUCTURAL.search(k)}
    for k in sorted(set(rs) | set(ts)):
        if k not in ts:
            problems.append("%s: rawsctp has %s, tshark has no such element" % (k, rs[k]))
        elif k not in rs:
            problems.append("%s: tshark has %s, rawsctp has no such element" % (k, ts[k]))
    for k, v in raw.items():
        if k in tsh:
            compared += 1
            if tsh[k] not in v if isinstance(v, frozenset) else tsh[k] != v:
                problems.append("%s: rawsctp=%s tshark=%s" % (k, fmt(v), fmt(tsh[k])))
        elif k.endswith(".value") and v == b"":
            compared += 1  # tshark omits empty byte fields
        elif k.endswith(".value") and raw.get(k[:-len(".value")] + ".type") in TSHARK_DISSECTED_PARAMS:
            pass  # tshark dissects this parameter's value into its own fields
        else:
            problems.append("%s: rawsctp=%s, tshark does not report it" % (k, fmt(v)))
    return compared, problems


def write_pcap(path, frames, linktype=101):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)


def ipv4(payload, proto=132):
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                              bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    s = sum(struct.unpack(">10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    h[10:12] = struct.pack(">H", ~s & 0xFFFF)
    return bytes(h) + payload


def self_test(tmp):
    """The checks must flag a bad CRC32c and a malformed chunk."""
    # COOKIE ACK, sport 1, dport 2, tag 3, with its correct CRC32c (bytes
    # c8 66 09 0e, as scapy computes it).
    good = bytes.fromhex("0001000200000003c866090e0b000004")
    bad_crc = good[:8] + b"\x01\x02\x03\x04" + good[12:]
    # DATA chunk claiming 100 bytes in a 20-byte packet body.
    overrun = bytes.fromhex("000100020000000300000000" "00000064000000010001000100000001616263")
    path = os.path.join(tmp, "selftest.pcap")
    write_pcap(path, [ipv4(good), ipv4(bad_crc), ipv4(overrun)])
    frames = tshark_frames(path)
    flagged = {n for n, (_, status, problems) in frames.items() if status != "1" or problems}
    if flagged != {2, 3}:
        return ["self-test: expected tshark checks to flag frames 2 (bad CRC) and 3 (chunk overrun) only, "
                "flagged %s" % sorted(flagged)]
    return []


def sample_names(samples):
    r = subprocess.run([samples, "--list"], stdout=subprocess.PIPE, check=True, timeout=60)
    return [line.split(" ", 1)[0] for line in r.stdout.decode().splitlines()]


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    if len(args) != 2:
        print("usage: tshark_check.py PATH/TO/sctp-samples PATH/TO/sctp-decode [-v]", file=sys.stderr)
        return 2
    samples, decode = args
    failures = []
    total_frames = total_facts = 0
    names = sample_names(samples)
    with tempfile.TemporaryDirectory(prefix="rawsctp-tshark-") as tmp:
        failures += self_test(tmp)
        for variant, opts in VARIANTS:
            pcap = os.path.join(tmp, variant + ".pcap")
            subprocess.run([samples, "--pcap", pcap] + opts, check=True, timeout=60)
            try:
                raw = rawsctp_frames(decode, pcap)
                tsh = tshark_frames(pcap)
            except (RuntimeError, ValueError) as e:
                failures.append("[%s] %s" % (variant, e))
                continue
            nfacts = 0
            if len(tsh) != len(names) or set(raw) != set(tsh):
                failures.append("[%s] frame count: %d samples, tshark %d frames, rawsctp %d lines"
                                % (variant, len(names), len(tsh), len(raw)))
            for num in sorted(tsh):
                name = names[num - 1] if num - 1 < len(names) else "?"
                where = "[%s] frame %d (%s)" % (variant, num, name)
                tfacts, status, problems = tsh[num]
                if status != "1":
                    failures.append("%s: sctp.checksum.status is %s, not 1 (good)" % (where, status))
                for p in problems:
                    failures.append("%s: tshark reports %s" % (where, p))
                if num not in raw:
                    failures.append("%s: no sctp-decode line" % where)
                    continue
                rfacts, line = raw[num]
                n, diffs = compare_frame(rfacts, tfacts)
                nfacts += n
                for d in diffs:
                    failures.append("%s: %s\n    rawsctp line: %s" % (where, d, line))
                if verbose:
                    print("%s: %d fields agree" % (where, n))
            print("%-9s %2d frames, %4d fields compared" % (variant, len(tsh), nfacts))
            total_frames += len(tsh)
            total_facts += nfacts
    print("tshark cross-check: %d frames in %d variants, %d fields compared"
          % (total_frames, len(VARIANTS), total_facts))
    if failures:
        print("\n%d FAILURE(S):" % len(failures))
        for f in failures:
            print("FAIL " + f)
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
