#include "reassembly.h"

namespace rawsctp::engine {

void ReassemblyQueue::Reset(uint16_t) {
  fragments_.clear();
  streams_.clear();
  buffered_ = 0;
}

void ReassemblyQueue::DeliverOrdered(uint16_t sid, uint16_t ssn, Message m, std::deque<Message>& out) {
  StreamState& st = streams_[sid];
  if (ssn != st.next_ssn) {
    // Not yet its turn: wait (6.6). Its bytes stay counted.
    buffered_ += m.data.size();
    st.waiting.emplace(ssn, std::move(m));
    return;
  }
  out.push_back(std::move(m));
  st.next_ssn = uint16_t(st.next_ssn + 1);
  for (auto it = st.waiting.find(st.next_ssn); it != st.waiting.end(); it = st.waiting.find(st.next_ssn)) {
    buffered_ -= it->second.data.size();
    out.push_back(std::move(it->second));
    st.waiting.erase(it);
    st.next_ssn = uint16_t(st.next_ssn + 1);
  }
}

void ReassemblyQueue::Add(UnwrappedTsn tsn, const proto::DataChunk& d, std::deque<Message>& out) {
  const uint16_t sid = d.stream_id.value();
  const uint16_t ssn = d.ssn.value();
  if (d.beginning() && d.ending()) {
    Message m{sid, d.ppid.value(), d.unordered(), std::vector<uint8_t>(d.payload.begin(), d.payload.end())};
    if (d.unordered()) out.push_back(std::move(m));
    else DeliverOrdered(sid, ssn, std::move(m), out);
    return;
  }
  auto [pos, inserted] = fragments_.emplace(
      tsn, Fragment{d.flags, sid, ssn, d.ppid.value(), std::vector<uint8_t>(d.payload.begin(), d.payload.end())});
  if (!inserted) return;
  buffered_ += d.payload.size();

  // Fragments of one message have consecutive TSNs, the same stream and
  // (ordered) the same SSN and U flag. Walk back to B and forward to E.
  auto same_message = [&](const Fragment& f) {
    return f.sid == sid && (f.flags & proto::kFlagUnordered) == (d.flags & proto::kFlagUnordered) &&
           (d.unordered() || f.ssn == ssn);
  };
  auto first = pos;
  while (!(first->second.flags & proto::kFlagBeginning)) {
    if (first == fragments_.begin()) return;
    auto prev = std::prev(first);
    if (prev->first != first->first - 1 || !same_message(prev->second)) return;
    first = prev;
  }
  auto last = pos;
  size_t total = 0;
  for (auto it = first;; ++it) {
    total += it->second.data.size();
    if (it->second.flags & proto::kFlagEnding) {
      last = it;
      break;
    }
    auto next = std::next(it);
    if (next == fragments_.end() || next->first != it->first + 1 || !same_message(next->second)) return;
    if (next != first && (next->second.flags & proto::kFlagBeginning)) return;  // a new B before E
  }
  Message m{sid, first->second.ppid, d.unordered(), {}};
  m.data.reserve(total);
  auto end = std::next(last);
  for (auto it = first; it != end; ++it) m.data.insert(m.data.end(), it->second.data.begin(), it->second.data.end());
  fragments_.erase(first, end);
  buffered_ -= total;
  if (d.unordered()) out.push_back(std::move(m));
  else DeliverOrdered(sid, ssn, std::move(m), out);
}

bool ReassemblyQueue::Consistent() const {
  size_t n = 0;
  for (const auto& [t, f] : fragments_) n += f.data.size();
  for (const auto& [sid, st] : streams_) {
    for (const auto& [ssn, m] : st.waiting) n += m.data.size();
  }
  return n == buffered_;
}

}  // namespace rawsctp::engine
