// The receiver's view of TSNs (RFC 9260 6.2, 6.7): the cumulative TSN,
// the gap ack blocks above it, the duplicates since the last SACK, and when
// a SACK is due (delayed SACK, 6.2).
#pragma once

#include <vector>

#include "rawsctp/engine/types.h"
#include "rawsctp/proto/sack_chunk.h"
#include "unwrap.h"

namespace rawsctp::engine {

class DataTracker {
 public:
  static constexpr size_t kMaxGapBlocks = 64;    // reported per SACK
  static constexpr size_t kMaxDuplicates = 32;   // reported per SACK

  void Reset(proto::Tsn peer_initial_tsn);

  enum class Verdict : uint8_t { kNew, kDuplicate };
  // Records a received TSN. A duplicate is remembered for the next SACK.
  Verdict Observe(proto::Tsn tsn);
  // True if `tsn` has been received (at or below cum, or in a gap block).
  bool IsReceived(proto::Tsn tsn) const;
  // Records the TSNs of a packet that were dropped for lack of buffer: they
  // are not acknowledged, but the SACK goes out immediately.
  void ForceImmediateSack() { sack_now_ = true; }

  proto::Tsn cumulative_tsn() const { return TsnUnwrapper::Wrap(cum_); }
  UnwrappedTsn unwrapped_cumulative() const { return cum_; }
  UnwrappedTsn Unwrap(proto::Tsn t) const { return unwrapper_.Unwrap(t); }
  bool has_gaps() const { return !blocks_.empty(); }
  // The highest TSN received so far.
  UnwrappedTsn highest_received() const { return blocks_.empty() ? cum_ : blocks_.back().second; }

  // Delayed SACK bookkeeping, called once per packet that carried DATA.
  // `immediate` is the I bit or a reason to ack at once (gap, duplicate).
  void OnPacketWithData(TimePoint now, bool immediate, Duration delay);
  bool sack_due(TimePoint now) const { return sack_now_ || (ack_deadline_ != kNever && now >= ack_deadline_); }
  bool sack_pending() const { return ack_deadline_ != kNever || sack_now_; }
  TimePoint ack_deadline() const { return sack_now_ ? TimePoint::min() : ack_deadline_; }
  void RequestSackNow() { sack_now_ = true; }

  // Writes a SACK and clears the pending state and the duplicates.
  void WriteSack(proto::Writer& w, uint32_t a_rwnd);

  size_t gap_block_count() const { return blocks_.size(); }
  size_t duplicate_count() const { return dups_.size(); }
  // Consistency check for debug builds: blocks sorted, disjoint, above cum+1.
  bool Consistent() const;

 private:
  TsnUnwrapper unwrapper_;
  UnwrappedTsn cum_ = 0;
  // Received TSN ranges above cum_ + 1, sorted, disjoint, not adjacent.
  std::vector<std::pair<UnwrappedTsn, UnwrappedTsn>> blocks_;
  std::vector<proto::Tsn> dups_;
  int packets_since_sack_ = 0;
  TimePoint ack_deadline_ = kNever;
  bool sack_now_ = false;
  bool first_data_ = true;   // no packet with DATA yet (5.1: ack it at once)
};

}  // namespace rawsctp::engine
