// Outgoing user messages not yet fully handed to the retransmission queue,
// and their fragmentation into DATA chunks (RFC 9260 6.9). Messages leave in
// the order they were sent (first come, first served across streams).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "rawsctp/engine/ring_queue.h"
#include "rawsctp/proto/types.h"

namespace rawsctp::engine {

struct OutFragment {
  uint16_t sid = 0;
  uint16_t ssn = 0;
  uint32_t ppid = 0;
  uint8_t flags = 0;                                  // B, E, U
  std::shared_ptr<const std::vector<uint8_t>> message;
  uint32_t offset = 0;
  uint32_t length = 0;
};

class SendQueue {
 public:
  void Reset(uint16_t outbound_streams);
  void Push(uint16_t sid, uint32_t ppid, bool unordered, std::vector<uint8_t> data);
  bool empty() const { return queue_.empty(); }
  // Bytes not yet fragmented out.
  size_t pending_bytes() const { return pending_; }
  size_t message_count() const { return queue_.size(); }
  // Size of the next fragment for a payload limit, 0 if empty.
  size_t NextFragmentSize(size_t max_payload) const;
  OutFragment Produce(size_t max_payload);
  // Drops everything (association ending): returns the messages never sent
  // in full, for SEND_FAILED notifications.
  std::vector<OutFragment> DrainUnsent();
  uint16_t outbound_streams() const { return uint16_t(next_ssn_.size()); }

 private:
  struct Item {
    std::shared_ptr<const std::vector<uint8_t>> data;
    uint16_t sid = 0;
    uint32_t ppid = 0;
    bool unordered = false;
    uint32_t offset = 0;
    uint16_t ssn = 0;
  };
  RingQueue<Item> queue_;
  std::vector<uint16_t> next_ssn_;
  size_t pending_ = 0;
};

}  // namespace rawsctp::engine
