// A copy job. Threads (none of them touches Node-API):
//  - coordinator: scans (totals, optional free-space check), then walks the sources with
//    walk_tree() relative to directory fds, creates destination folders, queues entries;
//  - workers (spec.threads): copy one entry each at a time (entry.cc; copy.cc for the data);
//  - reporter: batches what happened and hands it to the sink (reporter.h).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "conflict.h"
#include "copy.h"
#include "engine.h"
#include "meta.h"
#include "queue.h"
#include "reporter.h"
#include "scan.h"

namespace ferry {

struct Spec {
  std::vector<std::pair<std::string, std::string>> pairs;
  bool recursive = false;
  int method = -1;  // -1 auto
  bool preserve = true;
  bool fsync = false;
  int threads = 4;
  Conflict conflict = Conflict::Error;
  bool move = false;
  bool scan = true;
  bool space_check = false;
  bool progress = true;
};

struct JobResult {
  uint64_t files_done = 0, files_failed = 0, bytes_done = 0;
  bool cancelled = false;
};
std::string job_result_json(const JobResult& r);

struct DirNode;
struct Task;
struct Worker;
class TreeCopy;

class Job : public Runnable, public Reporter::Source, public std::enable_shared_from_this<Job> {
 public:
  // sink: called on the reporter thread, in order; the batch with done=true is the last call.
  Job(Spec spec, Sink sink);
  ~Job() override;
  void start();  // JS thread: spawns the coordinator and the reporter

  // Controls: any thread, any time (no-ops once finished).
  void pause();
  void resume();
  void cancel() override;
  void skip_current();
  void resolve_conflict(uint64_t id, Decision d, bool apply_to_all, std::string name = {});
  bool wait_ended(int ms) override { return reporter_.wait_ended(ms); }

 private:
  friend class TreeCopy;
  // Reporter::Source (reporter thread)
  bool scan_event(Event& e) override;
  bool progress_event(Event& e, bool fin) override;

  // Coordinator (job.cc)
  void coordinator();
  bool scan_all();  // false: the free-space check refused the job
  void process_top(const std::string& src, const std::string& dest);
  std::shared_ptr<DirNode> open_dir(const std::shared_ptr<DirNode>& parent, const std::string& sname, const std::string& dname,
                                    const std::string& spath, const std::string& dpath, bool top);
  void enqueue(Task&& t);
  void release(const std::shared_ptr<DirNode>& d);
  void finalize_dir(DirNode& d);
  void emit(Record&& r);
  // Blocks while paused (walker, between entries). True when it waited.
  bool wait_if_paused();

  // Workers (entry.cc)
  void worker_main(size_t idx);
  void do_task(Worker& w, Task& t);
  void copy_regular(Worker& w, Task& t, int in, const struct stat& st, Record& rec, bool stream);
  void copy_other(Task& t, const struct stat& st, Record& rec);
  bool try_move_rename(Task& t, const struct stat& st, Record& rec);
  enum class Pub { New, Replace, Done };
  Pub settle_taken(const struct stat& sst, const struct stat& dst, int dfd, std::string& dname, Record& rec, std::optional<Answer>& asked);
  int check(const Worker& w);
  // Hard links (entry.cc)
  enum class HardLink { None, Leader, Linked };
  HardLink link_or_lead(Task& t, const struct stat& st, Record& rec);
  void leader_done(Task& t, const struct stat& st, const Record& rec);
  struct LinkEntry {
    bool copied = false;  // false: the leader is still copying
    UniqueFd fd;          // the leader's copy (O_PATH) once copied
    uint64_t remaining = 0;
    std::string dest;
  };
  std::mutex links_mu_;
  std::condition_variable links_cv_;
  std::map<std::pair<dev_t, ino_t>, LinkEntry> links_;

  Spec spec_;
  MetaPolicy meta_;
  uid_t euid_;
  gid_t egid_;
  Reporter reporter_;
  Conflicts conflicts_;
  std::atomic<bool> cancelled_{false}, paused_{false}, started_{false}, finished_{false};
  std::atomic<uint64_t> skip_gen_{0};
  std::mutex pause_mu_;
  std::condition_variable pause_cv_;

  WorkQueue<Task> queue_;
  // Every open folder holds two fds until its files are done: their number is bounded.
  static constexpr size_t kMaxLiveDirs = 512;
  std::atomic<size_t> live_dirs_{0};
  std::mutex dirs_mu_;
  std::condition_variable dirs_cv_;

  std::atomic<uint64_t> files_done_{0}, files_failed_{0}, bytes_done_{0};

  Scanner scanner_;
  std::atomic<int> scan_state_{0};  // 0 none, 1 running, 2 done (not yet reported), 3 reported

  // In-flight files, one slot per worker.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex slots_mu_;
};

}  // namespace ferry
