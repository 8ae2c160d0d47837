// A FIFO on a power-of-two ring that only allocates when it grows, so that
// steady-state traffic through it never touches the heap (std::deque
// allocates and frees blocks as elements pass through).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rawsctp::engine {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return slots_[(head_ + i) & mask()]; }
  const T& operator[](size_t i) const { return slots_[(head_ + i) & mask()]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  void push_back(T v) {
    if (size_ == slots_.size()) Grow();
    slots_[(head_ + size_) & mask()] = std::move(v);
    ++size_;
  }
  void pop_front() {
    slots_[head_] = T();   // release what the element owns
    head_ = uint32_t((head_ + 1) & mask());
    --size_;
  }
  void clear() {
    while (!empty()) pop_front();
    head_ = 0;
  }

  template <bool Const>
  class Iter {
   public:
    using Q = std::conditional_t<Const, const RingQueue, RingQueue>;
    Iter(Q* q, size_t i) : q_(q), i_(i) {}
    auto& operator*() const { return (*q_)[i_]; }
    auto* operator->() const { return &(*q_)[i_]; }
    Iter& operator++() { ++i_; return *this; }
    bool operator!=(const Iter& o) const { return i_ != o.i_; }
    bool operator==(const Iter& o) const { return i_ == o.i_; }

   private:
    Q* q_;
    size_t i_;
  };
  Iter<false> begin() { return {this, 0}; }
  Iter<false> end() { return {this, size_}; }
  Iter<true> begin() const { return {this, 0}; }
  Iter<true> end() const { return {this, size_}; }

 private:
  size_t mask() const { return slots_.size() - 1; }
  void Grow() {
    // From 2 slots: an idle association's queues hold one element at most
    // (a pending receive), and memory per idle association counts.
    std::vector<T> next(slots_.empty() ? 2 : slots_.size() * 2);
    for (size_t i = 0; i < size_; ++i) next[i] = std::move((*this)[i]);
    slots_ = std::move(next);
    head_ = 0;
  }
  std::vector<T> slots_;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace rawsctp::engine
