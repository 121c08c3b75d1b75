// Events and their reporter: what a job (or a scan, or an explain walk) tells JavaScript.
//
// Producers (walker, workers) add records and events from any thread; the reporter thread, every
// 50 ms or at once when something is urgent (a conflict, pause, the end), takes what piled up,
// puts the scan totals first and a progress event last (≤ 20 a second, at least every 500 ms
// while it changes nothing), and hands it to the sink (addon.cc, which turns it into JSON on this
// thread and into JS values on the JS thread) in batches of at most kChunkBytes of records each
// (a JS string that size is still a young object, which V8 frees cheaply). The last batch has
// done=true and the result.
//
// Memory is bounded whatever pace JS keeps: the records added and not yet consumed by JS (piled
// up here, or handed over and waiting in the sink's queue) are a Backlog of at most kBacklogBytes
// (their JSON, estimated). A producer that would go past it waits in add_record() until JS has
// consumed batches, or the run is cancelled or over: the job runs at the pace its records are
// taken. Producers never hold a lock while they wait there, so nothing JS calls can block on them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conflict.h"
#include "engine.h"
#include "explain.h"

namespace ferry {

struct Current {
  std::string src, dest;
  uint64_t size = 0, bytes = 0;
  int method = -1;
};

// Regular files of one kind of pair (one source filesystem → one destination folder's filesystem)
// and what the planner predicts for them (native/types.ts ScanKind). `rename`: a move on one
// filesystem, no data copied.
struct ScanKind {
  std::string src_fs, dest_fs;
  bool rename = false;
  int method = -1;
  std::vector<Method> chain;
  std::string reason;
  uint64_t files = 0, bytes = 0;
};

// A tree's totals (native/types.ts ScanTotals).
struct ScanTotals {
  uint64_t files = 0;     // entries that are not folders: regular files, symlinks, specials
  uint64_t dirs = 0;      // folders, the top one included
  uint64_t symlinks = 0;
  uint64_t specials = 0;  // FIFOs, sockets, device nodes
  uint64_t bytes = 0;     // apparent size of the regular files (st_size)
  uint64_t allocated = 0; // their allocated bytes (st_blocks*512), each inode once
  uint64_t reflink_bytes = 0;  // apparent bytes that will be reflinked, or renamed by a same-filesystem move
  uint64_t needed = 0;    // allocated bytes the destination must find room for: the rest
  // With a destination: entries whose destination name is taken (conflicts to come; folders that
  // exist as folders are merged into, not counted), and entries that cannot be read (a folder
  // that cannot be opened, an entry that cannot be examined). A few of each, by source path.
  uint64_t existing = 0, unreadable = 0;
  std::vector<std::string> existing_sample, unreadable_sample;
  std::vector<ScanKind> kinds;
};

struct Event {
  enum Type { Progress, Scan, Files, ConflictEv, Explained } type;
  explicit Event(Type t) : type(t) {}
  size_t weight = 0;  // Files: its records' estimated JSON bytes (record_weight)
  // Progress
  uint64_t files_done = 0, bytes_done = 0;
  std::vector<Current> current;
  bool paused = false;
  // Scan
  ScanTotals scan;
  bool scan_done = false;
  // Files
  std::vector<Record> records;
  // Conflict
  ConflictInfo conflict;
  // Explained (explain walks)
  std::vector<Explanation> explained;
};

// What a run has added and JS has not consumed yet, in estimated JSON bytes. Shared by the reporter
// and the batches it hands over (a batch can outlive its run while it waits for the JS thread).
class Backlog {
 public:
  explicit Backlog(size_t cap) : cap_(cap) {}
  // Producer: counts n bytes, after waiting while the backlog is at its cap (unless open).
  void take(size_t n);
  // Consumer (a batch consumed by JS, or dropped): n bytes are gone.
  void give(size_t n);
  // Never wait again (the run is cancelled or over).
  void open();
  bool full();
  // The most it held (for tests and figures).
  size_t peak();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const size_t cap_;
  size_t held_ = 0, peak_ = 0;
  bool open_ = false;
};

// The estimated JSON size of a record: what it weighs in the backlog.
size_t record_weight(const Record& r);

// One hand-over to the sink.
struct Batch {
  Batch() = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() {
    if (backlog) backlog->give(weight);
  }
  std::shared_ptr<Backlog> backlog;  // given back `weight` bytes when the batch is gone
  size_t weight = 0;
  std::vector<Event> events;
  std::string json;  // the events as JSON (filled by the sink, on the reporter thread)
  std::vector<std::string> parts;  // the files events' records, one JSON array each (events_to_json)
  bool done = false;
  std::string result_json;       // with done: the result object as JSON
  std::optional<WireErr> error;  // with done: a failure of the whole run
};
using Sink = std::function<void(std::unique_ptr<Batch>)>;

// Anything started from JS that runs on engine threads: a job, a scan, an explain walk.
class Runnable {
 public:
  virtual ~Runnable() = default;
  virtual void cancel() = 0;
  // Waits (up to ms) until the last batch was handed over. For environment teardown.
  virtual bool wait_ended(int ms) = 0;
};

class Reporter {
 public:
  // What the reporter asks on each tick (reporter thread).
  class Source {
   public:
    // Fills the scan totals; true to send them (while scanning, and once when done).
    virtual bool scan_event(Event&) { return false; }
    // Fills a progress snapshot; true when progress is reported at all. `fin`: the run is over.
    virtual bool progress_event(Event&, bool /*fin*/) { return false; }

   protected:
    ~Source() = default;
  };

  // A run's records unconsumed by JS, at most (estimated JSON bytes), and per batch.
  static constexpr size_t kBacklogBytes = 512 * 1024;
  static constexpr size_t kChunkBytes = 32 * 1024;

  Reporter(Sink sink, Source& src) : sink_(std::move(sink)), src_(src) {}

  // Any thread. add_record() waits while the backlog is full (see above).
  void add_record(Record&& r);
  void add(Event&& e, bool urgent);
  void wake();
  // The run is cancelled: producers stop waiting for JS (what they add is still delivered).
  void unblock() { backlog_->open(); }
  size_t backlog_peak() { return backlog_->peak(); }
  // The last batch: done, with the result (JSON) or an error. Call after the last add.
  void finish(std::string result_json, std::optional<WireErr> error = std::nullopt);
  bool wait_ended(int ms);

  // The reporter thread's body; returns after the last batch.
  void run();

 private:
  void wake_locked();  // mu_ held: send what there is now

  Sink sink_;
  const std::shared_ptr<Backlog> backlog_ = std::make_shared<Backlog>(kBacklogBytes);
  Source& src_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  bool urgent_ = false;
  bool finished_ = false;
  std::string result_json_;
  std::optional<WireErr> error_;
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  bool ended_ = false;
};

// JSON text of an events array (json.cc): what crosses to JS. With `parts`, each files event's
// records are not in it: the event says {count, failed, changed, part} and its records' JSON array
// is appended to `parts` (at index `part`), for JS to parse when, and if, they are read.
std::string events_to_json(const std::vector<Event>& evs, std::vector<std::string>* parts = nullptr);
std::string scan_totals_json(const ScanTotals& t);
// scan()'s result: the totals and, per destination filesystem, its problems and space.
struct DestFit;
std::string scan_result_json(const ScanTotals& t, const std::vector<DestFit>& fit);
// What a filesystem holds (FsKind::holds) as a JSON object.
std::string holds_json(const FsKind& k);
// One explanation, appended to `out`.
void explanation_json(std::string& out, const Explanation& x);
std::string wire_error_json(const WireErr& e);
// A string as a JSON string literal.
std::string wire_string_json(const std::string& s);

}  // namespace ferry
