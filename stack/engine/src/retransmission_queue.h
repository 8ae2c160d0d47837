// DATA chunks sent and not yet cumulatively acknowledged (RFC 9260 6.3,
// 6.4, 7.2.4): SACK processing, gap acknowledgement, miss indications and
// fast retransmit, T3-rtx marking, and the flight size.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "rawsctp/engine/types.h"
#include "rawsctp/proto/sack_chunk.h"
#include "rawsctp/engine/ring_queue.h"
#include "send_queue.h"
#include "unwrap.h"

namespace rawsctp::engine {

struct TxChunk {
  UnwrappedTsn tsn = 0;
  OutFragment fragment;
  TimePoint sent_at{};
  uint8_t transmissions = 0;
  bool acked = false;              // covered by a gap ack block
  bool in_flight = false;          // counted in the flight size
  bool needs_retransmit = false;
  bool fast_retransmitted = false; // 7.2.4: at most once per chunk
  bool fast_rtx_pending = false;   // marked by fast retransmit, not yet resent
  uint8_t misses = 0;
};

struct SackResult {
  bool valid = true;               // false: cum ack beyond what we sent (protocol violation)
  bool ignored = false;            // an old SACK (cum ack below ours)
  bool cum_advanced = false;
  uint32_t bytes_acked = 0;        // newly acked (cumulative + gap)
  uint32_t flight_before = 0;
  std::optional<Duration> rtt;     // from a chunk sent once, none if the SACK also acks a retransmitted one (Karn)
  bool fast_retransmit = false;    // new chunks marked for fast retransmit
};

class RetransmissionQueue {
 public:
  void Reset(proto::Tsn my_initial_tsn);

  proto::Tsn next_tsn() const { return TsnUnwrapper::Wrap(next_tsn_); }
  proto::Tsn cumulative_ack() const { return TsnUnwrapper::Wrap(cum_ack_); }
  UnwrappedTsn unwrapped_next_tsn() const { return next_tsn_; }
  UnwrappedTsn unwrapped_cumulative_ack() const { return cum_ack_; }

  // Assigns the next TSN to a fragment and records it as sent at `now`.
  const TxChunk& Add(const OutFragment& f, TimePoint now);
  void MarkSent(TxChunk& c, TimePoint now);

  SackResult HandleSack(const proto::SackChunk& sack, TimePoint now, bool in_fast_recovery,
                        UnwrappedTsn* fast_recovery_exit);
  // T3-rtx expiry: every outstanding chunk is to be retransmitted (6.3.3 E3).
  void MarkAllForRetransmit();

  bool empty() const { return chunks_.empty(); }
  size_t outstanding_count() const { return chunks_.size(); }
  uint32_t flight_size() const { return flight_; }
  size_t outstanding_bytes() const { return outstanding_bytes_; }
  bool has_retransmits() const { return retransmit_count_ > 0; }
  // The next chunk to retransmit (lowest TSN first), or nullptr.
  TxChunk* NextRetransmit();
  // For SHUTDOWN: whether everything sent has been acknowledged.
  bool all_acked() const { return chunks_.empty(); }
  UnwrappedTsn highest_outstanding() const { return next_tsn_ - 1; }
  // Drops everything (association ending): messages never acknowledged.
  std::vector<OutFragment> Drain();
  uint64_t retransmissions() const { return retransmissions_; }
  bool Consistent() const;

 private:
  void RemoveFromFlight(TxChunk& c);
  RingQueue<TxChunk> chunks_;      // ordered by TSN, all above cum_ack_
  TsnUnwrapper unwrapper_;
  UnwrappedTsn next_tsn_ = 0;
  UnwrappedTsn cum_ack_ = 0;
  uint32_t flight_ = 0;
  size_t outstanding_bytes_ = 0;
  size_t retransmit_count_ = 0;
  uint64_t retransmissions_ = 0;
};

}  // namespace rawsctp::engine
