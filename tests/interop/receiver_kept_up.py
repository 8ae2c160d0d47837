#!/usr/bin/python3
"""Did the receiver acknowledge everything it received?

    sctp-decode rawsctp.pcap | receiver_kept_up.py RECEIVER_ADDR:PORT

Reads sctp-decode's packetdrill notation (the receiving app's own --pcap
tap, which sees exactly what the app received and sent) and checks that

  * the receiver sent a SACK after the last DATA chunk it received, and
  * that last SACK covers every TSN the receiver ever received in a DATA
    chunk, through its cumulative TSN or its gap blocks.

The interop loss cases use it when the usrsctp sender gives up (docs/interop.md,
finding 4): then the transfer's end says nothing about the receiver, but this
does. Exit 0 and a one-line summary if both hold, 1 and the reason if not.
"""
import re
import sys

DATA = re.compile(r"\bDATA\[flgs=[^,]*, len=\d+, tsn=(\d+)")
SACK = re.compile(r"\bSACK\[flgs=[^,]*, cum_tsn=(\d+), a_rwnd=\d+, gaps=\[([^\]]*)\]")
HEAD = re.compile(r"^(\d+) (\S+) > (\S+) ")


def after(a, b):
    """Serial number arithmetic (RFC 1982) on 32-bit TSNs: a > b."""
    return a != b and ((a - b) & 0xFFFFFFFF) < 0x80000000


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    me = sys.argv[1]
    received = set()
    last_data = None  # (packet number, tsn)
    last_sack = None  # (packet number, cum, [(start, end)])
    for line in sys.stdin:
        head = HEAD.match(line)
        if not head:
            continue
        number, src, dst = int(head.group(1)), head.group(2), head.group(3)
        if dst == me:
            for tsn in DATA.findall(line):
                received.add(int(tsn))
                last_data = (number, int(tsn))
        elif src == me:
            m = SACK.search(line)
            if m:
                gaps = []
                for block in filter(None, (b.strip() for b in m.group(2).split(","))):
                    start, end = block.split(":")
                    gaps.append((int(start), int(end)))
                last_sack = (number, int(m.group(1)), gaps)
    if not received:
        print(f"{me} received no DATA chunk")
        return 1
    if last_sack is None or last_sack[0] < last_data[0]:
        print(f"{me} sent no SACK after the last DATA it received (packet {last_data[0]}, tsn {last_data[1]})")
        return 1
    number, cum, gaps = last_sack
    covered = lambda tsn: not after(tsn, cum) or any(
        start <= ((tsn - cum) & 0xFFFFFFFF) <= end for start, end in gaps)
    missing = sorted(t for t in received if not covered(t))
    if missing:
        print(f"{me}'s last SACK (packet {number}, cum_tsn {cum}, gaps {gaps}) leaves out "
              f"{len(missing)} TSN(s) it received, first {missing[0]}")
        return 1
    print(f"{me} received {len(received)} distinct DATA TSNs; its last SACK (packet {number}, "
          f"cum_tsn {cum}, {len(gaps)} gap block(s)) came after the last DATA and covers every one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
