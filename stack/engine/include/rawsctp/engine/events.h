// What the engine tells its user.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rawsctp/engine/types.h"

namespace rawsctp::engine {

enum class EventType : uint8_t {
  kCommunicationUp,     // the association is ESTABLISHED
  kRestart,             // the peer restarted the association (5.2.4 case A)
  kCommunicationLost,   // ABORT sent or received, or retransmission limits exceeded
  kShutdownComplete,    // graceful shutdown finished
  kCannotStart,         // the handshake failed (Max.Init.Retransmits, ABORT)
  kDataArrived,         // a whole message; see `message`
  kSendFailed,          // a message that will never be delivered
  kPeerError,           // the peer sent an ERROR chunk
  kIncoming,            // a new association is waiting in the accept backlog
  kSendSpace,           // Send() returned kWouldBlock, and the send buffer has drained to its
                        // low-water mark (AssociationOptions::send_buffer_low_water) or to where
                        // the refused message fits: retry. Once per kWouldBlock episode.
};

const char* EventTypeName(EventType t);

// Why an association ended or could not start (kCommunicationLost,
// kCannotStart): what a socket layer maps onto ECONNRESET, ECONNREFUSED or
// ETIMEDOUT.
enum class FailReason : uint8_t {
  kNone,
  kPeerAbort,       // the peer sent ABORT
  kTimeout,         // Max.Init.Retransmits, Association.Max.Retrans or T5 exhausted
  kProtocolError,   // the peer broke the protocol (we sent ABORT)
  kLocalAbort,      // the user called Abort()
  kUnreachable,     // ICMP: the peer's host does not run the protocol (RFC 9260 Appendix C)
};

struct Message {
  uint16_t stream = 0;
  uint32_t ppid = 0;        // host byte order
  bool unordered = false;
  // Partial delivery: a message larger than the partial delivery point
  // (half the receive buffer) arrives in pieces; every piece but the last
  // has `partial` set, and no other message of the same stream comes
  // between them.
  bool partial = false;
  std::vector<uint8_t> data;
};

struct Event {
  EventType type{};
  AssocId assoc = kNoAssoc;
  Message message;          // kDataArrived, kSendFailed
  uint16_t cause = 0;       // kPeerError, kCommunicationLost: first error cause code, if any
  FailReason reason = FailReason::kNone;   // kCommunicationLost, kCannotStart
  std::string detail;       // human-readable reason
};

}  // namespace rawsctp::engine
