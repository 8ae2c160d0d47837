// Every tunable of an association, with the defaults of RFC 9260 section 16
// where it gives one, and the caps that bound memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rawsctp/engine/types.h"

namespace rawsctp::engine {

struct AssociationOptions {
  // RTO (RFC 9260 6.3, 16).
  Duration rto_initial = Seconds(1);
  Duration rto_min = Seconds(1);
  Duration rto_max = Seconds(60);
  // Handshake (5.1) and failure detection (8.1, 8.2).
  int max_init_retransmits = 8;
  // Cap on the T1-init / T1-cookie timer after back-off (RFC 6458
  // sinit_max_init_timeo); 0: RTO.Max.
  Duration max_init_timeout{};
  int association_max_retrans = 10;
  int path_max_retrans = 5;
  Duration valid_cookie_life = Seconds(60);
  // Heartbeats on an idle path (8.3).
  bool heartbeat_enabled = true;
  Duration heartbeat_interval = Seconds(30);
  // Streams requested in INIT (OS) and accepted (MIS).
  uint16_t outbound_streams = 10;
  uint16_t max_inbound_streams = 2048;
  // Receive buffer: reassembly plus undelivered data. rwnd is advertised from it.
  size_t receive_buffer = 1 << 20;
  // Send buffer: queued plus unacknowledged user data. Send() reports
  // WouldBlock beyond it.
  size_t send_buffer = 1 << 20;
  // After a kWouldBlock, EventType::kSendSpace is emitted once the queued
  // plus unacknowledged bytes are at most this (and the refused message
  // fits). 0: half the send buffer.
  size_t send_buffer_low_water = 0;
  // Path MTU and the bytes below SCTP (IP header, UDP for RFC 6951).
  uint32_t path_mtu = 1500;
  uint32_t header_overhead = 20;
  // Disable the Nagle-like delay of small messages while data is in flight.
  bool nodelay = true;
  // Delayed SACK (6.2): at most this long, or every second packet.
  Duration delayed_ack_timeout = Millis(200);
  // Max.Burst (7.2.4 / RFC 9260 16): packets sent in one go after an ack.
  int max_burst = 4;
  // T5-shutdown-guard (9.2): bounds the whole shutdown; 0 means the
  // recommended 5 * RTO.Max.
  Duration shutdown_guard{};
  // Largest user message accepted by Send().
  size_t max_message_size = 1 << 24;

  uint32_t max_packet_size() const { return path_mtu - header_overhead; }
};

struct EndpointOptions {
  uint16_t local_port = 0;
  AssociationOptions association;
  size_t max_associations = 100000;
  // Run the consistency check (timers match the state, counters in bounds)
  // after every entry point and abort on a violation. On in tests and
  // sctp-sim; always on in debug builds.
  bool consistency_checks = false;
  // Receive-window credit. false: a kDataArrived message stops counting
  // against the receive window when PollEvent() returns it. true: it counts
  // until the user calls Endpoint::ConsumeReceived() for its bytes, so a
  // layer that queues messages for a slow reader keeps the peer throttled
  // (its queue is bounded by the receive buffer).
  bool manual_receive_credit = false;
  // Packets for another SCTP port. false: dropped silently (raw IP, where
  // other processes may own those ports on the same socket's protocol).
  // true: answered as 8.4 says for a port nobody listens on (an INIT gets an
  // ABORT, so the peer learns at once that nothing is there). The runtime
  // sets it over UDP encapsulation, whose UDP port belongs to this endpoint
  // alone.
  bool answer_other_ports = false;
  // Secret used to sign state cookies; rotated with RotateCookieSecret().
  // Cookies signed with the previous secret stay valid.
};

}  // namespace rawsctp::engine
