// Walks that run on their own engine threads, outside a copy job: scan() (a tree's totals,
// streamed while they grow) and explainTrees() (the planner's answer for every entry, streamed in
// batches). Each has a walker thread and a reporter thread; the sink gets the events and, last,
// the result. Cancel stops the walk; the result then holds what was done so far.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "explain.h"
#include "reporter.h"
#include "scan.h"

namespace ferry {

class WalkRun : public Runnable, public Reporter::Source, public std::enable_shared_from_this<WalkRun> {
 public:
  void start();  // JS thread: spawns the walker and the reporter
  void cancel() override;
  bool wait_ended(int ms) override { return reporter_.wait_ended(ms); }

 protected:
  explicit WalkRun(Sink sink) : reporter_(std::move(sink), *this) {}
  virtual void run() = 0;  // the walker thread's body; ends with reporter_.finish()
  std::atomic<bool> cancelled_{false};
  Reporter reporter_;
};

class ScanRun : public WalkRun {
 public:
  // Each source lands in `dest_dir` under its own name ("" = no destination: nothing predicted).
  ScanRun(std::vector<std::string> sources, std::string dest_dir, ScanOpts opts, Sink sink)
      : WalkRun(std::move(sink)), sources_(std::move(sources)), dest_dir_(std::move(dest_dir)), scanner_(opts, cancelled_) {}

 private:
  bool scan_event(Event& e) override;
  void run() override;

  std::vector<std::string> sources_;
  std::string dest_dir_;
  std::atomic<int> state_{1};  // 1 running, 2 done (not yet reported), 3 reported
  Scanner scanner_;
};

class ExplainRun : public WalkRun {
 public:
  ExplainRun(std::vector<std::pair<std::string, std::string>> pairs, ExplainOpts opts, Sink sink)
      : WalkRun(std::move(sink)), pairs_(std::move(pairs)), opts_(opts) {}

 private:
  void run() override;

  std::vector<std::pair<std::string, std::string>> pairs_;
  ExplainOpts opts_;
};

}  // namespace ferry
