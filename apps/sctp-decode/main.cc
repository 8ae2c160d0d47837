// sctp-decode: print SCTP packets from a pcap file, or one packet given in
// hex, in packetdrill notation, with the checksum verified.
//
//   sctp-decode [--full] [--max-bytes N] FILE.pcap...
//   sctp-decode --hex HEX
//
// Exit status: 0 if every SCTP packet parsed and had a good checksum,
// 1 if any was malformed or had a bad checksum, 2 on usage or file errors.
#include <pcap/pcap.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/ip.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"

using namespace rawsctp::proto;

namespace {

constexpr int kLinkTypeRaw = 101;      // LINKTYPE_RAW
constexpr int kLinkTypeIpv4 = 228;
constexpr int kLinkTypeIpv6 = 229;
constexpr int kLinkTypeSll2 = 276;

struct Stats {
  unsigned sctp = 0, malformed = 0, bad_checksum = 0, skipped = 0;
};

void Usage(FILE* f) {
  std::fputs(
      "usage: sctp-decode [options] FILE.pcap...\n"
      "       sctp-decode [options] --hex HEX\n"
      "\n"
      "Prints each SCTP packet on one line in packetdrill notation and verifies\n"
      "its CRC32c. Reads pcap files (\"-\" is standard input) with the link types\n"
      "Ethernet (with VLAN tags), raw IP, Linux cooked (v1, v2) and BSD loopback;\n"
      "IPv4 and IPv6; SCTP on IP protocol 132, 253 or 254, and SCTP over UDP\n"
      "port 9899 (RFC 6951).\n"
      "\n"
      "  --hex HEX       decode one SCTP packet (from the common header); spaces,\n"
      "                  colons and a 0x prefix are ignored\n"
      "  --max-bytes N   print byte values up to N bytes long (default 64);\n"
      "                  longer ones print as '...'\n"
      "  --full          print every byte value in full\n"
      "  -h, --help      this help\n"
      "\n"
      "Exit status: 0 all good, 1 a packet was malformed or had a bad checksum,\n"
      "2 usage or file error.\n",
      f);
}

// Decodes one SCTP packet and prints it after `prefix`. Returns false if it
// was malformed or its checksum was bad.
bool DecodeSctp(const std::string& prefix, ByteView sctp, const ToStringOptions& opts, Stats& st) {
  ++st.sctp;
  auto p = PacketView::Parse(sctp);
  if (!p) {
    ++st.malformed;
    std::printf("%sMALFORMED: %s\n", prefix.c_str(), p.error().ToString().c_str());
    return false;
  }
  std::string line = prefix + ToString(*p, opts);
  bool ok = true;
  if (!VerifySctpChecksum(sctp)) {
    ++st.bad_checksum;
    ok = false;
    char buf[96];
    // Shown as the four bytes of the field read in network order, as
    // Wireshark and scapy show them.
    std::snprintf(buf, sizeof buf, "  [BAD CHECKSUM: 0x%08x, expected 0x%08x]",
                  __builtin_bswap32(StoredSctpChecksum(sctp)), __builtin_bswap32(SctpChecksum(sctp)));
    line += buf;
  }
  std::printf("%s\n", line.c_str());
  return ok;
}

bool IsSctpProtocol(uint8_t proto) { return proto == kIpProtoSctp || proto == 253 || proto == 254; }

void DecodeIp(unsigned index, ByteView ip, const ToStringOptions& opts, Stats& st) {
  auto d = ParseIp(ip);
  if (!d) {
    ++st.skipped;
    return;
  }
  const std::string src = d->source.ToString(), dst = d->destination.ToString();
  auto addr = [](const std::string& a, int fam, unsigned port) {
    return (fam == 6 ? "[" + a + "]" : a) + ":" + std::to_string(port);
  };
  char head[32];
  std::snprintf(head, sizeof head, "%u ", index);
  ByteView sctp;
  std::string via;
  if (IsSctpProtocol(d->protocol)) {
    sctp = d->payload;
    if (d->protocol != kIpProtoSctp) via = "(proto " + std::to_string(d->protocol) + ") ";
  } else if (d->protocol == kIpProtoUdp) {
    auto u = ParseUdp(d->payload);
    if (!u || (u->source_port != kSctpUdpPort && u->destination_port != kSctpUdpPort)) {
      ++st.skipped;
      return;
    }
    sctp = u->payload;
    via = "(udp " + std::to_string(u->source_port) + ">" + std::to_string(u->destination_port) + ") ";
  } else {
    ++st.skipped;
    return;
  }
  if (d->fragment) {
    ++st.skipped;
    std::printf("%s%s > %s %sIP fragment, not reassembled\n", head, src.c_str(), dst.c_str(), via.c_str());
    return;
  }
  const unsigned sport = sctp.size() >= 2 ? Load16(sctp.data()) : 0;
  const unsigned dport = sctp.size() >= 4 ? Load16(sctp.data() + 2) : 0;
  const std::string prefix = std::string(head) + addr(src, d->source.family, sport) + " > " +
                             addr(dst, d->destination.family, dport) + " " + via;
  DecodeSctp(prefix, sctp, opts, st);
}

// Strips the link-layer header; returns the IP datagram or nothing.
std::optional<ByteView> LinkPayload(int linktype, ByteView frame) {
  auto ethertype_ok = [](uint16_t t) { return t == 0x0800 || t == 0x86DD; };
  switch (linktype) {
    case DLT_EN10MB: {
      if (frame.size() < 14) return std::nullopt;
      size_t off = 12;
      uint16_t type = Load16(frame.data() + off);
      while ((type == 0x8100 || type == 0x88A8) && frame.size() >= off + 6) {  // VLAN tags
        off += 4;
        type = Load16(frame.data() + off);
      }
      if (!ethertype_ok(type)) return std::nullopt;
      return frame.subspan(off + 2);
    }
    case DLT_RAW:
    case kLinkTypeRaw:
    case kLinkTypeIpv4:
    case kLinkTypeIpv6:
      return frame;
    case DLT_LINUX_SLL:
      if (frame.size() < 16 || !ethertype_ok(Load16(frame.data() + 14))) return std::nullopt;
      return frame.subspan(16);
    case kLinkTypeSll2:
      if (frame.size() < 20 || !ethertype_ok(Load16(frame.data()))) return std::nullopt;
      return frame.subspan(20);
    case DLT_NULL:
    case DLT_LOOP:
      if (frame.size() < 4) return std::nullopt;
      return frame.subspan(4);
    default:
      return std::nullopt;
  }
}

int DecodePcap(const char* path, const ToStringOptions& opts, Stats& st) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pc = pcap_open_offline(path, err);
  if (!pc) {
    // libpcap names the file itself when it cannot open it.
    const bool named = std::strncmp(err, path, std::strlen(path)) == 0;
    std::fprintf(stderr, "sctp-decode: %s%s%s\n", named ? "" : path, named ? "" : ": ", err);
    return 2;
  }
  const int linktype = pcap_datalink(pc);
  switch (linktype) {
    case DLT_EN10MB: case DLT_RAW: case kLinkTypeRaw: case kLinkTypeIpv4: case kLinkTypeIpv6:
    case DLT_LINUX_SLL: case kLinkTypeSll2: case DLT_NULL: case DLT_LOOP:
      break;
    default:
      std::fprintf(stderr, "sctp-decode: %s: unsupported link type %d (%s)\n", path, linktype,
                   pcap_datalink_val_to_name(linktype) ? pcap_datalink_val_to_name(linktype) : "?");
      pcap_close(pc);
      return 2;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  unsigned index = 0;
  int rc;
  while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
    ++index;
    ByteView frame(data, h->caplen);
    auto ip = LinkPayload(linktype, frame);
    if (!ip) {
      ++st.skipped;
      continue;
    }
    DecodeIp(index, *ip, opts, st);
  }
  int status = 0;
  if (rc == PCAP_ERROR) {
    std::fprintf(stderr, "sctp-decode: %s: %s\n", path, pcap_geterr(pc));
    status = 2;
  }
  pcap_close(pc);
  return status;
}

std::optional<std::vector<uint8_t>> ParseHex(const std::string& s) {
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':' || c == ',') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  if (digits.size() % 2) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < digits.size(); i += 2) out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  ToStringOptions opts;
  std::vector<std::string> hex, files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else if (a == "--hex") {
      if (i + 1 >= argc) {
        std::fputs("sctp-decode: --hex needs a value\n", stderr);
        return 2;
      }
      hex.push_back(argv[++i]);
    } else if (a == "--full") {
      opts.max_bytes = SIZE_MAX;
    } else if (a == "--max-bytes") {
      if (i + 1 >= argc) {
        std::fputs("sctp-decode: --max-bytes needs a value\n", stderr);
        return 2;
      }
      // Digits only: strtoul would take "" as 0 and "-1" as ULONG_MAX.
      const std::string v = argv[++i];
      errno = 0;
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])) || *end || errno == ERANGE) {
        std::fprintf(stderr, "sctp-decode: bad --max-bytes value '%s' (a number of bytes)\n", v.c_str());
        return 2;
      }
      opts.max_bytes = n > SIZE_MAX ? SIZE_MAX : size_t(n);
    } else if (a.size() > 1 && a[0] == '-') {  // "-" alone is standard input
      std::fprintf(stderr, "sctp-decode: unknown option '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (hex.empty() && files.empty()) {
    Usage(stderr);
    return 2;
  }
  Stats st;
  int status = 0;
  for (const auto& h : hex) {
    auto bytes = ParseHex(h);
    if (!bytes) {
      std::fprintf(stderr, "sctp-decode: not a hex string: '%s'\n", h.c_str());
      return 2;
    }
    DecodeSctp("", *bytes, opts, st);
  }
  for (const auto& f : files) {
    const int rc = DecodePcap(f.c_str(), opts, st);
    if (rc > status) status = rc;
  }
  if (!files.empty()) {
    std::fprintf(stderr, "sctp-decode: %u SCTP packets, %u malformed, %u bad checksums, %u other packets skipped\n",
                 st.sctp, st.malformed, st.bad_checksum, st.skipped);
  }
  if (status) return status;
  return (st.malformed || st.bad_checksum) ? 1 : 0;
}
