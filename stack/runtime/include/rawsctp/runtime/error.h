// Errors of the runtime: std::error_code values in the "sctp" category.
#pragma once

#include <string>
#include <system_error>

namespace rawsctp {

enum class errc {
  success = 0,
  not_connected,          // the association is closed, shutting down, or unknown
  invalid_stream,         // stream id >= the negotiated outbound streams
  message_too_big,        // larger than AssociationOptions::max_message_size
  empty_message,          // SCTP cannot carry an empty message
  cannot_start,           // the handshake failed (no answer, or a protocol error)
  connection_lost,        // ABORT sent or received, or retransmission limits exceeded
  shut_down,              // the association was shut down gracefully (end of data)
  endpoint_closed,        // the endpoint was closed while the operation was pending
  association_limit,      // the engine refused a new association
  already_connected,      // an association with that peer exists
  not_listening,          // async_accept without listen()
  bad_address,            // an address that does not parse or resolve
  needs_cap_net_raw,      // raw sockets need CAP_NET_RAW
  transport_error,        // the socket failed (see the message)
  send_failed,            // a message was given up by the engine (kSendFailed)
  peer_unreachable,       // the handshake failed: the peer's host answered ICMP protocol (or, over UDP, port) unreachable
  refused,                // the handshake failed: the peer answered ABORT (no listener on that port, or no room)
};

const std::error_category& sctp_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace rawsctp

template <>
struct std::is_error_code_enum<rawsctp::errc> : std::true_type {};
