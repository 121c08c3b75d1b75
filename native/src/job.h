// A copy job: a coordinator thread walks the sources (directory fds, never full paths), a small
// pool of worker threads copies entries, and a reporter thread batches what happened and hands it
// to the JS side through a sink (addon.cc wraps a ThreadSafeFunction). None of these threads
// touch Node-API.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "copy.h"
#include "engine.h"

namespace ferry {

enum class Conflict : int { Ask, Overwrite, Skip, Rename, Newer, Error };
enum class Decision : int { Overwrite, Skip, Rename, Newer, Cancel, Error };

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
  bool progress = true;
};

struct Current {
  std::string src, dest;
  uint64_t size = 0, bytes = 0;
  int method = -1;
};

struct ConflictInfo {
  uint64_t id = 0;
  std::string src, dest;
  uint64_t src_size = 0, dest_size = 0;
  double src_mtime_ms = 0, dest_mtime_ms = 0;
};

struct Event {
  enum Type { Progress, Scan, Files, ConflictEv } type;
  explicit Event(Type t) : type(t) {}
  // Progress
  uint64_t files_done = 0, bytes_done = 0;
  std::vector<Current> current;
  bool paused = false;
  // Scan
  uint64_t scan_files = 0, scan_bytes = 0;
  bool scan_done = false;
  // Files
  std::vector<Record> records;
  // Conflict
  ConflictInfo conflict;
};

struct JobResult {
  uint64_t files_done = 0, files_failed = 0, bytes_done = 0;
  bool cancelled = false;
};

// Handed to the sink by the reporter thread; the sink owns it afterwards.
struct Batch {
  std::vector<Event> events;
  std::string json;  // the events as JSON (filled by the sink on the reporter thread)
  bool done = false;
  JobResult result;
};

// JSON text of an events array (json.cc): what crosses to JS.
std::string events_to_json(const std::vector<Event>& evs);

struct DirNode;
struct Task;
struct Worker;

class Job : public std::enable_shared_from_this<Job> {
 public:
  // sink: called on the reporter thread, in order; the Batch with done=true is the last call.
  using Sink = std::function<void(Batch*)>;
  Job(Spec spec, Sink sink);
  ~Job();
  void start();  // JS thread: spawns the coordinator and the reporter

  // Controls: any thread, any time (no-ops once finished).
  void pause();
  void resume();
  void cancel();
  void skip_current();
  void resolve_conflict(uint64_t id, Decision d, bool apply_to_all);
  // Waits (up to ms) until the reporter has handed over the last batch. For environment teardown.
  bool wait_ended(int ms);

 private:
  friend struct DirNode;
  friend struct Worker;
  void coordinator();
  void reporter();
  void scan_all();
  void process_top(const std::string& src, const std::string& dest);
  DirNode* open_dir(DirNode* parent, const std::string& sname, const std::string& dname, const std::string& spath,
                    const std::string& dpath, const struct stat* known, bool top);
  void walk(DirNode* root);
  void enqueue(Task&& t);
  void flush();
  bool dequeue(std::deque<Task>& out, int idx);
  void worker_main(int idx);
  void do_task(Worker& w, Task& t);
  void copy_regular(Worker& w, Task& t, int in, const struct stat& st, Record& rec, bool stream);
  void copy_other(Worker& w, Task& t, const struct stat& st, Record& rec);
  enum class HardLink { None, Leader, Linked };
  HardLink link_or_lead(Task& t, const struct stat& st, Record& rec);
  void leader_done(Task& t, const struct stat& st, const Record& rec);
  struct LinkEntry {
    int state;  // 0 leader copying, 1 copy done (fd valid)
    int fd;
    uint64_t remaining;
    std::string dest;
  };
  std::mutex links_mu_;
  std::condition_variable links_cv_;
  std::map<std::pair<dev_t, ino_t>, LinkEntry> links_;
  bool try_move_rename(Worker& w, Task& t, const struct stat& st, Record& rec);
  void finalize_dir(DirNode* d);
  void release(DirNode* d);
  void emit(Record&& r);
  void emit_conflict(const ConflictInfo& c);
  Decision ask(const ConflictInfo& c);
  int check(Worker& w);
  struct Created {
    uid_t uid = 0;
    gid_t gid = 0;
    bool mode_exact = false;
  };
  void apply_meta_fd(int in, int out, const struct stat& st, Record& rec, bool is_dir, const Created* created_as);
  void apply_meta_path(int dfd, const std::string& name, const struct stat& st, Record& rec, bool is_link);

 public:
  Spec spec_;

 private:
  Sink sink_;
  mode_t umask_;
  bool root_;
  uid_t euid_;
  gid_t egid_;
  std::thread coord_, rep_;
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  bool ended_ = false;

  std::atomic<bool> cancelled_{false}, paused_{false}, finished_{false}, started_{false};
  std::atomic<uint64_t> skip_gen_{0};
  std::mutex pause_mu_;
  std::condition_variable pause_cv_;

  // bounded work queue
  std::mutex q_mu_;
  std::condition_variable q_push_cv_, q_pop_cv_;
  std::deque<std::vector<Task>>* queue_;  // batches; q_tasks_ counts the tasks in them
  size_t q_tasks_ = 0;
  bool q_closed_ = false;
  bool walker_waiting_ = false;
  std::vector<Task> wbatch_;  // walker only
  static constexpr size_t kMaxLiveDirs = 512;
  std::atomic<size_t> live_dirs_{0};
  std::mutex dirs_mu_;
  std::condition_variable dirs_cv_;
  size_t q_cap_ = 8192;

  // events
  std::mutex ev_mu_;
  std::condition_variable ev_cv_;
  std::vector<Event> events_;
  bool urgent_ = false;
  JobResult result_;
  std::atomic<uint64_t> files_done_{0}, bytes_done_{0};

  // scan
  std::atomic<uint64_t> scan_files_{0}, scan_bytes_{0};
  std::atomic<int> scan_state_{0};  // 0 none, 1 running, 2 done (not yet reported), 3 reported

  // conflicts
  std::mutex cf_mu_;
  std::condition_variable cf_cv_;
  uint64_t next_conflict_ = 0;
  std::map<uint64_t, std::optional<Decision>> pending_;
  std::optional<Decision> all_decision_;

  // in-flight files, one slot per worker
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex slots_mu_;
};

}  // namespace ferry
