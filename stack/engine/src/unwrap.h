// 32-bit serial numbers unwrapped to 64 bits, so that containers can order
// them and arithmetic never wraps. The unwrapper follows the highest value
// seen; values within 2^31 of it map to the nearest 64-bit number.
#pragma once

#include <cstdint>

#include "rawsctp/proto/types.h"

namespace rawsctp::engine {

using UnwrappedTsn = int64_t;

class TsnUnwrapper {
 public:
  TsnUnwrapper() = default;
  explicit TsnUnwrapper(proto::Tsn base) { Reset(base); }
  void Reset(proto::Tsn base) { last_ = base.value(); }
  UnwrappedTsn Unwrap(proto::Tsn t) const {
    const int32_t delta = int32_t(t.value() - uint32_t(last_));
    return last_ + delta;
  }
  // Unwrap and move the reference forward if `t` is newer.
  UnwrappedTsn Observe(proto::Tsn t) {
    const UnwrappedTsn u = Unwrap(t);
    if (u > last_) last_ = u;
    return u;
  }
  static proto::Tsn Wrap(UnwrappedTsn u) { return proto::Tsn(uint32_t(uint64_t(u))); }

 private:
  UnwrappedTsn last_ = 0;
};

}  // namespace rawsctp::engine
