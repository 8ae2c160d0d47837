// Reassembly and in-order delivery (RFC 9260 6.5, 6.6, 6.9): DATA fragments
// are kept by TSN until a whole message is present; ordered messages wait
// for their stream's next SSN, unordered ones are delivered at once.
#pragma once

#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include "rawsctp/engine/events.h"
#include "rawsctp/proto/data_chunks.h"
#include "unwrap.h"

namespace rawsctp::engine {

class ReassemblyQueue {
 public:
  void Reset(uint16_t inbound_streams);
  // Takes one DATA chunk (TSN already known to be new). Whole messages that
  // can be delivered are appended to `out`.
  void Add(UnwrappedTsn tsn, const proto::DataChunk& d, std::deque<Message>& out);
  // Bytes held: fragments plus whole ordered messages waiting for their SSN.
  size_t buffered_bytes() const { return buffered_; }
  size_t fragment_count() const { return fragments_.size(); }
  bool Consistent() const;

 private:
  struct Fragment {
    uint8_t flags;
    uint16_t sid;
    uint16_t ssn;
    uint32_t ppid;
    std::vector<uint8_t> data;
  };
  struct StreamState {
    uint16_t next_ssn = 0;
    std::map<uint16_t, Message> waiting;   // whole ordered messages by SSN
  };
  void DeliverOrdered(uint16_t sid, uint16_t ssn, Message m, std::deque<Message>& out);

  std::map<UnwrappedTsn, Fragment> fragments_;
  std::unordered_map<uint16_t, StreamState> streams_;
  size_t buffered_ = 0;
};

}  // namespace rawsctp::engine
