#include "send_queue.h"

#include <algorithm>

#include "rawsctp/proto/data_chunks.h"

namespace rawsctp::engine {

void SendQueue::Reset(uint16_t outbound_streams) {
  queue_.clear();
  next_ssn_.assign(outbound_streams, 0);
  pending_ = 0;
}

void SendQueue::Push(uint16_t sid, uint32_t ppid, bool unordered, std::vector<uint8_t> data) {
  pending_ += data.size();
  queue_.push_back(Item{std::make_shared<const std::vector<uint8_t>>(std::move(data)), sid, ppid, unordered});
}

size_t SendQueue::NextFragmentSize(size_t max_payload) const {
  if (queue_.empty()) return 0;
  const Item& it = queue_.front();
  return std::min<size_t>(max_payload, it.data->size() - it.offset);
}

OutFragment SendQueue::Produce(size_t max_payload) {
  Item& it = queue_.front();
  OutFragment f;
  f.sid = it.sid;
  f.ppid = it.ppid;
  f.message = it.data;
  f.offset = it.offset;
  f.length = uint32_t(std::min<size_t>(max_payload, it.data->size() - it.offset));
  if (it.offset == 0) {
    f.flags |= proto::kFlagBeginning;
    // 6.6: the SSN is assigned when the message starts going out; unordered
    // messages do not consume one.
    if (!it.unordered) {
      it.ssn = next_ssn_[it.sid];
      next_ssn_[it.sid] = uint16_t(next_ssn_[it.sid] + 1);
    }
  }
  if (it.unordered) f.flags |= proto::kFlagUnordered;
  f.ssn = it.unordered ? 0 : it.ssn;
  it.offset += f.length;
  pending_ -= f.length;
  if (it.offset == it.data->size()) {
    f.flags |= proto::kFlagEnding;
    queue_.pop_front();
  }
  return f;
}

std::vector<OutFragment> SendQueue::DrainUnsent() {
  std::vector<OutFragment> out;
  for (const Item& it : queue_) {
    out.push_back(OutFragment{it.sid, it.ssn, it.ppid, 0, it.data, it.offset, uint32_t(it.data->size() - it.offset)});
  }
  queue_.clear();
  pending_ = 0;
  return out;
}

}  // namespace rawsctp::engine
