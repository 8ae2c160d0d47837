// pcap_writer: writes the packets of an endpoint's packet tap to a pcap file
// through libpcap (LINKTYPE_RAW). Each SCTP packet is wrapped in a synthetic
// IPv4 or IPv6 header with the real addresses (protocol 132, 253, ..., or
// protocol 17 with a UDP header for RFC 6951 encapsulation), so Wireshark,
// tshark and sctp-decode read the file.
//
//   rawsctp::pcap_writer pcap("capture.pcap");      // throws std::runtime_error
//   options.packet_tap = [&](const rawsctp::packet_record& r) { pcap.write(r); };
//
// The file is flushed every few packets and when the writer is destroyed.
// Not thread-safe: use it from the io_context's thread (where the tap runs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rawsctp/runtime/endpoint.h"

namespace rawsctp {

class pcap_writer {
 public:
  explicit pcap_writer(const std::string& path);
  ~pcap_writer();
  pcap_writer(const pcap_writer&) = delete;
  pcap_writer& operator=(const pcap_writer&) = delete;

  void write(const packet_record& r);
  void flush();
  uint64_t packets() const { return packets_; }

  // The IP datagram (header(s) + SCTP packet) that write() records; public
  // for tests.
  static void frame(const packet_record& r, uint16_t ip_id, std::vector<uint8_t>& out);

 private:
  void* pcap_ = nullptr;     // pcap_t*
  void* dumper_ = nullptr;   // pcap_dumper_t*
  uint64_t packets_ = 0;
  uint16_t ip_id_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace rawsctp
