// The bounded work queue between a job's walker and its workers.
//
// The walker adds tasks into a batch of its own and hands over whole batches (one lock and at most
// one wake-up per batch); the queue holds batches in walk order (a batch never spans two folders,
// since the walker flushes when it leaves one). Worker i of n takes from the batch at i/n of the
// queue, so that with several folders queued the workers create files in different folders and
// do not fight over one directory's lock, and it takes a few tasks at a time (never a whole batch
// of big files for itself). The walker waits while the queue is full.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace ferry {

template <class T>
class WorkQueue {
 public:
  WorkQueue(const std::atomic<bool>& cancelled, size_t cap = 8192) : cancelled_(cancelled), cap_(cap) {}

  // Walker thread.
  void add(T&& t) {
    batch_.push_back(std::move(t));
    if (batch_.size() >= 64) flush();
  }
  void flush() {
    if (batch_.empty()) return;
    std::unique_lock<std::mutex> lk(mu_);
    walker_waiting_ = true;
    push_cv_.wait(lk, [&] { return tasks_ < cap_ || cancelled_.load(); });
    walker_waiting_ = false;
    bool was_empty = tasks_ == 0;
    tasks_ += batch_.size();
    batches_.emplace_back();
    batches_.back().swap(batch_);
    batch_.clear();
    lk.unlock();
    if (was_empty) pop_cv_.notify_all();
  }
  // No more tasks will come: workers return false once it is empty.
  void close() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      closed_ = true;
    }
    pop_cv_.notify_all();
  }

  // Worker `idx` of `nworkers`: moves a few tasks into `out`. False when closed and empty.
  bool pop(std::deque<T>& out, size_t idx, size_t nworkers) { return take(out, idx, nworkers, nullptr) > 0; }
  // pop() that waits at most `wait`: 1 took tasks, 0 closed and empty, -1 nothing came in time.
  int pop_for(std::deque<T>& out, size_t idx, size_t nworkers, std::chrono::milliseconds wait) { return take(out, idx, nworkers, &wait); }

 private:
  int take(std::deque<T>& out, size_t idx, size_t nworkers, const std::chrono::milliseconds* wait) {
    std::unique_lock<std::mutex> lk(mu_);
    auto ready = [&] { return tasks_ > 0 || closed_; };
    if (!wait) pop_cv_.wait(lk, ready);
    else if (!pop_cv_.wait_for(lk, *wait, ready)) return -1;
    if (tasks_ == 0) return 0;
    size_t n = std::max<size_t>(1, std::min<size_t>(tasks_ / nworkers, 16));
    size_t pos = idx * batches_.size() / nworkers;
    if (pos >= batches_.size()) pos = batches_.size() - 1;
    auto it = batches_.begin() + (std::ptrdiff_t)pos;
    std::vector<T>& b = *it;
    size_t take = std::min(n, b.size());
    // From the front of the batch: keeps each folder's files in order.
    for (size_t i = 0; i < take; i++) out.push_back(std::move(b[i]));
    b.erase(b.begin(), b.begin() + (std::ptrdiff_t)take);
    tasks_ -= take;
    if (b.empty()) batches_.erase(it);
    bool wake = walker_waiting_ && tasks_ < cap_;
    lk.unlock();
    if (wake) push_cv_.notify_one();
    return 1;
  }

 public:
  // The job was cancelled: a walker waiting for room goes on.
  void wake() {
    { std::lock_guard<std::mutex> lk(mu_); }
    push_cv_.notify_all();
    pop_cv_.notify_all();
  }

 private:
  const std::atomic<bool>& cancelled_;
  const size_t cap_;
  std::mutex mu_;
  std::condition_variable push_cv_, pop_cv_;
  std::deque<std::vector<T>> batches_;
  size_t tasks_ = 0;  // in all batches
  bool closed_ = false;
  bool walker_waiting_ = false;
  std::vector<T> batch_;  // walker only
};

}  // namespace ferry
