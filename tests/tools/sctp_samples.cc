// sctp-samples: writes the project's sample packets (tests/support/samples.cc)
// for the cross-checks and the fuzz seed corpus.
//
//   sctp-samples --list                    name and hex of every sample
//   sctp-samples --corpus DIR              one file per sample (fuzz seeds)
//   sctp-samples --pcap FILE [--link raw|eth|sll] [--ipv6] [--udp] [--proto N]
//                                          every sample wrapped in IP (and UDP)
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "samples.h"

namespace {

void Put16(std::vector<uint8_t>& v, size_t at, uint16_t x) {
  v[at] = uint8_t(x >> 8);
  v[at + 1] = uint8_t(x);
}

uint16_t InetChecksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += uint32_t(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

// Builds IP [+ UDP] + SCTP in one buffer.
std::vector<uint8_t> Wrap(const std::vector<uint8_t>& sctp, bool ipv6, bool udp, uint8_t proto) {
  const size_t iph = ipv6 ? 40 : 20, udph = udp ? 8 : 0;
  const size_t l4len = udph + sctp.size();
  std::vector<uint8_t> ip(iph + l4len, 0);
  std::memcpy(ip.data() + iph + udph, sctp.data(), sctp.size());
  if (udp) {
    Put16(ip, iph + 0, 9899);
    Put16(ip, iph + 2, 9899);
    Put16(ip, iph + 4, uint16_t(l4len));
  }
  const uint8_t l4proto = udp ? 17 : proto;
  if (!ipv6) {
    ip[0] = 0x45;
    Put16(ip, 2, uint16_t(ip.size()));
    ip[6] = 0x40;  // DF
    ip[8] = 64;
    ip[9] = l4proto;
    const uint8_t src[] = {192, 0, 2, 1}, dst[] = {192, 168, 0, 1};
    std::memcpy(&ip[12], src, 4);
    std::memcpy(&ip[16], dst, 4);
    Put16(ip, 10, InetChecksum(ip.data(), 20));
    // UDP checksum 0 (none) is allowed over IPv4.
  } else {
    ip[0] = 0x60;
    Put16(ip, 4, uint16_t(l4len));
    ip[6] = l4proto;
    ip[7] = 64;
    const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t dst[16] = {0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::memcpy(&ip[8], src, 16);
    std::memcpy(&ip[24], dst, 16);
    if (udp) {  // mandatory over IPv6: pseudo-header + UDP + payload
      uint32_t sum = 0;
      for (int i = 8; i < 40; i += 2) sum += uint32_t(ip[i] << 8 | ip[i + 1]);
      sum += uint32_t(l4len) + 17;
      const uint16_t c = InetChecksum(ip.data() + iph, l4len, sum);
      Put16(ip, iph + 6, c == 0 ? 0xFFFF : c);
    }
  }
  return ip;
}

int Usage() {
  std::fputs("usage: sctp-samples --list | --corpus DIR | --pcap FILE [--link raw|eth|sll] [--ipv6] [--udp] [--proto N]\n",
             stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, target, link = "raw";
  bool ipv6 = false, udp = false;
  int proto = 132;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--list") mode = a;
    else if (a == "--corpus" || a == "--pcap") { mode = a; target = next(); }
    else if (a == "--link") link = next();
    else if (a == "--ipv6") ipv6 = true;
    else if (a == "--udp") udp = true;
    else if (a == "--proto") proto = std::atoi(next().c_str());
    else return Usage();
  }
  const auto samples = rawsctp::testing::AllSamplePackets();
  if (mode == "--list") {
    for (const auto& s : samples) {
      std::printf("%s ", s.name.c_str());
      for (uint8_t b : s.bytes) std::printf("%02x", b);
      std::printf("\n");
    }
    return 0;
  }
  if (mode == "--corpus") {
    if (target.empty()) return Usage();
    for (const auto& s : samples) {
      std::ofstream f(target + "/" + s.name + ".bin", std::ios::binary);
      f.write(reinterpret_cast<const char*>(s.bytes.data()), std::streamsize(s.bytes.size()));
      if (!f) {
        std::fprintf(stderr, "sctp-samples: cannot write %s/%s.bin\n", target.c_str(), s.name.c_str());
        return 1;
      }
    }
    return 0;
  }
  if (mode == "--pcap") {
    if (target.empty()) return Usage();
    const int dlt = link == "raw" ? DLT_RAW : link == "eth" ? DLT_EN10MB : link == "sll" ? DLT_LINUX_SLL : -1;
    if (dlt < 0) return Usage();
    pcap_t* pd = pcap_open_dead(dlt, 65535);
    pcap_dumper_t* d = pcap_dump_open(pd, target.c_str());
    if (!d) {
      std::fprintf(stderr, "sctp-samples: %s\n", pcap_geterr(pd));
      return 1;
    }
    long usec = 0;
    for (const auto& s : samples) {
      std::vector<uint8_t> frame = Wrap(s.bytes, ipv6, udp, uint8_t(proto));
      std::vector<uint8_t> hdr;
      if (dlt == DLT_EN10MB) {
        hdr = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0, 0};
        Put16(hdr, 12, ipv6 ? 0x86DD : 0x0800);
      } else if (dlt == DLT_LINUX_SLL) {
        hdr.assign(16, 0);
        Put16(hdr, 2, 1);   // ARPHRD_ETHER
        Put16(hdr, 4, 6);
        Put16(hdr, 14, ipv6 ? 0x86DD : 0x0800);
      }
      std::vector<uint8_t> out(hdr.size() + frame.size());
      if (!hdr.empty()) std::memcpy(out.data(), hdr.data(), hdr.size());
      std::memcpy(out.data() + hdr.size(), frame.data(), frame.size());
      frame.swap(out);
      pcap_pkthdr h{};
      h.ts.tv_sec = 1700000000;
      h.ts.tv_usec = usec;
      usec += 1000;
      h.caplen = h.len = bpf_u_int32(frame.size());
      pcap_dump(reinterpret_cast<u_char*>(d), &h, frame.data());
    }
    pcap_dump_close(d);
    pcap_close(pd);
    return 0;
  }
  return Usage();
}
