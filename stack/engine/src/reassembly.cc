#include "reassembly.h"

#include <algorithm>

namespace rawsctp::engine {

namespace {
constexpr size_t kMaxPooledBuffers = 512;
}  // namespace

void ReassemblyQueue::Reset(uint16_t, size_t partial_delivery_point) {
  fragments_.clear();
  streams_.clear();
  held_.clear();
  pd_ = {};
  pd_point_ = partial_delivery_point;
  buffered_ = 0;
}

// Delivers a whole message, unless its stream is in partial delivery.
void ReassemblyQueue::Deliver(Message m, uint16_t ssn, std::vector<Message>& out) {
  if (pd_.active && pd_.sid == m.stream && m.unordered) {
    buffered_ += m.data.size();
    held_.push_back(std::move(m));
    return;
  }
  if (m.unordered) {
    out.push_back(std::move(m));
  } else {
    DeliverOrdered(m.stream, ssn, std::move(m), out);
  }
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
  if (ssn != st.next_ssn || (pd_.active && pd_.sid == sid)) {
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
    Message m{sid, d.ppid.value(), d.unordered(), false, std::vector<uint8_t>(d.payload.begin(), d.payload.end())};
    Deliver(std::move(m), ssn, out);
    return;
  }
  // Insert in TSN order; in-order arrival appends.
  auto pos = std::lower_bound(fragments_.begin(), fragments_.end(), tsn,
                              [](const Fragment& f, UnwrappedTsn t) { return f.tsn < t; });
  if (pos != fragments_.end() && pos->tsn == tsn) return;
  Fragment f{tsn, d.flags, sid, ssn, d.ppid.value(), TakeBuffer()};
  f.data.assign(d.payload.begin(), d.payload.end());
  buffered_ += d.payload.size();
  size_t index = size_t(pos - fragments_.begin());
  fragments_.insert(pos, std::move(f));   // invalidates pos
  if (pd_.active) {
    // It may continue the message in partial delivery; if it belongs to
    // another message it is still buffered and may complete that one.
    ContinuePartialDelivery(out);
    auto at = std::lower_bound(fragments_.begin(), fragments_.end(), tsn,
                               [](const Fragment& g, UnwrappedTsn t) { return g.tsn < t; });
    if (at == fragments_.end() || at->tsn != tsn) return MaybeStartPartialDelivery(out);
    index = size_t(at - fragments_.begin());
  }
  TryAssemble(index, d, out);
  // Whole messages waiting for an earlier SSN count too: past the point,
  // the head of a stream starts to go out in pieces.
  MaybeStartPartialDelivery(out);
}

void ReassemblyQueue::TryAssemble(size_t i, const proto::DataChunk& d, std::vector<Message>& out) {
  const uint16_t sid = d.stream_id.value();
  const uint16_t ssn = d.ssn.value();

  // Fragments of one message have consecutive TSNs, the same stream and
  // (ordered) the same SSN and U flag. Walk back to B and forward to E.
  auto same_message = [&](const Fragment& g) {
    return g.sid == sid && (g.flags & proto::kFlagUnordered) == (d.flags & proto::kFlagUnordered) &&
           (d.unordered() || g.ssn == ssn);
  };
  size_t first = i;
  while (!(fragments_[first].flags & proto::kFlagBeginning)) {
    if (first == 0) return MaybeStartPartialDelivery(out);
    const Fragment& prev = fragments_[first - 1];
    if (prev.tsn != fragments_[first].tsn - 1 || !same_message(prev)) return MaybeStartPartialDelivery(out);
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
    if (k + 1 == fragments_.size()) return MaybeStartPartialDelivery(out);
    const Fragment& next = fragments_[k + 1];
    if (next.tsn != fragments_[k].tsn + 1 || !same_message(next) || (next.flags & proto::kFlagBeginning))
      return MaybeStartPartialDelivery(out);
  }
  Message m{sid, fragments_[first].ppid, d.unordered(), false, {}};
  m.data.reserve(total);
  for (size_t k = first; k <= last; ++k) {
    m.data.insert(m.data.end(), fragments_[k].data.begin(), fragments_[k].data.end());
    ReturnBuffer(std::move(fragments_[k].data));
  }
  fragments_.erase(fragments_.begin() + long(first), fragments_.begin() + long(last) + 1);
  buffered_ -= total;
  Deliver(std::move(m), ssn, out);
}

void ReassemblyQueue::MaybeStartPartialDelivery(std::vector<Message>& out) {
  if (pd_.active || buffered_ < pd_point_) return;
  // The lowest-TSN beginning fragment whose message may be delivered now.
  for (const Fragment& f : fragments_) {
    if (!(f.flags & proto::kFlagBeginning)) continue;
    const bool unordered = f.flags & proto::kFlagUnordered;
    if (!unordered) {
      auto it = streams_.find(f.sid);
      const uint16_t next = it == streams_.end() ? 0 : it->second.next_ssn;
      if (f.ssn != next) continue;
    }
    pd_ = {true, f.sid, f.ssn, unordered, f.ppid, f.tsn};
    ContinuePartialDelivery(out);
    return;
  }
}

void ReassemblyQueue::ContinuePartialDelivery(std::vector<Message>& out) {
  // Deliver the fragments that continue the message without a gap.
  auto it = std::lower_bound(fragments_.begin(), fragments_.end(), pd_.next_tsn,
                             [](const Fragment& g, UnwrappedTsn t) { return g.tsn < t; });
  const auto start = it;
  bool ended = false;
  while (it != fragments_.end() && it->tsn == pd_.next_tsn && it->sid == pd_.sid &&
         (pd_.unordered || it->ssn == pd_.ssn)) {
    if (it->tsn != start->tsn && (it->flags & proto::kFlagBeginning)) break;
    Message piece{pd_.sid, pd_.ppid, pd_.unordered, true, {}};
    piece.data.swap(it->data);           // hand the fragment's buffer over as is
    buffered_ -= piece.data.size();
    ended = it->flags & proto::kFlagEnding;
    piece.partial = !ended;
    out.push_back(std::move(piece));
    ++pd_.next_tsn;
    ++it;
    if (ended) break;
  }
  fragments_.erase(start, it);
  if (!ended) return;
  const uint16_t sid = pd_.sid;
  const bool was_ordered = !pd_.unordered;
  pd_ = {};
  {
    // Ordered messages of this stream held back during the partial delivery.
    StreamState& st = streams_[sid];
    if (was_ordered) st.next_ssn = uint16_t(st.next_ssn + 1);
    for (auto w = st.waiting.find(st.next_ssn); w != st.waiting.end(); w = st.waiting.find(st.next_ssn)) {
      buffered_ -= w->second.data.size();
      out.push_back(std::move(w->second));
      st.waiting.erase(w);
      st.next_ssn = uint16_t(st.next_ssn + 1);
    }
  }
  for (Message& m : held_) {
    buffered_ -= m.data.size();
    out.push_back(std::move(m));
  }
  held_.clear();
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
  for (const Message& m : held_) n += m.data.size();
  return n == buffered_;
}

}  // namespace rawsctp::engine
