// A copy job. Threads (none of them touches Node-API):
//  - coordinator: scans (totals, optional free-space check), then walks the sources with
//    walk_tree() relative to directory fds, creates destination folders, queues entries;
//  - workers (spec.threads): copy one entry each at a time (entry.cc; copy.cc for the data);
//  - reporter: batches what happened and hands it to the sink (reporter.h).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conflict.h"
#include "copy.h"
#include "foreign.h"
#include "engine.h"
#include "flush.h"
#include "meta.h"
#include "queue.h"
#include "reporter.h"
#include "scan.h"

namespace ferry {

// What a job does with an entry a foreign destination cannot hold as it is (a name it refuses, a
// symlink, a FIFO, a file too large…): try it and fail with a plain reason, skip it, or stop the
// job before anything is copied.
enum class UnfitPolicy : int { Fail, Skip, Stop };

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
  bool flush = false;  // syncfs every destination filesystem at the end, checked (flush.h)
  std::string tag;     // the caller's id for the job, recorded on its temp trees
  UnfitPolicy unfit = UnfitPolicy::Fail;
  bool map_names = false;     // replace characters the destination forbids (foreign.h's mapping)
  bool follow_links = false;  // where symlinks cannot be stored, copy what they point to
  bool paused = false;        // start paused (the top-level pairs are opened, nothing is copied)
};

// native/types.ts JobResult.
struct JobResult {
  uint64_t files_done = 0, files_failed = 0, bytes_done = 0;
  bool cancelled = false;
  // Per entry that is not a folder (types.ts JobCounts).
  uint64_t copied = 0, skipped = 0, failed = 0, not_started = 0;
  struct Incomplete {
    std::string path;
    bool temp = false;
  };
  std::vector<Incomplete> incomplete;
  bool flushed = false;  // a flush was asked for
  std::optional<WireErr> flush_error;
  std::vector<std::string> not_on_disk;
  std::vector<std::string> warnings;  // once per job: metadata a destination cannot keep, items left behind
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
                                    const std::string& spath, const std::string& dpath, bool top, bool mapped = false, bool via_link = false);
  void enqueue(Task&& t);
  void release(const std::shared_ptr<DirNode>& d);
  void finalize_dir(DirNode& d);
  // publish.cc: the hidden tree `d` gets its final name; a name taken meanwhile is settled by the
  // job's conflict policy. Fills rec (the folder's record); true when the tree left its temp name.
  bool publish_tree(DirNode& d, Record& rec);
  bool left_hidden(DirNode& d, Record& rec, int err, const std::string& tmp_path, const std::function<void(Record&&)>& out);
  void emit(Record&& r);
  // The destination folders' filesystems, watched for the final flush (no-op without flush).
  void watch_fs(dev_t dev, int dirfd, const std::string& folder);
  // The entries below a source folder, for a folder's record when they will not be copied.
  void count_not_started(int sfd, Record& rec);
  // Blocks while paused (walker, between entries). True when it waited.
  bool wait_if_paused();

  // Workers (entry.cc)
  void worker_main(size_t idx);
  void do_task(Worker& w, Task& t);
  void copy_regular(Worker& w, Task& t, int in, const struct stat& st, Record& rec, bool stream);
  void copy_other(Task& t, const struct stat& st, Record& rec);
  // Foreign destinations (entry.cc): true when the entry is settled (skipped or failed) before
  // anything is made; else it goes on (maybe with warnings, maybe to fail with a plain reason).
  bool unfit_name(DirNode& d, const std::string& sname, const std::string& dname, bool mapped, Record& rec);
  bool unfit_type(Task& t, const struct stat& st, bool stream, Record& rec);
  void settle_unfit(DirNode& d, const Problem& p, int err, Record& rec);
  bool copy_link_target(Worker& w, Task& t, Record& rec);
  WireErr dest_fail(const DirNode& d, int err, const char* syscall, const std::string& dname, const Record& rec);
  void note_destination(const DirNode& d);  // its metadata warning, once per filesystem
  bool try_move_rename(Task& t, const struct stat& st, Record& rec);
  enum class Pub { New, Replace, Done };
  Pub settle_taken(const struct stat& sst, const struct stat& dst, const DirNode& d, std::string& dname, Record& rec, std::optional<Answer>& asked);
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
  // JobCounts (per entry that is not a folder).
  std::atomic<uint64_t> n_copied_{0}, n_skipped_{0}, n_failed_{0}, n_not_started_{0};
  std::mutex incomplete_mu_;
  std::vector<JobResult::Incomplete> incomplete_;
  FlushSet flush_;
  // Foreign destinations: warnings said once per filesystem, and entries they could not hold.
  std::mutex notes_mu_;
  std::vector<std::string> notes_;
  std::set<dev_t> noted_;
  std::atomic<uint64_t> unfit_{0};
  std::string unfit_fs_;  // the label of the filesystem those were for (under notes_mu_)

  // Moves across filesystems (entry_move.cc): a copied entry's source is unlinked only once its
  // copy is on disk. Instead of fsync for every file and folder, finished entries wait in a batch;
  // one checked syncfs per destination filesystem, each folder fsynced once, each file's own
  // write-back result read through the descriptor that wrote it; then the batch's sources go and
  // its records are emitted. The syncfs goes through a descriptor opened before anything was
  // written there (write-back errors reach only descriptors opened before them: ENGINE-FACTS.md).
  struct Unlink {
    std::shared_ptr<DirNode> dir;  // holds one `pending` until the batch is flushed
    std::string sname;
    Record rec;
    UniqueFd data;  // a regular file's: the descriptor that wrote its copy
    int err = 0;    // after its batch's flush: 0 when its copy is known to be on disk
  };
  // A batch is flushed when it holds this many entries or bytes, or its first entry waited this
  // long (the records, and so the progress, of a move wait for the flush).
  static constexpr size_t kUnlinkBatch = 4096;
  static constexpr uint64_t kUnlinkBatchBytes = 1ull << 30;
  static constexpr long kUnlinkWindowMs = 100;
  void defer_unlink(Task& t, Record&& rec);
  void worker_done();  // each worker as it ends: the last one stops the flusher
  void flusher_main();
  void unlinker_main();
  void flush_batch(std::vector<Unlink>& batch, const std::map<dev_t, int>& syncs);
  void remove_sources(std::vector<Unlink>& batch);
  void note_dest_fs(const DirNode& d);  // walker: the first descriptor on each destination device
  std::mutex unlinks_mu_;
  std::condition_variable unlinks_cv_;  // the flusher: entries came, or the workers are done
  std::condition_variable room_cv_;     // workers: the flusher released descriptors
  std::vector<Unlink> unlinks_;
  uint64_t unlink_bytes_ = 0;
  size_t unlink_fds_ = 0;  // descriptors held by entries waiting or being flushed (capped: RLIMIT_NOFILE)
  std::chrono::steady_clock::time_point unlink_t0_;  // when the batch's first entry came
  size_t workers_done_ = 0;
  bool unlinks_closed_ = false;  // every worker is done
  std::deque<std::vector<Unlink>> verified_;  // flushed batches whose sources may go
  std::condition_variable verified_cv_;       // the unlinker: a batch was flushed, or all were
  bool flushed_all_ = false;                  // the flusher is done
  std::thread flusher_, unlinker_;
  std::map<dev_t, UniqueFd> sync_fds_;  // under unlinks_mu_
  // A destination filesystem whose flush failed once vouches for nothing after (its journal may be
  // aborted: later syncfs calls answer 0): its errno. The flusher's.
  std::map<dev_t, int> flush_failed_;

  Scanner scanner_;
  std::atomic<int> scan_state_{0};  // 0 none, 1 running, 2 done (not yet reported), 3 reported

  // In-flight files, one slot per worker (each with its own lock); slots_mu_ guards the list.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex slots_mu_;
};

}  // namespace ferry
