#include "rawsctp/runtime/pcap_writer.h"

#include <pcap/pcap.h>
#include <sys/time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace rawsctp {
namespace {

constexpr int kSnapLen = 262144;
constexpr uint64_t kFlushEvery = 64;

void Put16(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  v[at] = uint8_t(x >> 8);
  v[at + 1] = uint8_t(x);
}

// The ones' complement sum of `n` bytes (RFC 1071), folded later.
uint32_t Sum(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
  if (n & 1) acc += uint32_t(p[n - 1]) << 8;
  return acc;
}

uint16_t Fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return uint16_t(~acc & 0xffff);
}

}  // namespace

void pcap_writer::frame(const packet_record& r, uint16_t ip_id, std::vector<uint8_t>& out) {
  const bool v6 = r.destination.family == 6;
  const bool udp = r.ip_protocol == 17;
  const size_t ip_len = v6 ? 40 : 20;
  const size_t l4_len = std::min<size_t>(r.sctp.size() + (udp ? 8 : 0), 65535 - (v6 ? 0 : ip_len));
  const size_t body = l4_len - (udp ? 8 : 0);
  out.assign(ip_len + l4_len, 0);
  const size_t addr_len = v6 ? 16 : 4;
  if (v6) {
    out[0] = 0x60;
    Put16(out, 4, uint32_t(l4_len));
    out[6] = r.ip_protocol;
    out[7] = 64;
    std::memcpy(out.data() + 8, r.source.bytes.data(), 16);
    std::memcpy(out.data() + 24, r.destination.bytes.data(), 16);
  } else {
    out[0] = 0x45;
    Put16(out, 2, uint32_t(ip_len + l4_len));
    Put16(out, 4, ip_id);
    Put16(out, 6, 0x4000);  // DF
    out[8] = 64;
    out[9] = r.ip_protocol;
    std::memcpy(out.data() + 12, r.source.bytes.data(), 4);
    std::memcpy(out.data() + 16, r.destination.bytes.data(), 4);
    Put16(out, 10, Fold(Sum(out.data(), 20)));
  }
  uint8_t* l4 = out.data() + ip_len;
  if (udp) {
    Put16(out, ip_len, r.udp_source_port);
    Put16(out, ip_len + 2, r.udp_destination_port);
    Put16(out, ip_len + 4, uint32_t(l4_len));
  }
  if (body) std::memcpy(l4 + (udp ? 8 : 0), r.sctp.data(), body);
  if (udp) {
    // Pseudo-header: addresses, protocol, UDP length.
    uint32_t acc = Sum(r.source.bytes.data(), addr_len);
    acc = Sum(r.destination.bytes.data(), addr_len, acc);
    acc += 17u + uint32_t(l4_len);
    acc = Sum(l4, l4_len, acc);
    uint16_t c = Fold(acc);
    if (c == 0) c = 0xffff;
    Put16(out, ip_len + 6, c);
  }
}

pcap_writer::pcap_writer(const std::string& path) {
  pcap_t* p = pcap_open_dead(DLT_RAW, kSnapLen);
  if (!p) throw std::runtime_error("pcap_open_dead failed");
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  if (!d) {
    const std::string err = pcap_geterr(p);
    pcap_close(p);
    // libpcap's message usually starts with the path already.
    throw std::runtime_error("cannot write pcap file " + (err.rfind(path, 0) == 0 ? err : path + ": " + err));
  }
  pcap_ = p;
  dumper_ = d;
}

pcap_writer::~pcap_writer() {
  if (dumper_) pcap_dump_close(static_cast<pcap_dumper_t*>(dumper_));
  if (pcap_) pcap_close(static_cast<pcap_t*>(pcap_));
}

void pcap_writer::write(const packet_record& r) {
  frame(r, ip_id_++, buf_);
  pcap_pkthdr h{};
  ::gettimeofday(&h.ts, nullptr);
  h.caplen = h.len = uint32_t(buf_.size());
  pcap_dump(static_cast<u_char*>(dumper_), &h, buf_.data());
  if (++packets_ % kFlushEvery == 0) flush();
}

void pcap_writer::flush() { pcap_dump_flush(static_cast<pcap_dumper_t*>(dumper_)); }

}  // namespace rawsctp
