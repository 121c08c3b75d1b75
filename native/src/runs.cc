// ScanRun and ExplainRun (see runs.h).
#include "runs.h"

#include <thread>

namespace ferry {

namespace {

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

}  // namespace

void WalkRun::start() {
  auto self = shared_from_this();
  std::thread([self] { self->run(); }).detach();
  std::thread([self] { self->reporter_.run(); }).detach();
}

void WalkRun::cancel() {
  cancelled_ = true;
  reporter_.wake();
}

void ScanRun::run() {
  for (const auto& src : sources_) {
    if (cancelled_) break;
    scanner_.add(src, dest_dir_.empty() ? std::string() : join_path(dest_dir_, base_name(src)));
  }
  state_ = 2;
  std::optional<WireErr> refusal;
  if (scanner_.opts().check_space && !cancelled_) refusal = scanner_.check_space();
  reporter_.finish(scan_result_json(scanner_.totals(), scanner_.fit()), std::move(refusal));
}

bool ScanRun::scan_event(Event& e) {
  int s = state_.load();
  if (s == 3) return false;
  e.scan = scanner_.totals();
  e.scan_done = s == 2;
  if (s == 2) state_ = 3;
  return true;
}

void ExplainRun::run() {
  uint64_t count = 0;
  Event batch(Event::Explained);
  auto out = [&](Explanation&& x) {
    count++;
    batch.explained.push_back(std::move(x));
    if (batch.explained.size() >= 256) {
      reporter_.add(std::move(batch), false);
      batch = Event(Event::Explained);
    }
  };
  auto stopped = [&] { return cancelled_.load(std::memory_order_relaxed); };
  for (const auto& [src, dest] : pairs_) {
    if (stopped()) break;
    explain_tree(src, dest, opts_, out, stopped);
  }
  if (!batch.explained.empty()) reporter_.add(std::move(batch), false);
  reporter_.finish("{\"count\":" + std::to_string(count) + ",\"cancelled\":" + (cancelled_ ? "true" : "false") + "}");
}

}  // namespace ferry
