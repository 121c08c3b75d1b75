// The reporter (see reporter.h).
#include "reporter.h"

namespace ferry {

void Reporter::add_record(Record&& r) {
  std::lock_guard<std::mutex> lk(mu_);
  if (events_.empty() || events_.back().type != Event::Files) events_.emplace_back(Event::Files);
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
  std::lock_guard<std::mutex> lk(mu_);
  result_json_ = std::move(result_json);
  error_ = std::move(error);
  finished_ = true;
  wake_locked();
}

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
    auto b = std::make_unique<Batch>();
    // Scan first: totals before the records they describe.
    Event scan(Event::Scan);
    if (src_.scan_event(scan)) b->events.push_back(std::move(scan));
    for (auto& e : evs) b->events.push_back(std::move(e));
    auto now = clock::now();
    Event p(Event::Progress);
    if (now - last_progress >= std::chrono::milliseconds(50) && src_.progress_event(p, fin)) {
      bool changed = p.files_done != last_files || p.bytes_done != last_bytes || p.paused != last_paused;
      if (changed || now - last_progress >= std::chrono::milliseconds(500)) {
        last_files = p.files_done;
        last_bytes = p.bytes_done;
        last_paused = p.paused;
        last_progress = now;
        b->events.push_back(std::move(p));
      }
    }
    if (fin) {
      std::lock_guard<std::mutex> lk(mu_);
      b->done = true;
      b->result_json = result_json_;
      b->error = error_;
    }
    if (b->events.empty() && !b->done) continue;
    sink_(std::move(b));
    if (fin) break;
  }
  {
    std::lock_guard<std::mutex> lk(end_mu_);
    ended_ = true;
  }
  end_cv_.notify_all();
}

}  // namespace ferry
