// Per-association state and counters, readable through the API.
#pragma once

#include <cstdint>

#include "rawsctp/engine/types.h"

namespace rawsctp::engine {

// RFC 9260 section 4 state names.
enum class State : uint8_t {
  kClosed,
  kCookieWait,
  kCookieEchoed,
  kEstablished,
  kShutdownPending,
  kShutdownSent,
  kShutdownReceived,
  kShutdownAckSent,
};
const char* StateName(State s);

enum class SendStatus : uint8_t {
  kOk,
  kWouldBlock,       // the send buffer is full; retry after data is acknowledged
  kInvalidStream,    // stream id >= the negotiated outbound streams
  kNotConnected,     // closed, shutting down, or unknown association
  kMessageTooBig,    // larger than AssociationOptions::max_message_size
  kEmpty,            // SCTP cannot carry an empty message
};
const char* SendStatusName(SendStatus s);

struct PathStats {
  TransportAddress address;
  bool active = true;
  uint32_t cwnd = 0;
  uint32_t ssthresh = 0;
  uint32_t flight_size = 0;
  uint32_t mtu = 0;
  Duration srtt{};
  Duration rttvar{};
  Duration rto{};
  int error_count = 0;
};

struct AssociationStats {
  State state = State::kClosed;
  uint32_t my_tag = 0;
  uint32_t peer_tag = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  uint32_t peer_rwnd = 0;
  uint32_t local_rwnd = 0;
  PathStats path;                     // the primary path
  uint64_t packets_sent = 0, packets_received = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;           // SCTP packet bytes
  uint64_t data_chunks_sent = 0, data_chunks_received = 0;
  uint64_t user_bytes_sent = 0, user_bytes_delivered = 0;
  uint64_t messages_sent = 0, messages_delivered = 0;
  uint64_t retransmissions = 0;       // DATA chunks sent again
  uint64_t fast_retransmits = 0;      // fast retransmit events
  uint64_t t3_expiries = 0;
  uint64_t duplicate_tsns = 0;
  uint64_t sacks_sent = 0, sacks_received = 0;
  uint64_t immediate_sacks_requested = 0;   // DATA chunks sent with the I bit (RFC 7053)
  int association_error_count = 0;
  // Times new data was sent with the flight size above cwnd + one MTU
  // (RFC 9260 6.1 B forbids it; sctp-sim checks this stays 0).
  uint64_t cwnd_violations = 0;
  size_t send_queue_bytes = 0;
  size_t outstanding_bytes = 0;
};

}  // namespace rawsctp::engine
