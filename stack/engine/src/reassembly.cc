#include "reassembly.h"

#include <algorithm>

namespace rawsctp::engine {

namespace {
constexpr size_t kMaxPooledBuffers = 512;
}  // namespace

void ReassemblyQueue::Reset(uint16_t) {
  fragments_.clear();
  streams_.clear();
  buffered_ = 0;
}

std::vector<uint8_t> ReassemblyQueue::TakeBuffer() {
  if (pool_.empty()) return {};
  std::vector<uint8_t> b = std::move(pool_.back());
  pool_.pop_back();
  return b;
}

void ReassemblyQueue::ReturnBuffer(std::vector<uint8_t>&& b) {
  if (pool_.size() >= kMaxPooledBuffers) return;
  b.clear();
  pool_.push_back(std::move(b));
}

void ReassemblyQueue::DeliverOrdered(uint16_t sid, uint16_t ssn, Message m, std::vector<Message>& out) {
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

void ReassemblyQueue::Add(UnwrappedTsn tsn, const proto::DataChunk& d, std::vector<Message>& out) {
  const uint16_t sid = d.stream_id.value();
  const uint16_t ssn = d.ssn.value();
  if (d.beginning() && d.ending()) {
    Message m{sid, d.ppid.value(), d.unordered(), std::vector<uint8_t>(d.payload.begin(), d.payload.end())};
    if (d.unordered()) out.push_back(std::move(m));
    else DeliverOrdered(sid, ssn, std::move(m), out);
    return;
  }
  // Insert in TSN order; in-order arrival appends.
  auto pos = std::lower_bound(fragments_.begin(), fragments_.end(), tsn,
                              [](const Fragment& f, UnwrappedTsn t) { return f.tsn < t; });
  if (pos != fragments_.end() && pos->tsn == tsn) return;
  Fragment f{tsn, d.flags, sid, ssn, d.ppid.value(), TakeBuffer()};
  f.data.assign(d.payload.begin(), d.payload.end());
  buffered_ += d.payload.size();
  const size_t i = size_t(pos - fragments_.begin());
  fragments_.insert(pos, std::move(f));

  // Fragments of one message have consecutive TSNs, the same stream and
  // (ordered) the same SSN and U flag. Walk back to B and forward to E.
  auto same_message = [&](const Fragment& g) {
    return g.sid == sid && (g.flags & proto::kFlagUnordered) == (d.flags & proto::kFlagUnordered) &&
           (d.unordered() || g.ssn == ssn);
  };
  size_t first = i;
  while (!(fragments_[first].flags & proto::kFlagBeginning)) {
    if (first == 0) return;
    const Fragment& prev = fragments_[first - 1];
    if (prev.tsn != fragments_[first].tsn - 1 || !same_message(prev)) return;
    --first;
  }
  size_t last = first;
  size_t total = 0;
  for (size_t k = first;; ++k) {
    total += fragments_[k].data.size();
    if (fragments_[k].flags & proto::kFlagEnding) {
      last = k;
      break;
    }
    if (k + 1 == fragments_.size()) return;
    const Fragment& next = fragments_[k + 1];
    if (next.tsn != fragments_[k].tsn + 1 || !same_message(next) || (next.flags & proto::kFlagBeginning)) return;
  }
  Message m{sid, fragments_[first].ppid, d.unordered(), {}};
  m.data.reserve(total);
  for (size_t k = first; k <= last; ++k) {
    m.data.insert(m.data.end(), fragments_[k].data.begin(), fragments_[k].data.end());
    ReturnBuffer(std::move(fragments_[k].data));
  }
  fragments_.erase(fragments_.begin() + long(first), fragments_.begin() + long(last) + 1);
  buffered_ -= total;
  if (d.unordered()) out.push_back(std::move(m));
  else DeliverOrdered(sid, ssn, std::move(m), out);
}

bool ReassemblyQueue::Consistent() const {
  size_t n = 0;
  for (size_t k = 0; k < fragments_.size(); ++k) {
    n += fragments_[k].data.size();
    if (k && fragments_[k - 1].tsn >= fragments_[k].tsn) return false;
  }
  for (const auto& [sid, st] : streams_) {
    for (const auto& [s, m] : st.waiting) n += m.data.size();
  }
  return n == buffered_;
}

}  // namespace rawsctp::engine
