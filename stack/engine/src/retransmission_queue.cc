#include "retransmission_queue.h"

namespace rawsctp::engine {

void RetransmissionQueue::Reset(proto::Tsn my_initial_tsn) {
  chunks_.clear();
  unwrapper_.Reset(my_initial_tsn);
  next_tsn_ = unwrapper_.Unwrap(my_initial_tsn);
  cum_ack_ = next_tsn_ - 1;
  flight_ = 0;
  outstanding_bytes_ = 0;
  retransmit_count_ = 0;
}

const TxChunk& RetransmissionQueue::Add(const OutFragment& f, TimePoint now) {
  TxChunk c;
  c.tsn = next_tsn_++;
  unwrapper_.Observe(TsnUnwrapper::Wrap(c.tsn));
  c.fragment = f;
  chunks_.push_back(std::move(c));
  outstanding_bytes_ += f.length;
  MarkSent(chunks_.back(), now);
  return chunks_.back();
}

void RetransmissionQueue::MarkSent(TxChunk& c, TimePoint now) {
  if (c.needs_retransmit) {
    c.needs_retransmit = false;
    --retransmit_count_;
    ++retransmissions_;
  }
  c.fast_rtx_pending = false;
  c.sent_at = now;
  if (c.transmissions < 255) ++c.transmissions;
  c.misses = 0;
  if (!c.in_flight) {
    c.in_flight = true;
    flight_ += c.fragment.length;
  }
}

void RetransmissionQueue::RemoveFromFlight(TxChunk& c) {
  if (c.in_flight) {
    c.in_flight = false;
    flight_ -= c.fragment.length;
  }
}

SackResult RetransmissionQueue::HandleSack(const proto::SackChunk& sack, TimePoint now, bool in_fast_recovery,
                                           UnwrappedTsn* fast_recovery_exit) {
  SackResult r;
  r.flight_before = flight_;
  const UnwrappedTsn cum = unwrapper_.Unwrap(sack.cumulative_tsn_ack);
  if (cum < cum_ack_) {
    r.ignored = true;  // 6.2.1 D: an out-of-order, older SACK
    return r;
  }
  if (cum >= next_tsn_) {
    r.valid = false;   // acknowledges a TSN never sent
    return r;
  }
  // Karn's rule (6.3.1 C5), applied to the whole SACK: when it newly
  // acknowledges a chunk that was retransmitted or is marked for it (a T3
  // expiry marks all), the SACK may answer a retransmission, and a sample
  // from any chunk it covers could include the retransmission timeout (a
  // lost SACK followed by a T3 expiry made samples of seconds on a 0.1 ms
  // path). Such a SACK gives no RTT sample.
  bool ambiguous = false;
  // Cumulative part.
  UnwrappedTsn highest_newly_acked = cum_ack_;
  while (!chunks_.empty() && chunks_.front().tsn <= cum) {
    TxChunk& c = chunks_.front();
    if (!c.acked) {
      r.bytes_acked += c.fragment.length;
      highest_newly_acked = c.tsn;
      if (c.transmissions > 1 || c.needs_retransmit) ambiguous = true;
      if (c.transmissions == 1 && !r.rtt) r.rtt = now - c.sent_at;
    }
    RemoveFromFlight(c);
    if (c.needs_retransmit) --retransmit_count_;
    outstanding_bytes_ -= c.fragment.length;
    chunks_.pop_front();
  }
  if (cum > cum_ack_) {
    r.cum_advanced = true;
    cum_ack_ = cum;
  }
  // Gap ack blocks (offsets from cum). Chunks acked before but not covered
  // now were reneged (6.2.1): they count as outstanding again, not in flight.
  size_t gi = 0;
  for (TxChunk& c : chunks_) {
    const int64_t off = c.tsn - cum;
    while (gi < sack.gap_count() && sack.gap(gi).end < off) ++gi;
    const bool covered = gi < sack.gap_count() && sack.gap(gi).start <= off && off <= sack.gap(gi).end;
    if (covered && !c.acked) {
      c.acked = true;
      r.bytes_acked += c.fragment.length;
      if (c.transmissions > 1 || c.needs_retransmit) ambiguous = true;
      highest_newly_acked = std::max(highest_newly_acked, c.tsn);
      RemoveFromFlight(c);
      if (c.needs_retransmit) {
        c.needs_retransmit = false;
        c.fast_rtx_pending = false;
        --retransmit_count_;
      }
      if (c.transmissions == 1 && !r.rtt) r.rtt = now - c.sent_at;
    } else if (!covered && c.acked) {
      c.acked = false;
    }
  }
  // Miss indications (7.2.4): unacked chunks below the highest TSN newly
  // acknowledged by this SACK. On the third, fast retransmit (once).
  for (TxChunk& c : chunks_) {
    if (c.tsn >= highest_newly_acked) break;
    if (c.acked || c.needs_retransmit || !c.in_flight) continue;
    if (in_fast_recovery && fast_recovery_exit && c.tsn <= *fast_recovery_exit && c.fast_retransmitted) continue;
    if (++c.misses >= 3 && !c.fast_retransmitted) {
      c.fast_retransmitted = true;
      c.fast_rtx_pending = true;
      c.needs_retransmit = true;
      ++retransmit_count_;
      RemoveFromFlight(c);
      r.fast_retransmit = true;
    }
  }
  if (ambiguous) r.rtt.reset();
  return r;
}

void RetransmissionQueue::MarkAllForRetransmit() {
  for (TxChunk& c : chunks_) {
    if (c.acked) continue;
    RemoveFromFlight(c);
    c.fast_rtx_pending = false;
    if (!c.needs_retransmit) {
      c.needs_retransmit = true;
      ++retransmit_count_;
    }
  }
}

TxChunk* RetransmissionQueue::NextRetransmit() {
  if (retransmit_count_ == 0) return nullptr;
  for (TxChunk& c : chunks_) {
    if (c.needs_retransmit) return &c;
  }
  return nullptr;
}

std::vector<OutFragment> RetransmissionQueue::Drain() {
  std::vector<OutFragment> out;
  for (TxChunk& c : chunks_) out.push_back(c.fragment);
  chunks_.clear();
  cum_ack_ = next_tsn_ - 1;
  flight_ = 0;
  outstanding_bytes_ = 0;
  retransmit_count_ = 0;
  return out;
}

bool RetransmissionQueue::Consistent() const {
  uint32_t flight = 0;
  size_t bytes = 0, rtx = 0;
  UnwrappedTsn prev = cum_ack_;
  for (const TxChunk& c : chunks_) {
    if (c.tsn != prev + 1) return false;
    prev = c.tsn;
    if (c.in_flight) flight += c.fragment.length;
    if (c.needs_retransmit) ++rtx;
    if (c.in_flight && (c.acked || c.needs_retransmit)) return false;
    bytes += c.fragment.length;
  }
  return prev == next_tsn_ - 1 && flight == flight_ && bytes == outstanding_bytes_ && rtx == retransmit_count_;
}

}  // namespace rawsctp::engine
