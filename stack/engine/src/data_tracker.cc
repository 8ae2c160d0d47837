#include "data_tracker.h"

#include <algorithm>

namespace rawsctp::engine {

void DataTracker::Reset(proto::Tsn peer_initial_tsn) {
  unwrapper_.Reset(peer_initial_tsn - 1);
  cum_ = unwrapper_.Unwrap(peer_initial_tsn - 1);
  blocks_.clear();
  dups_.clear();
  packets_since_sack_ = 0;
  ack_deadline_ = kNever;
  sack_now_ = false;
  first_data_ = true;
}

bool DataTracker::IsReceived(proto::Tsn tsn) const {
  const UnwrappedTsn u = unwrapper_.Unwrap(tsn);
  if (u <= cum_) return true;
  for (const auto& [s, e] : blocks_) {
    if (u < s) return false;
    if (u <= e) return true;
  }
  return false;
}

DataTracker::Verdict DataTracker::Observe(proto::Tsn tsn) {
  const UnwrappedTsn u = unwrapper_.Observe(tsn);
  if (IsReceived(tsn)) {
    if (dups_.size() < kMaxDuplicates) dups_.push_back(tsn);
    sack_now_ = true;  // 6.2: a duplicate is acknowledged at once
    return Verdict::kDuplicate;
  }
  if (u == cum_ + 1) {
    cum_ = u;
    // Absorb a first block that is now adjacent.
    if (!blocks_.empty() && blocks_.front().first == cum_ + 1) {
      cum_ = blocks_.front().second;
      blocks_.erase(blocks_.begin());
    }
    return Verdict::kNew;
  }
  // Insert u into the blocks, merging neighbours.
  auto it = std::lower_bound(blocks_.begin(), blocks_.end(), u,
                             [](const auto& b, UnwrappedTsn v) { return b.second < v; });
  if (it != blocks_.end() && it->first <= u) return Verdict::kNew;  // unreachable: checked above
  const bool join_prev = it != blocks_.begin() && std::prev(it)->second + 1 == u;
  const bool join_next = it != blocks_.end() && it->first == u + 1;
  if (join_prev && join_next) {
    std::prev(it)->second = it->second;
    blocks_.erase(it);
  } else if (join_prev) {
    std::prev(it)->second = u;
  } else if (join_next) {
    it->first = u;
  } else {
    blocks_.insert(it, {u, u});
  }
  return Verdict::kNew;
}

void DataTracker::OnPacketWithData(TimePoint now, bool immediate, Duration delay) {
  ++packets_since_sack_;
  // 6.2: a SACK for at least every second packet, at most `delay` late, and
  // at once while there are gaps (6.7: each packet that arrives out of order).
  // 5.1: the first DATA chunk of an association is acknowledged at once.
  const bool first = first_data_;
  first_data_ = false;
  if (immediate || first || packets_since_sack_ >= 2 || !blocks_.empty()) {
    sack_now_ = true;
  } else if (ack_deadline_ == kNever) {
    ack_deadline_ = now + delay;
  }
}

void DataTracker::WriteSack(proto::Writer& w, uint32_t a_rwnd) {
  proto::GapAckBlock gaps[kMaxGapBlocks];
  size_t n = 0;
  for (const auto& [s, e] : blocks_) {
    if (n == kMaxGapBlocks) break;
    const int64_t start = s - cum_, end = e - cum_;
    if (end > 0xFFFF) break;  // offsets are 16-bit
    gaps[n++] = {uint16_t(start), uint16_t(end)};
  }
  proto::WriteSack(w, cumulative_tsn(), a_rwnd, std::span(gaps, n), dups_);
  dups_.clear();
  packets_since_sack_ = 0;
  ack_deadline_ = kNever;
  sack_now_ = false;
}

bool DataTracker::Consistent() const {
  UnwrappedTsn prev = cum_ + 1;
  for (const auto& [s, e] : blocks_) {
    if (s <= prev || e < s) return false;
    prev = e + 1;
  }
  return true;
}

}  // namespace rawsctp::engine
