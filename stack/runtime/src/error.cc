#include "rawsctp/runtime/error.h"

namespace rawsctp {
namespace {

class SctpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sctp"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
      case errc::success: return "success";
      case errc::not_connected: return "association not connected";
      case errc::invalid_stream: return "invalid stream";
      case errc::message_too_big: return "message too big";
      case errc::empty_message: return "empty message";
      case errc::cannot_start: return "association could not be started";
      case errc::connection_lost: return "association lost";
      case errc::shut_down: return "association shut down";
      case errc::endpoint_closed: return "endpoint closed";
      case errc::association_limit: return "association limit reached";
      case errc::already_connected: return "already associated with that peer";
      case errc::not_listening: return "endpoint is not listening";
      case errc::bad_address: return "bad address";
      case errc::needs_cap_net_raw: return "raw IP sockets need CAP_NET_RAW";
      case errc::transport_error: return "transport error";
      case errc::send_failed: return "message could not be delivered";
      case errc::peer_unreachable:
        return "peer unreachable: its host answered ICMP protocol or port unreachable (nothing runs SCTP there on "
               "that IP protocol or UDP port; is the server running, with the same --proto or --transport?)";
      case errc::refused:
        return "refused: the peer answered ABORT (nothing listens on that SCTP port, or the server is full)";
    }
    return "unknown sctp error";
  }
};

}  // namespace

const std::error_category& sctp_category() noexcept {
  static const SctpCategory c;
  return c;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), sctp_category()}; }

}  // namespace rawsctp
