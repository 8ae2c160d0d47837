// Reassembly and in-order delivery (RFC 9260 6.5, 6.6, 6.9): DATA fragments
// are kept by TSN until a whole message is present; ordered messages wait
// for their stream's next SSN, unordered ones are delivered at once.
// Fragment buffers come from a pool, so the steady state allocates only the
// delivered message itself.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "rawsctp/engine/events.h"
#include "rawsctp/proto/data_chunks.h"
#include "unwrap.h"

namespace rawsctp::engine {

class ReassemblyQueue {
 public:
  // `partial_delivery_point`: buffered bytes beyond which the message at
  // the head of a stream starts to be delivered in pieces.
  void Reset(uint16_t inbound_streams, size_t partial_delivery_point = SIZE_MAX);
  // Takes one DATA chunk (TSN already known to be new). Whole messages that
  // can be delivered are appended to `out`.
  void Add(UnwrappedTsn tsn, const proto::DataChunk& d, std::vector<Message>& out);
  // Bytes held: fragments plus whole ordered messages waiting for their SSN.
  size_t buffered_bytes() const { return buffered_; }
  size_t fragment_count() const { return fragments_.size(); }
  // True if `tsn` is the next piece of the message in partial delivery.
  bool ContinuesPartialDelivery(UnwrappedTsn tsn) const { return pd_.active && tsn == pd_.next_tsn; }
  bool Consistent() const;

 private:
  struct Fragment {
    UnwrappedTsn tsn = 0;
    uint8_t flags = 0;
    uint16_t sid = 0;
    uint16_t ssn = 0;
    uint32_t ppid = 0;
    std::vector<uint8_t> data;
  };
  struct StreamState {
    uint16_t next_ssn = 0;
    std::map<uint16_t, Message> waiting;   // whole ordered messages by SSN
  };
  void DeliverOrdered(uint16_t sid, uint16_t ssn, Message m, std::vector<Message>& out);
  void TryAssemble(size_t index, const proto::DataChunk& d, std::vector<Message>& out);
  void Deliver(Message m, uint16_t ssn, std::vector<Message>& out);
  // Partial delivery: start one if the buffer passed the point, and
  // continue the active one with the fragments that follow it.
  void MaybeStartPartialDelivery(std::vector<Message>& out);
  void ContinuePartialDelivery(std::vector<Message>& out);
  struct PartialDelivery {
    bool active = false;
    uint16_t sid = 0;
    uint16_t ssn = 0;
    bool unordered = false;
    uint32_t ppid = 0;
    UnwrappedTsn next_tsn = 0;
  };
  PartialDelivery pd_;
  size_t pd_point_ = SIZE_MAX;
  std::vector<Message> held_;   // unordered messages of the stream in partial delivery
  std::vector<uint8_t> TakeBuffer();
  void ReturnBuffer(std::vector<uint8_t>&& b);

  std::vector<Fragment> fragments_;        // sorted by TSN
  std::vector<std::vector<uint8_t>> pool_;
  std::unordered_map<uint16_t, StreamState> streams_;
  size_t buffered_ = 0;
};

}  // namespace rawsctp::engine
