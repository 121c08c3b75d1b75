// The reporter (see reporter.h).
#include "reporter.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>

namespace ferry {

void Backlog::take(size_t n) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return open_ || held_ < cap_; });
  held_ += n;
  peak_ = std::max(peak_, held_);
}

void Backlog::give(size_t n) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    held_ -= std::min(n, held_);
  }
  cv_.notify_all();
}

void Backlog::open() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = true;
  }
  cv_.notify_all();
}

bool Backlog::full() {
  std::lock_guard<std::mutex> lk(mu_);
  return !open_ && held_ >= cap_;
}

size_t Backlog::peak() {
  std::lock_guard<std::mutex> lk(mu_);
  return peak_;
}

size_t record_weight(const Record& r) {
  size_t n = 200 + r.src.size() + r.dest.size() + r.attempts.size() * 80;
  for (const auto& w : r.warnings) n += w.size() + 4;
  if (r.error) n += 120 + r.error->message.size() + r.error->path.size() + r.error->dest.size();
  if (r.replaces) n += r.replaces->size() + 16;
  return n;
}

void Reporter::add_record(Record&& r) {
  const size_t w = record_weight(r);
  // Over the bound: what piled up here goes to JS now, and this producer waits for JS to take it.
  if (backlog_->full()) wake();
  backlog_->take(w);
  std::lock_guard<std::mutex> lk(mu_);
  if (events_.empty() || events_.back().type != Event::Files || events_.back().weight >= kChunkBytes) events_.emplace_back(Event::Files);
  events_.back().weight += w;
  events_.back().records.push_back(std::move(r));
}

void Reporter::add(Event&& e, bool urgent) {
  std::lock_guard<std::mutex> lk(mu_);
  events_.push_back(std::move(e));
  if (urgent) wake_locked();
}

void Reporter::wake() {
  std::lock_guard<std::mutex> lk(mu_);
  wake_locked();
}

void Reporter::wake_locked() {
  urgent_ = true;
  cv_.notify_all();
}

void Reporter::finish(std::string result_json, std::optional<WireErr> error) {
  backlog_->open();
  std::lock_guard<std::mutex> lk(mu_);
  result_json_ = std::move(result_json);
  error_ = std::move(error);
  finished_ = true;
  wake_locked();
}

namespace {

// Gives the memory free()d by the run's threads back to the system, at most once a second in the
// process. glibc keeps what a thread frees in that thread's arena (one per thread, up to 8 per
// core), where only the top of each heap is returned by itself: a job's workers, each in its own
// arena, would keep tens of MiB of freed records and paths resident. malloc_trim(0) returns every
// free page (MADV_DONTNEED); it runs here, on the reporter thread, never on the JS thread.
void trim_now_and_then() {
  static std::atomic<int64_t> last{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  int64_t prev = last.load();
  if (now - prev < 1000 || !last.compare_exchange_strong(prev, now)) return;
  malloc_trim(0);
}

}  // namespace

bool Reporter::wait_ended(int ms) {
  std::unique_lock<std::mutex> lk(end_mu_);
  return end_cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return ended_; });
}

void Reporter::run() {
  using clock = std::chrono::steady_clock;
  auto last_progress = clock::now() - std::chrono::seconds(1);
  uint64_t last_files = ~0ull, last_bytes = ~0ull;
  bool last_paused = false;
  for (;;) {
    std::vector<Event> evs;
    bool fin;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(50), [&] { return urgent_ || finished_; });
      urgent_ = false;
      fin = finished_;
      evs.swap(events_);  // finish() comes after the last add: nothing can follow
    }
    std::vector<Event> all;
    // Scan first: totals before the records they describe.
    Event scan(Event::Scan);
    if (src_.scan_event(scan)) all.push_back(std::move(scan));
    for (auto& e : evs) all.push_back(std::move(e));
    auto now = clock::now();
    Event p(Event::Progress);
    if (now - last_progress >= std::chrono::milliseconds(50) && src_.progress_event(p, fin)) {
      bool changed = p.files_done != last_files || p.bytes_done != last_bytes || p.paused != last_paused;
      if (changed || now - last_progress >= std::chrono::milliseconds(500)) {
        last_files = p.files_done;
        last_bytes = p.bytes_done;
        last_paused = p.paused;
        last_progress = now;
        all.push_back(std::move(p));
      }
    }
    if (all.empty() && !fin) continue;
    // Batches of at most about kChunkBytes of records each.
    std::vector<std::unique_ptr<Batch>> out;
    for (auto& e : all) {
      if (out.empty() || (!out.back()->events.empty() && out.back()->weight + e.weight > kChunkBytes)) {
        out.push_back(std::make_unique<Batch>());
        out.back()->backlog = backlog_;
      }
      out.back()->weight += e.weight;
      out.back()->events.push_back(std::move(e));
    }
    if (out.empty()) {
      out.push_back(std::make_unique<Batch>());
      out.back()->backlog = backlog_;
    }
    if (fin) {
      std::lock_guard<std::mutex> lk(mu_);
      Batch& last = *out.back();
      last.done = true;
      last.result_json = result_json_;
      last.error = error_;
    }
    for (auto& b : out) sink_(std::move(b));
    trim_now_and_then();
    if (fin) break;
  }
  {
    std::lock_guard<std::mutex> lk(end_mu_);
    ended_ = true;
  }
  end_cv_.notify_all();
}

}  // namespace ferry
