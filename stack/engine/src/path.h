// A peer transport address and everything RFC 9260 keeps per destination:
// RTO (6.3), congestion window (7.2), error counter (8.2), heartbeat (8.3)
// and MTU. Multi-homing adds more of these, not a rewrite.
#pragma once

#include <algorithm>
#include <cstdint>

#include "rawsctp/engine/options.h"
#include "rawsctp/engine/types.h"

namespace rawsctp::engine {

// RTO calculation, RFC 9260 6.3.1, with RTO.Alpha = 1/8 and RTO.Beta = 1/4.
class RtoEstimator {
 public:
  void Reset(const AssociationOptions& o) {
    min_ = o.rto_min;
    max_ = o.rto_max;
    rto_ = std::clamp(o.rto_initial, min_, max_);
    srtt_ = rttvar_ = Duration(0);
    measured_ = false;
  }
  // New bounds (a socket option on a live association). Before the first
  // measurement RTO is the new initial value.
  void SetBounds(Duration initial, Duration min, Duration max) {
    min_ = min;
    max_ = std::max(min, max);
    rto_ = std::clamp(measured_ ? rto_ : initial, min_, max_);
  }
  void OnMeasurement(Duration r) {
    if (r < Duration(0)) return;
    if (!measured_) {
      srtt_ = r;                          // C2
      rttvar_ = r / 2;
      measured_ = true;
    } else {                              // C3
      const Duration diff = srtt_ > r ? srtt_ - r : r - srtt_;
      rttvar_ = rttvar_ - rttvar_ / 4 + diff / 4;
      srtt_ = srtt_ - srtt_ / 8 + r / 8;
    }
    // C4: a zero RTTVAR is adjusted to the clock granularity (1 us here).
    if (rttvar_ == Duration(0)) rttvar_ = Duration(1);
    rto_ = std::clamp(srtt_ + 4 * rttvar_, min_, max_);   // C6, C7
  }
  // E2: back off on T3-rtx (and T1, T2, heartbeat) expiry.
  void Backoff() { rto_ = std::min(rto_ * 2, max_); }
  Duration rto() const { return rto_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  bool measured() const { return measured_; }

 private:
  Duration rto_{}, srtt_{}, rttvar_{}, min_{}, max_{};
  bool measured_ = false;
};

struct Path {
  TransportAddress address;
  uint32_t mtu = 1500;              // path MTU (IP)
  uint32_t max_packet = 1480;       // largest SCTP packet on this path
  RtoEstimator rto;
  // Congestion control (7.2), in bytes.
  uint32_t cwnd = 0;
  uint32_t ssthresh = 0;
  uint32_t partial_bytes_acked = 0;
  int error_count = 0;
  bool active = true;
  // T3-rtx (6.3.2).
  TimePoint t3_deadline = kNever;
  // Heartbeat (8.3).
  TimePoint last_activity{};
  TimePoint heartbeat_due = kNever;       // next HEARTBEAT on an idle path
  TimePoint heartbeat_timeout = kNever;   // the outstanding one counts as an error
  bool heartbeat_outstanding = false;

  // 7.2.1: initial cwnd = min(4 * MTU, max(2 * MTU, 4380)).
  static uint32_t InitialCwnd(uint32_t mtu) { return std::min(4 * mtu, std::max(2 * mtu, 4380u)); }

  void Reset(const AssociationOptions& o, const TransportAddress& a) {
    address = a;
    mtu = o.path_mtu;
    max_packet = o.max_packet_size();
    rto.Reset(o);
    cwnd = InitialCwnd(mtu);
    ssthresh = o.receive_buffer > 0xFFFFFFFFu ? 0xFFFFFFFFu : uint32_t(o.receive_buffer);  // peer rwnd later
    partial_bytes_acked = 0;
    error_count = 0;
    active = true;
    heartbeat_due = kNever;
    heartbeat_timeout = kNever;
    heartbeat_outstanding = false;
    t3_deadline = kNever;
  }

  // 7.2.1 / 7.2.2: growth on a SACK that advanced the cumulative TSN ack.
  void OnAckAdvance(uint32_t bytes_acked, uint32_t flight_before, bool in_fast_recovery) {
    if (in_fast_recovery) return;
    if (cwnd <= ssthresh) {
      // Slow start: only when the full window was in use.
      if (flight_before >= cwnd) cwnd += std::min(bytes_acked, mtu);
    } else {
      partial_bytes_acked += bytes_acked;
      if (partial_bytes_acked >= cwnd && flight_before >= cwnd) {
        partial_bytes_acked -= cwnd;
        cwnd += mtu;
      }
    }
  }
  // 7.2.3: loss detected by fast retransmit.
  void OnFastRetransmit() {
    ssthresh = std::max(cwnd / 2, 4 * mtu);
    cwnd = ssthresh;
    partial_bytes_acked = 0;
  }
  // 7.2.3: T3-rtx expiry.
  void OnT3Expiry() {
    ssthresh = std::max(cwnd / 2, 4 * mtu);
    cwnd = mtu;
    partial_bytes_acked = 0;
  }
  // 7.2.1: after an idle period of an RTO, cwnd decays.
  void OnIdle() { cwnd = std::max(cwnd / 2, 4 * mtu); }
};

}  // namespace rawsctp::engine
