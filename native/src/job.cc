// Copy jobs: walking, the worker pool, conflicts, atomic publishing, metadata, events.
//
// Threads (none of them touches Node-API):
//  - coordinator: walks the sources with openat/getdents64 relative to directory fds (so names
//    are bytes and paths may exceed PATH_MAX), creates destination folders, queues entries;
//  - workers (spec.threads): copy one entry each at a time (copy.cc for the data);
//  - reporter: every 50 ms (or at once for a conflict) batches records/progress and hands them to
//    the sink; the last batch has done=true.
//
// Publishing: data goes into an O_TMPFILE in the destination folder (or a hidden
// `.ferry-<random>.tmp` where O_TMPFILE is unsupported), and only a complete file gets a name:
// linkat() when the name is free (atomic: EEXIST if someone took it meanwhile), or linkat() to a
// hidden temp name then renameat() over the old file when overwriting. On failure, cancel or skip
// the O_TMPFILE is just closed: nothing is ever left under the final name or anywhere else.
//
// New folder trees (copy, not move, whose top destination does not exist yet) are built under a
// hidden `.ferry-<random>.tmp` folder next to the destination and renamed into place when the
// walk is done: inside it, files are created directly under their names (O_CREAT|O_EXCL with the
// final mode) and removed on failure/skip/cancel, which saves the per-file temp+link that makes
// small-file trees slow, while the final path still never shows a half-done tree. A cancelled
// tree copy is renamed into place with the files that were complete; after a crash only the
// hidden folder can remain. Merges into existing folders use the per-file O_TMPFILE route.
//
// Conflicts are checked with fstatat() only in folders this job did not create, and always caught
// at publish time by linkat()/RENAME_NOREPLACE's EEXIST.
#include "job.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <random>

namespace ferry {

// ---------------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------------

// A source folder being copied, or an anchor (the parents of a top-level pair). Holds the two
// directory fds its children are opened against. `pending` counts the walker's hold plus every
// queued child and child folder; at zero the folder gets its final metadata and is closed.
struct DirNode {
  DirNode* parent = nullptr;
  int sfd = -1, dfd = -1;
  std::string src_path, dest_path;  // escaped, for records
  std::string sname, dname;         // raw names in the parents
  struct stat st {};                 // source folder (for anchors: the source parent)
  dev_t ddev = 0;
  FsKind sfs, dfs;
  bool anchor = false;
  bool fresh = false;  // created by this job: it was empty, so no per-file existence check
  // Inside a tree that is being built under a hidden temp name (see open_dir): files are created
  // directly under their names, the whole tree appears at once when the top folder is renamed.
  bool direct = false;
  std::string tmp_top;  // the hidden name of that top folder while it fills
  bool no_default_acl = false;  // the destination folder has no default ACL (creation modes are exact)
  bool dst_setgid = false;
  gid_t dst_gid = 0;
  uint64_t t0 = 0;
  std::atomic<int> pending{1};
  std::atomic<bool> child_failed{false};
  std::atomic<bool> rename_exdev{false};
  std::atomic<bool> no_tmpfile{false};
  std::vector<std::string> warnings;
};

struct Task {
  DirNode* dir = nullptr;
  std::string sname, dname;
  std::string src_path, dest_path;
  unsigned char dtype = DT_UNKNOWN;
  bool top = false;  // an explicit pair (not found by walking a folder)
};

struct Worker {
  int idx = 0;
  WorkerRes res;
  uint64_t gen = 0;  // skip generation at the start of the current file
  // progress slot
  bool active = false;
  std::string src, dest;
  uint64_t size = 0;
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> method{-1};
};

namespace {

const char* kTmpPrefix = ".ferry-";

std::string random_tmp_name() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (uint64_t)pthread_self()};
  char buf[64];
  snprintf(buf, sizeof buf, "%s%016llx.tmp", kTmpPrefix, (unsigned long long)rng());
  return buf;
}

double mtime_ms(const struct stat& st) { return (double)st.st_mtim.tv_sec * 1000.0 + (double)st.st_mtim.tv_nsec / 1e6; }

bool newer_than(const struct stat& a, const struct stat& b) {
  if (a.st_mtim.tv_sec != b.st_mtim.tv_sec) return a.st_mtim.tv_sec > b.st_mtim.tv_sec;
  return a.st_mtim.tv_nsec > b.st_mtim.tv_nsec;
}

// "name (1).ext" — the extension is kept at the end; dotfiles have no extension.
// fsync() of a folder held by an O_PATH descriptor (fsync needs a readable one). 0 or an errno.
int fsync_dir(int dfd) {
  int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = fsync(fd) == 0 ? 0 : errno;
  close(fd);
  return e;
}

std::string numbered_name(const std::string& name, int n) {
  size_t dot = name.rfind('.');
  std::string suffix = " (" + std::to_string(n) + ")";
  if (dot == std::string::npos || dot == 0) return name + suffix;
  return name.substr(0, dot) + suffix + name.substr(dot);
}

std::string parent_of(const std::string& p) {
  size_t s = p.rfind('/');
  if (s == std::string::npos) return "";
  if (s == 0) return "/";
  return p.substr(0, s);
}

struct Ent {
  std::string name;
  unsigned char type;
};

// Reads a whole directory with getdents64 (no DIR*, no full paths).
int list_dir(int fd, std::vector<Ent>& out) {
  static thread_local std::vector<char> buf(256 * 1024);
  lseek(fd, 0, SEEK_SET);
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    long pos = 0;
    while (pos < n) {
      struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
      };
      auto* d = (linux_dirent64*)(buf.data() + pos);
      pos += d->d_reclen;
      const char* nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
      out.push_back({nm, d->d_type});
    }
  }
}

unsigned char dtype_of(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFIFO: return DT_FIFO;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFSOCK: return DT_SOCK;
  }
  return DT_UNKNOWN;
}

// Temp file in the destination folder: O_TMPFILE (no name at all), else a hidden O_EXCL name.
struct Tmp {
  int fd = -1;
  bool named = false;
  bool direct = false;  // created under its final name inside a tree that is itself still hidden
  std::string name;
};

int open_tmp(DirNode* d, Tmp& t, const std::string& dname, mode_t mode) {
  if (d->direct) {
    // Inside a hidden 0700 tree: create with the final permission bits at once (umask applies,
    // as it should without preserve; with preserve the caller checks nothing was masked).
    t.fd = openat(d->dfd, dname.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode & 0777);
    if (t.fd < 0) return errno;
    t.named = true;
    t.direct = true;
    t.name = dname;
    return 0;
  }
  if (!d->no_tmpfile.load(std::memory_order_relaxed)) {
    t.fd = openat(d->dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (t.fd >= 0) return 0;
    int e = errno;
    if (e != EOPNOTSUPP && e != EISDIR && e != EINVAL) return e;
    d->no_tmpfile.store(true, std::memory_order_relaxed);
  }
  for (int i = 0; i < 100; i++) {
    t.name = random_tmp_name();
    t.fd = openat(d->dfd, t.name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (t.fd >= 0) {
      t.named = true;
      return 0;
    }
    if (errno != EEXIST) return errno;
  }
  return EEXIST;
}

void discard_tmp(DirNode* d, Tmp& t) {
  if (t.fd >= 0) close(t.fd);
  t.fd = -1;
  if (t.named) unlinkat(d->dfd, t.name.c_str(), 0);
  t.named = false;
}

// Gives the O_TMPFILE a name. Root can use AT_EMPTY_PATH; others go through /proc/self/fd.
int link_tmpfile(int fd, int dfd, const char* name, bool root) {
  if (root) {
    if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOENT && errno != EPERM) return errno;
  }
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  if (linkat(AT_FDCWD, p, dfd, name, AT_SYMLINK_FOLLOW) == 0) return 0;
  return errno;
}

// rename without replacing. Filesystems without RENAME_NOREPLACE (FUSE, some network ones) answer
// EINVAL: then a hard link (atomic, fails with EEXIST) plus unlink for files, else a check and a
// plain rename (the only way left; the window is tiny). Returns 0 or an errno.
int rename_noreplace(int odfd, const char* oname, int ndfd, const char* nname, bool is_file) {
  if (renameat2(odfd, oname, ndfd, nname, RENAME_NOREPLACE) == 0) return 0;
  int e = errno;
  if (e != EINVAL && e != ENOSYS && e != EOPNOTSUPP) return e;
  if (is_file) {
    if (linkat(odfd, oname, ndfd, nname, 0) == 0) {
      unlinkat(odfd, oname, 0);
      return 0;
    }
    e = errno;
    if (e == EEXIST || e == EXDEV || e == ENOENT) return e;
  }
  struct stat st;
  if (fstatat(ndfd, nname, &st, AT_SYMLINK_NOFOLLOW) == 0) return EEXIST;
  if (renameat(odfd, oname, ndfd, nname) == 0) return 0;
  return errno;
}

bool fs_dev_same(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Job lifecycle
// ---------------------------------------------------------------------------------------------

Job::Job(Spec spec, Sink sink) : spec_(std::move(spec)), sink_(std::move(sink)) {
  umask_ = umask(0);  // JS thread, like process.umask()
  umask(umask_);
  root_ = geteuid() == 0;
  euid_ = geteuid();
  egid_ = getegid();
  queue_ = new std::deque<std::vector<Task>>();
  if (spec_.threads < 1) spec_.threads = 1;
  if (spec_.threads > 64) spec_.threads = 64;
}

Job::~Job() {
  if (coord_.joinable()) coord_.detach();
  if (rep_.joinable()) rep_.detach();
  delete queue_;
}

void Job::start() {
  auto self = shared_from_this();
  coord_ = std::thread([self] { self->coordinator(); });
  rep_ = std::thread([self] { self->reporter(); });
  coord_.detach();
  rep_.detach();
}

void Job::pause() {
  if (finished_) return;
  paused_ = true;
  std::lock_guard<std::mutex> lk(ev_mu_);
  urgent_ = true;
  ev_cv_.notify_all();
}

void Job::resume() {
  {
    std::lock_guard<std::mutex> lk(pause_mu_);
    paused_ = false;
  }
  pause_cv_.notify_all();
  std::lock_guard<std::mutex> lk(ev_mu_);
  urgent_ = true;
  ev_cv_.notify_all();
}

void Job::cancel() {
  cancelled_ = true;
  { std::lock_guard<std::mutex> lk(links_mu_); }
  links_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(dirs_mu_); }
  dirs_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(pause_mu_); }
  pause_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(q_mu_); }
  q_push_cv_.notify_all();
  q_pop_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(cf_mu_); }
  cf_cv_.notify_all();
  std::lock_guard<std::mutex> lk(ev_mu_);
  urgent_ = true;
  ev_cv_.notify_all();
}

void Job::skip_current() {
  {
    std::lock_guard<std::mutex> lk(pause_mu_);
    skip_gen_++;
  }
  pause_cv_.notify_all();
}

void Job::resolve_conflict(uint64_t id, Decision d, bool all) {
  if (d == Decision::Cancel) cancel();  // before waking the worker: the result must say cancelled
  {
    std::lock_guard<std::mutex> lk(cf_mu_);
    if (all) {
      all_decision_ = d;
      for (auto& [k, v] : pending_)
        if (!v) v = d;
    } else {
      auto it = pending_.find(id);
      if (it != pending_.end()) it->second = d;
    }
  }
  cf_cv_.notify_all();
}

int Job::check(Worker& w) {
  if (cancelled_.load(std::memory_order_relaxed)) return kErrCancelled;
  if (skip_gen_.load(std::memory_order_relaxed) != w.gen) return kErrSkipped;
  if (paused_.load(std::memory_order_relaxed)) {
    std::unique_lock<std::mutex> lk(pause_mu_);
    pause_cv_.wait(lk, [&] { return !paused_ || cancelled_ || skip_gen_ != w.gen; });
    if (cancelled_) return kErrCancelled;
    if (skip_gen_ != w.gen) return kErrSkipped;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

void Job::emit(Record&& r) {
  std::lock_guard<std::mutex> lk(ev_mu_);
  if (r.ok && !r.skipped) {
    if (r.type != EntryType::Dir || (!r.warnings.empty() && r.warnings[0] == "renamed")) result_.files_done++;
    result_.bytes_done += r.bytes;
    files_done_.store(result_.files_done, std::memory_order_relaxed);
    bytes_done_.store(result_.bytes_done, std::memory_order_relaxed);
  } else if (!r.ok && !r.skipped) {
    result_.files_failed++;
  }
  if (events_.empty() || events_.back().type != Event::Files) {
    Event e(Event::Files);
    events_.push_back(std::move(e));
  }
  events_.back().records.push_back(std::move(r));
}

void Job::emit_conflict(const ConflictInfo& c) {
  std::lock_guard<std::mutex> lk(ev_mu_);
  Event e(Event::ConflictEv);
  e.conflict = c;
  events_.push_back(std::move(e));
  urgent_ = true;
  ev_cv_.notify_all();
}

Decision Job::ask(const ConflictInfo& c0) {
  ConflictInfo c = c0;
  std::unique_lock<std::mutex> lk(cf_mu_);
  if (all_decision_) return *all_decision_;
  c.id = ++next_conflict_;
  pending_[c.id] = std::nullopt;
  lk.unlock();
  emit_conflict(c);
  lk.lock();
  cf_cv_.wait(lk, [&] { return pending_[c.id].has_value() || cancelled_; });
  std::optional<Decision> d = pending_[c.id];
  pending_.erase(c.id);
  lk.unlock();
  if (!d || *d == Decision::Cancel) cancel();
  return d ? *d : Decision::Cancel;
}

void Job::reporter() {
  using clock = std::chrono::steady_clock;
  auto last_progress = clock::now() - std::chrono::seconds(1);
  uint64_t last_files = ~0ull, last_bytes = ~0ull;
  bool last_paused = false;
  for (;;) {
    std::vector<Event> evs;
    bool fin;
    {
      std::unique_lock<std::mutex> lk(ev_mu_);
      ev_cv_.wait_for(lk, std::chrono::milliseconds(50), [&] { return urgent_ || finished_.load(); });
      urgent_ = false;
      fin = finished_.load();
      evs.swap(events_);
    }
    auto* b = new Batch();
    // Scan first: totals before the records they describe.
    int ss = scan_state_.load();
    if (ss == 1 || ss == 2) {
      Event e(Event::Scan);
      e.scan_files = scan_files_.load();
      e.scan_bytes = scan_bytes_.load();
      e.scan_done = ss == 2;
      if (ss == 2) scan_state_ = 3;
      b->events.push_back(std::move(e));
    }
    for (auto& e : evs) b->events.push_back(std::move(e));
    auto now = clock::now();
    if (spec_.progress && started_.load() && now - last_progress >= std::chrono::milliseconds(50)) {
      Event p(Event::Progress);
      p.files_done = files_done_.load();
      p.paused = paused_.load();
      uint64_t inflight = 0;
      {
        std::lock_guard<std::mutex> lk(slots_mu_);
        for (auto& w : workers_) {
          if (!w->active) continue;
          uint64_t by = w->bytes.load(std::memory_order_relaxed);
          inflight += by;
          p.current.push_back({w->src, w->dest, w->size, by, w->method.load(std::memory_order_relaxed)});
        }
      }
      p.bytes_done = bytes_done_.load() + (fin ? 0 : inflight);
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
      std::lock_guard<std::mutex> lk(ev_mu_);
      b->done = true;
      b->result = result_;
      b->result.cancelled = cancelled_.load();
      // events added between the swap and now (none: finished_ is set after the last emit)
      for (auto& e : events_) b->events.push_back(std::move(e));
      events_.clear();
    }
    if (b->events.empty() && !b->done) {
      delete b;
      continue;
    }
    sink_(b);  // takes ownership
    if (fin) break;
  }
  {
    std::lock_guard<std::mutex> lk(end_mu_);
    ended_ = true;
  }
  end_cv_.notify_all();
}

bool Job::wait_ended(int ms) {
  std::unique_lock<std::mutex> lk(end_mu_);
  return end_cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return ended_; });
}

// ---------------------------------------------------------------------------------------------
// Coordinator: scan, walk, queue
// ---------------------------------------------------------------------------------------------

void Job::coordinator() {
  if (spec_.scan) scan_all();
  size_t nworkers = (size_t)spec_.threads;
  if (!spec_.recursive && spec_.pairs.size() < nworkers) nworkers = std::max<size_t>(1, spec_.pairs.size());
  {
    std::lock_guard<std::mutex> lk(slots_mu_);
    for (size_t i = 0; i < nworkers; i++) {
      workers_.push_back(std::make_unique<Worker>());
      workers_.back()->idx = (int)i;
    }
  }
  started_ = true;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nworkers; i++) threads.emplace_back([this, i] { worker_main((int)i); });
  for (auto& p : spec_.pairs) {
    if (cancelled_) break;
    process_top(p.first, p.second);
  }
  flush();
  {
    std::lock_guard<std::mutex> lk(q_mu_);
    q_closed_ = true;
  }
  q_pop_cv_.notify_all();
  for (auto& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lk(links_mu_);
    for (auto& [k, v] : links_)
      if (v.fd >= 0) close(v.fd);
    links_.clear();
  }
  {
    std::lock_guard<std::mutex> lk(ev_mu_);
    finished_ = true;
    urgent_ = true;
  }
  ev_cv_.notify_all();
}

void Job::scan_all() {
  scan_state_ = 1;
  for (auto& p : spec_.pairs) {
    if (cancelled_) break;
    std::string name;
    int err = 0;
    int pfd = open_parent(p.first, name, err);
    if (pfd < 0) continue;
    struct stat st;
    if (fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      close(pfd);
      continue;
    }
    if (!S_ISDIR(st.st_mode) || !spec_.recursive) {
      if (!S_ISDIR(st.st_mode)) {
        scan_files_++;
        if (S_ISREG(st.st_mode)) scan_bytes_ += (uint64_t)st.st_size;
      }
      close(pfd);
      continue;
    }
    int fd = openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(pfd);
    if (fd < 0) continue;
    // Depth first with one open fd per level (never one per sibling folder).
    struct Frame {
      int fd;
      std::vector<Ent> ents;
      size_t i = 0;
    };
    std::vector<Frame> stack;
    stack.push_back({fd, {}, 0});
    list_dir(fd, stack.back().ents);
    while (!stack.empty() && !cancelled_) {
      Frame& f = stack.back();
      if (f.i >= f.ents.size()) {
        close(f.fd);
        stack.pop_back();
        continue;
      }
      const Ent& e = f.ents[f.i++];
      if (e.type == DT_DIR) {
        int c = openat(f.fd, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c >= 0) {
          Frame nf{c, {}, 0};
          list_dir(c, nf.ents);
          stack.push_back(std::move(nf));  // invalidates f
        }
        continue;
      }
      scan_files_.fetch_add(1, std::memory_order_relaxed);
      struct stat s;
      if ((e.type == DT_REG || e.type == DT_UNKNOWN) && fstatat(f.fd, e.name.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISREG(s.st_mode)) scan_bytes_.fetch_add((uint64_t)s.st_size, std::memory_order_relaxed);
      }
    }
    for (auto& f : stack) close(f.fd);
  }
  scan_state_ = 2;
  std::lock_guard<std::mutex> lk(ev_mu_);
  urgent_ = true;
  ev_cv_.notify_all();
}

// The walker queues tasks in batches (one lock and at most one wake-up per batch); workers take
// several at a time. The queue is bounded: the walker waits while it is full.
void Job::enqueue(Task&& t) {
  t.dir->pending.fetch_add(1, std::memory_order_relaxed);
  wbatch_.push_back(std::move(t));
  if (wbatch_.size() >= 64) flush();
}

void Job::flush() {
  if (wbatch_.empty()) return;
  std::unique_lock<std::mutex> lk(q_mu_);
  walker_waiting_ = true;
  q_push_cv_.wait(lk, [&] { return q_tasks_ < q_cap_ || cancelled_; });
  walker_waiting_ = false;
  bool was_empty = q_tasks_ == 0;
  q_tasks_ += wbatch_.size();
  queue_->emplace_back();
  queue_->back().swap(wbatch_);
  wbatch_.clear();
  lk.unlock();
  if (was_empty) q_pop_cv_.notify_all();
}

// The queue holds batches in walk order (a batch never spans two folders). Worker i of n takes
// from the batch at i/n of the queue, so that with several folders queued the workers create
// files in different folders and do not fight over one directory's lock; it takes a few tasks
// at a time (never a whole batch of big files for itself).
bool Job::dequeue(std::deque<Task>& out, int idx) {
  std::unique_lock<std::mutex> lk(q_mu_);
  q_pop_cv_.wait(lk, [&] { return q_tasks_ > 0 || q_closed_; });
  if (q_tasks_ == 0) return false;
  const size_t nw = workers_.size();
  size_t n = std::max<size_t>(1, std::min<size_t>(q_tasks_ / nw, 16));
  size_t pos = (size_t)idx * queue_->size() / nw;
  if (pos >= queue_->size()) pos = queue_->size() - 1;
  auto it = queue_->begin() + (std::ptrdiff_t)pos;
  std::vector<Task>& b = *it;
  size_t take = std::min(n, b.size());
  // Take from the front of the batch: keeps each folder's files in order.
  for (size_t i = 0; i < take; i++) out.push_back(std::move(b[i]));
  b.erase(b.begin(), b.begin() + (std::ptrdiff_t)take);
  q_tasks_ -= take;
  if (b.empty()) queue_->erase(it);
  bool wake = walker_waiting_ && q_tasks_ < q_cap_;
  lk.unlock();
  if (wake) q_push_cv_.notify_one();
  return true;
}

static Record base_record(const std::string& src, const std::string& dest, EntryType type) {
  Record r;
  r.src = src;
  r.dest = dest;
  r.type = type;
  return r;
}

void Job::process_top(const std::string& src, const std::string& dest) {
  uint64_t t0 = now_ns();
  Record rec = base_record(src, dest, EntryType::File);
  auto fail = [&](const WireErr& e) {
    rec.error = e;
    rec.ok = false;
    rec.ms = (double)(now_ns() - t0) / 1e6;
    emit(std::move(rec));
  };
  auto* a = new DirNode();
  a->anchor = true;
  a->t0 = t0;
  std::string sname, dname;
  int err = 0;
  a->sfd = open_parent(src, sname, err);
  if (a->sfd < 0) {
    fail(sys_error(err, "open", src, dest));
    release(a);
    return;
  }
  a->dfd = open_parent(dest, dname, err);
  if (a->dfd < 0) {
    fail(sys_error(err, "open", src, dest));
    release(a);
    return;
  }
  struct stat st, pst;
  if (fstatat(a->sfd, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    fail(sys_error(errno, "lstat", src, dest));
    release(a);
    return;
  }
  fstat(a->sfd, &a->st);
  if (fstat(a->dfd, &pst) == 0) a->ddev = pst.st_dev;
  a->sfs = fs_kind_of_fd(a->sfd);
  a->dfs = fs_kind_of_fd(a->dfd);
  a->src_path = parent_of(src);
  a->dest_path = parent_of(dest);
  rec.type = entry_type_of(st.st_mode);
  if (S_ISDIR(st.st_mode)) {
    if (!spec_.recursive) {
      fail(custom_error("EISDIR", "source is a directory (copy it with recursive), cp '" + src + "' -> '" + dest + "'", src, dest));
      release(a);
      return;
    }
    DirNode* d = open_dir(a, sname, dname, src, dest, &st, true);
    if (d) walk(d);
    release(a);
    return;
  }
  Task t;
  t.dir = a;
  t.sname = sname;
  t.dname = dname;
  t.src_path = src;
  t.dest_path = dest;
  t.dtype = dtype_of(st.st_mode);
  t.top = true;
  enqueue(std::move(t));
  release(a);
}

// Creates (or merges into) the destination folder and opens both fds. Walker thread.
DirNode* Job::open_dir(DirNode* parent, const std::string& sname, const std::string& dname0, const std::string& spath,
                       const std::string& dpath0, const struct stat* known, bool top) {
  uint64_t t0 = now_ns();
  std::string dname = dname0, dpath = dpath0;
  Record rec = base_record(spath, dpath, EntryType::Dir);
  auto fail = [&](const WireErr& e) {
    rec.error = e;
    rec.dest = dpath;
    rec.ms = (double)(now_ns() - t0) / 1e6;
    parent->child_failed = true;
    emit(std::move(rec));
    return nullptr;
  };
  struct stat st;
  int sfd = openat(parent->sfd, sname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0) return fail(sys_error(errno, "open", spath, dpath));
  if (fstat(sfd, &st) != 0) {
    int e = errno;
    close(sfd);
    return fail(sys_error(e, "fstat", spath, dpath));
  }
  (void)known;
  if (top) {
    // Refuse a folder into itself: is the source one of the destination's ancestors?
    int cur = openat(parent->dfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (int depth = 0; cur >= 0 && depth < 100000; depth++) {
      struct stat cs;
      if (fstat(cur, &cs) != 0) break;
      if (fs_dev_same(cs, st)) {
        close(cur);
        close(sfd);
        return fail(custom_error("EINTOSELF", "cannot copy a directory, '" + spath + "', into itself, '" + dpath + "'", spath, dpath));
      }
      int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      struct stat us;
      if (up < 0 || fstat(up, &us) != 0 || fs_dev_same(us, cs)) {
        if (up >= 0) close(up);
        break;
      }
      close(cur);
      cur = up;
    }
    if (cur >= 0) close(cur);
  }
  // Move within one filesystem: one rename for the whole folder.
  if (spec_.move && !parent->rename_exdev) {
    int re = rename_noreplace(parent->sfd, sname.c_str(), parent->dfd, dname.c_str(), false);
    if (re == 0) {
      close(sfd);
      rec.ok = true;
      rec.warnings.push_back("renamed");
      rec.ms = (double)(now_ns() - t0) / 1e6;
      emit(std::move(rec));
      return nullptr;
    }
    if (re == EXDEV) parent->rename_exdev = true;
    // EEXIST/ENOTEMPTY: the folder exists, merge into it below.
  }
  bool fresh = false;
  bool direct = parent->direct;
  std::string tmp_top;
  if (top && !spec_.move && faccessat(parent->dfd, dname.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
    // A new top folder is built under a hidden name and renamed into place when complete: its
    // files can then be created directly (no per-file temp + link), and nothing half-done ever
    // stands under the final name.
    for (int i = 0; i < 100 && tmp_top.empty(); i++) {
      std::string cand = random_tmp_name();
      if (mkdirat(parent->dfd, cand.c_str(), 0700) == 0) tmp_top = cand;
      else if (errno != EEXIST) break;
    }
  }
  if (!tmp_top.empty()) {
    fresh = direct = true;
  } else if (mkdirat(parent->dfd, dname.c_str(), 0700) == 0) {
    fresh = true;
  } else {
    int e = errno;
    if (e != EEXIST) {
      close(sfd);
      return fail(sys_error(e, "mkdir", spath, dpath));
    }
    struct stat ds;
    if (fstatat(parent->dfd, dname.c_str(), &ds, AT_SYMLINK_NOFOLLOW) != 0) {
      e = errno;
      close(sfd);
      return fail(sys_error(e, "lstat", spath, dpath));
    }
    if (fs_dev_same(ds, st)) {
      close(sfd);
      return fail(custom_error("ESAMEFILE", "'" + spath + "' and '" + dpath + "' are the same file", spath, dpath));
    }
    // An existing folder is merged into, except for a top-level pair with 'rename' (keep both):
    // that one gets "name (1)" like a file would.
    bool keep_both_dir = S_ISDIR(ds.st_mode) && top && spec_.conflict == Conflict::Rename;
    if (!S_ISDIR(ds.st_mode) || keep_both_dir) {
      Decision d;
      switch (spec_.conflict) {
        case Conflict::Skip: d = Decision::Skip; break;
        case Conflict::Rename: d = Decision::Rename; break;
        case Conflict::Ask: {
          ConflictInfo ci{0, spath, dpath, 0, (uint64_t)ds.st_size, mtime_ms(st), mtime_ms(ds)};
          d = ask(ci);
          break;
        }
        default: d = Decision::Error;
      }
      if (d == Decision::Skip || d == Decision::Cancel) {
        close(sfd);
        rec.ok = false;
        rec.skipped = d == Decision::Skip;
        rec.ms = (double)(now_ns() - t0) / 1e6;
        if (d == Decision::Skip) emit(std::move(rec));
        return nullptr;
      }
      if (d == Decision::Rename) {
        bool made = false;
        for (int n = 1; n < 100000 && !made; n++) {
          std::string cand = numbered_name(dname0, n);
          if (mkdirat(parent->dfd, cand.c_str(), 0700) == 0) {
            dname = cand;
            dpath = join_path(parent_of(dpath0), escape_name(cand));
            made = fresh = true;
          } else if (errno != EEXIST) {
            e = errno;
            close(sfd);
            return fail(sys_error(e, "mkdir", spath, dpath));
          }
        }
      } else {
        close(sfd);
        return fail(custom_error("EEXIST", "cannot overwrite non-directory '" + dpath + "' with directory '" + spath + "'", spath, dpath));
      }
    }
  }
  int dfd = openat(parent->dfd, tmp_top.empty() ? dname.c_str() : tmp_top.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    int e = errno;
    close(sfd);
    if (!tmp_top.empty()) unlinkat(parent->dfd, tmp_top.c_str(), AT_REMOVEDIR);
    return fail(sys_error(e, "open", spath, dpath));
  }
  auto* d = new DirNode();
  live_dirs_.fetch_add(1);
  d->parent = parent;
  parent->pending.fetch_add(1, std::memory_order_relaxed);
  d->sfd = sfd;
  d->dfd = dfd;
  d->st = st;
  d->sname = sname;
  d->dname = dname;
  d->src_path = spath;
  d->dest_path = dpath;
  d->fresh = fresh;
  d->direct = direct;
  d->tmp_top = tmp_top;
  d->t0 = t0;
  d->rename_exdev = parent->rename_exdev.load();
  d->sfs = st.st_dev == parent->st.st_dev && !parent->anchor ? parent->sfs : fs_kind_of_fd(sfd);
  struct stat dst;
  if (fstat(dfd, &dst) == 0) {
    d->ddev = dst.st_dev;
    d->dst_setgid = (dst.st_mode & S_ISGID) != 0;
    d->dst_gid = dst.st_gid;
  }
  if (direct) {
    d->no_default_acl = parent->direct ? parent->no_default_acl
                                       : (fgetxattr(dfd, "system.posix_acl_default", nullptr, 0) < 0 && (errno == ENODATA || errno == ENOTSUP));
  }
  d->dfs = d->ddev == parent->ddev ? parent->dfs : fs_kind_of_fd(dfd);
  return d;
}

// Depth-first walk with an explicit stack (trees deeper than any C stack are fine).
void Job::walk(DirNode* root) {
  struct Frame {
    DirNode* node;
    std::vector<Ent> ents;
    size_t i = 0;
  };
  std::vector<Frame> stack;
  auto push = [&](DirNode* n) {
    Frame f{n, {}, 0};
    int e = list_dir(n->sfd, f.ents);
    if (e) {
      n->warnings.push_back(std::string("listing failed: ") + errno_name(e) + " (" + errno_desc(e) + ")");
      n->child_failed = true;
    }
    stack.push_back(std::move(f));
  };
  push(root);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (cancelled_ || f.i >= f.ents.size()) {
      DirNode* n = f.node;
      stack.pop_back();
      release(n);
      flush();
      continue;
    }
    if (paused_) {
      flush();
      std::unique_lock<std::mutex> lk(pause_mu_);
      pause_cv_.wait(lk, [&] { return !paused_ || cancelled_; });
      continue;
    }
    Ent e = std::move(f.ents[f.i++]);
    DirNode* n = f.node;
    unsigned char type = e.type;
    if (type == DT_UNKNOWN) {
      struct stat s;
      if (fstatat(n->sfd, e.name.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0) type = dtype_of(s.st_mode);
    }
    std::string esc = escape_name(e.name);
    std::string sp = join_path(n->src_path, esc), dp = join_path(n->dest_path, esc);
    if (type == DT_DIR) {
      // Every open folder holds two fds until its files are done: keep their number bounded
      // (beyond the folders on the walk's own stack, which cannot finish before it pops them).
      if (live_dirs_.load() > kMaxLiveDirs + stack.size()) {
        flush();
        std::unique_lock<std::mutex> lk(dirs_mu_);
        dirs_cv_.wait(lk, [&] { return live_dirs_.load() <= kMaxLiveDirs + stack.size() || cancelled_; });
      }
      DirNode* c = open_dir(n, e.name, e.name, sp, dp, nullptr, false);
      if (c) push(c);  // invalidates f
      continue;
    }
    Task t;
    t.dir = n;
    t.sname = e.name;
    t.dname = e.name;
    t.src_path = std::move(sp);
    t.dest_path = std::move(dp);
    t.dtype = type;
    enqueue(std::move(t));
  }
}

void Job::release(DirNode* d) {
  if (d->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (d->anchor) {
    if (d->sfd >= 0) close(d->sfd);
    if (d->dfd >= 0) close(d->dfd);
    delete d;
    return;
  }
  finalize_dir(d);
}

// All children are done: the folder gets its times/owner/xattrs/mode, then (move) the source
// folder is removed when everything in it was moved.
void Job::finalize_dir(DirNode* d) {
  Record rec = base_record(d->src_path, d->dest_path, EntryType::Dir);
  rec.warnings = d->warnings;
  if (spec_.preserve) {
    apply_meta_fd(d->sfd, d->dfd, d->st, rec, true, nullptr);
  } else if (d->fresh) {
    if (fchmod(d->dfd, d->st.st_mode & 0777 & ~umask_) != 0) rec.warnings.push_back(std::string("mode not set: ") + errno_name(errno));
  }
  rec.ok = true;
  DirNode* p = d->parent;
  if (!d->tmp_top.empty()) {
    int e = rename_noreplace(p->dfd, d->tmp_top.c_str(), p->dfd, d->dname.c_str(), false);
    // The name was free when the job started but is taken now (another pair of this job, or
    // something else): "keep both" gives the tree the next free numbered name.
    for (int n = 1; e == EEXIST && spec_.conflict == Conflict::Rename && n < 1000; n++) {
      std::string cand = numbered_name(d->dname, n);
      e = rename_noreplace(p->dfd, d->tmp_top.c_str(), p->dfd, cand.c_str(), false);
      if (e == 0) rec.dest = join_path(parent_of(d->dest_path), escape_name(cand));
    }
    if (e) {
      rec.ok = false;
      rec.error = sys_error(e, "rename", d->src_path, d->dest_path);
      rec.warnings.push_back("the copied tree was left under " + join_path(parent_of(d->dest_path), d->tmp_top));
    }
  }
  bool failed = d->child_failed.load();
  if (failed || cancelled_) {
    rec.warnings.push_back(cancelled_ ? "incomplete: the job was cancelled before everything inside was copied"
                                      : "incomplete: some entries inside were not copied (see their records)");
  }
  if (spec_.move && !cancelled_ && !failed) {
    if (unlinkat(p->sfd, d->sname.c_str(), AT_REMOVEDIR) != 0) {
      rec.warnings.push_back(std::string("source folder not removed: ") + errno_name(errno));
      failed = true;
    }
  }
  if (failed) p->child_failed = true;
  rec.ms = (double)(now_ns() - d->t0) / 1e6;
  close(d->sfd);
  close(d->dfd);
  delete d;
  {
    std::lock_guard<std::mutex> lk(dirs_mu_);
    live_dirs_.fetch_sub(1);
  }
  dirs_cv_.notify_all();
  emit(std::move(rec));
  release(p);
}

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

static int copy_xattrs(int in, int out, Record& rec) {
  int copied = 0;
  std::vector<char> names(4096);
  ssize_t n;
  for (;;) {
    n = flistxattr(in, names.data(), names.size());
    if (n >= 0) break;
    if (errno == ERANGE) {
      ssize_t need = flistxattr(in, nullptr, 0);
      if (need < 0) return copied;
      names.resize((size_t)need + 1);
      continue;
    }
    if (errno != ENOTSUP && errno != EOPNOTSUPP) rec.warnings.push_back(std::string("xattrs not read: ") + errno_name(errno));
    return copied;
  }
  if (n == 0) return 0;
  std::vector<char> val(4096);
  bool warned_unsupported = false;
  for (ssize_t off = 0; off < n;) {
    const char* name = names.data() + off;
    off += (ssize_t)strlen(name) + 1;
    ssize_t v;
    for (;;) {
      v = fgetxattr(in, name, val.data(), val.size());
      if (v >= 0 || errno != ERANGE) break;
      ssize_t need = fgetxattr(in, name, nullptr, 0);
      if (need < 0) break;
      val.resize((size_t)need + 1);
    }
    if (v < 0) {
      rec.warnings.push_back(std::string("xattr ") + name + " not read: " + errno_name(errno));
      continue;
    }
    if (fsetxattr(out, name, val.data(), (size_t)v, 0) == 0) {
      copied++;
    } else {
      int e = errno;
      if (e == ENOTSUP || e == EOPNOTSUPP) {
        if (!warned_unsupported) rec.warnings.push_back(std::string("xattrs not kept: the destination does not support them (") + name + ")");
        warned_unsupported = true;
      } else {
        rec.warnings.push_back(std::string("xattr ") + name + " not kept: " + errno_name(e));
      }
    }
  }
  return copied;
}

// data → (fsync, done by the caller) → futimens → fchown (root) → xattrs → fchmod.
// `created_as`: the owner and mode the file already has (it was created with them), so that the
// per-file syscalls that would change nothing are left out (small-file trees are bound by them).
void Job::apply_meta_fd(int in, int out, const struct stat& st, Record& rec, bool is_dir, const Created* created_as) {
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  if (futimens(out, ts) != 0) rec.warnings.push_back(std::string("times not kept: ") + errno_name(errno));
  bool owner_ok = created_as && created_as->uid == st.st_uid && created_as->gid == st.st_gid;
  if (root_ && !owner_ok && fchown(out, st.st_uid, st.st_gid) != 0) rec.warnings.push_back(std::string("owner not kept: ") + errno_name(errno));
  int nx = copy_xattrs(in, out, rec);
  bool mode_ok = created_as && created_as->mode_exact && nx == 0 && (st.st_mode & 07000) == 0;
  if (!mode_ok && fchmod(out, st.st_mode & 07777) != 0) rec.warnings.push_back(std::string("mode not kept: ") + errno_name(errno));
  (void)is_dir;
}

void Job::apply_meta_path(int dfd, const std::string& name, const struct stat& st, Record& rec, bool is_link) {
  if (spec_.preserve) {
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (root_ && fchownat(dfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
      rec.warnings.push_back(std::string("owner not kept: ") + errno_name(errno));
    if (!is_link && fchmodat(dfd, name.c_str(), st.st_mode & 07777, 0) != 0)
      rec.warnings.push_back(std::string("mode not kept: ") + errno_name(errno));
    if (utimensat(dfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
      rec.warnings.push_back(std::string("times not kept: ") + errno_name(errno));
  } else if (!is_link) {
    if (fchmodat(dfd, name.c_str(), st.st_mode & 0777 & ~umask_, 0) != 0)
      rec.warnings.push_back(std::string("mode not set: ") + errno_name(errno));
  }
}

// ---------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------

void Job::worker_main(int idx) {
  Worker& w = *workers_[(size_t)idx];
  std::deque<Task> mine;
  while (dequeue(mine, idx)) {
    while (!mine.empty()) {
      Task t = std::move(mine.front());
      mine.pop_front();
      DirNode* d = t.dir;
      if (!cancelled_) do_task(w, t);
      release(d);
    }
  }
}

namespace {
enum class Pub { New, Replace, Skip, Fail, Cancel };
}

// What to do about an existing destination (may block on 'ask'). May pick a new name (rename).
static Pub resolve_existing(Job& job, Conflict policy, std::optional<Decision> asked, const struct stat& sst,
                            const struct stat& dst, Record& rec, int dfd, std::string& dname) {
  Decision d;
  if (asked) d = *asked;
  else switch (policy) {
      case Conflict::Overwrite: d = Decision::Overwrite; break;
      case Conflict::Skip: d = Decision::Skip; break;
      case Conflict::Rename: d = Decision::Rename; break;
      case Conflict::Newer: d = Decision::Newer; break;
      default: d = Decision::Error;
    }
  switch (d) {
    case Decision::Cancel: return Pub::Cancel;
    case Decision::Skip:
      rec.skipped = true;
      rec.warnings.push_back("destination exists: skipped");
      return Pub::Skip;
    case Decision::Newer:
      if (newer_than(sst, dst)) {
        if (S_ISDIR(dst.st_mode)) {
          rec.error = sys_error(EISDIR, "rename", rec.src, rec.dest);
          return Pub::Fail;
        }
        return Pub::Replace;
      }
      rec.skipped = true;
      rec.warnings.push_back("destination is as new or newer: skipped");
      return Pub::Skip;
    case Decision::Overwrite:
      if (S_ISDIR(dst.st_mode)) {
        rec.error = sys_error(EISDIR, "rename", rec.src, rec.dest);
        return Pub::Fail;
      }
      return Pub::Replace;
    case Decision::Rename: {
      std::string base = dname;
      for (int n = 1; n < 100000; n++) {
        std::string cand = numbered_name(base, n);
        struct stat s;
        if (fstatat(dfd, cand.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0) continue;  // taken: next number
        if (errno == ENOENT) {
          dname = cand;
          rec.dest = join_path(parent_of(rec.dest), escape_name(cand));
          return Pub::New;
        }
        // ENAMETOOLONG (a 255-byte name has no room for " (n)") or another real error: stop.
        rec.error = sys_error(errno, "copyfile", rec.src, join_path(parent_of(rec.dest), escape_name(cand)));
        return Pub::Fail;
      }
      rec.error = sys_error(EEXIST, "copyfile", rec.src, rec.dest);
      return Pub::Fail;
    }
    default:
      rec.error = sys_error(EEXIST, "copyfile", rec.src, rec.dest);
      return Pub::Fail;
  }
}

void Job::do_task(Worker& w, Task& t) {
  uint64_t t0 = now_ns();
  Record rec = base_record(t.src_path, t.dest_path, EntryType::File);
  DirNode* d = t.dir;
  struct stat st;
  int in = -1;
  auto finish = [&] {
    rec.ms = (double)(now_ns() - t0) / 1e6;
    if (!rec.ok && !rec.skipped) d->child_failed = true;
    if (rec.skipped && spec_.move) d->child_failed = true;
    emit(std::move(rec));
  };
  if (t.dtype == DT_REG) {
    // O_NONBLOCK: if the entry became a FIFO since readdir, opening it must not hang.
    in = openat(d->sfd, t.sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (in < 0) {
      rec.error = sys_error(errno, "open", t.src_path, t.dest_path);
      return finish();
    }
    if (fstat(in, &st) != 0) {
      rec.error = sys_error(errno, "fstat", t.src_path, t.dest_path);
      close(in);
      return finish();
    }
    if (!S_ISREG(st.st_mode)) {
      close(in);
      in = -1;
    }
  } else if (fstatat(d->sfd, t.sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    rec.error = sys_error(errno, "lstat", t.src_path, t.dest_path);
    return finish();
  }
  rec.type = entry_type_of(st.st_mode);
  rec.size = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t)st.st_size : 0;
  if (spec_.move && !d->rename_exdev.load(std::memory_order_relaxed)) {
    if (try_move_rename(w, t, st, rec)) {
      if (in >= 0) close(in);
      return finish();
    }
  }
  // An explicit FIFO/device pair without recursive: its data is copied into a regular file
  // (cp's behaviour); inside trees, and with recursive, such nodes are recreated instead.
  bool stream = t.top && !spec_.recursive && !spec_.move && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
  if (stream) {
    in = openat(d->sfd, t.sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (in < 0) {
      rec.error = sys_error(errno, "open", t.src_path, t.dest_path);
      return finish();
    }
    copy_regular(w, t, in, st, rec, true);
    close(in);
  } else if (S_ISREG(st.st_mode)) {
    if (in < 0) {
      in = openat(d->sfd, t.sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
      if (in < 0) {
        rec.error = sys_error(errno, "open", t.src_path, t.dest_path);
        return finish();
      }
    }
    HardLink hl = spec_.preserve && st.st_nlink > 1 ? link_or_lead(t, st, rec) : HardLink::None;
    if (hl != HardLink::Linked) copy_regular(w, t, in, st, rec, false);
    if (hl == HardLink::Leader) leader_done(t, st, rec);
    close(in);
  } else {
    copy_other(w, t, st, rec);
  }
  if (rec.ok && spec_.move && !cancelled_) {
    // The copy's name must be durable too before the source goes (the data was fsynced above).
    if (fsync_dir(d->dfd) != 0) {
      rec.warnings.push_back(std::string("source kept: the destination folder could not be flushed"));
      d->child_failed = true;
    } else if (unlinkat(d->sfd, t.sname.c_str(), 0) != 0) {
      rec.warnings.push_back(std::string("source not removed: ") + errno_name(errno) + " (" + errno_desc(errno) + ")");
      d->child_failed = true;
    }
  }
  if (rec.error && rec.error->code == "ECANCELED_INTERNAL") {  // cancelled: no record
    d->child_failed = true;
    return;
  }
  finish();
}

// Move within one filesystem: renameat2(NOREPLACE); conflicts are resolved first. Returns true
// when the entry is handled (renamed, skipped or failed), false to copy it (EXDEV).
bool Job::try_move_rename(Worker& w, Task& t, const struct stat& st, Record& rec) {
  DirNode* d = t.dir;
  std::string dname = t.dname;
  std::optional<Decision> asked;
  auto renamed = [&rec]() {
    rec.ok = true;
    rec.bytes = rec.size;
    rec.warnings.push_back("renamed");
    return true;
  };
  for (int round = 0; round < 4; round++) {
    int e = rename_noreplace(d->sfd, t.sname.c_str(), d->dfd, dname.c_str(), !S_ISDIR(st.st_mode));
    if (e == 0) return renamed();
    if (e == EXDEV) {
      d->rename_exdev = true;
      return false;
    }
    if (e != EEXIST) {
      rec.error = sys_error(e, "rename", rec.src, rec.dest);
      return true;
    }
    struct stat dst;
    if (fstatat(d->dfd, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile: retry
    if (fs_dev_same(dst, st)) {
      rec.error = custom_error("ESAMEFILE", "'" + rec.src + "' and '" + rec.dest + "' are the same file", rec.src, rec.dest);
      return true;
    }
    if (spec_.conflict == Conflict::Ask && !asked) {
      ConflictInfo ci{0, rec.src, rec.dest, (uint64_t)st.st_size, (uint64_t)dst.st_size, mtime_ms(st), mtime_ms(dst)};
      asked = ask(ci);
    }
    Pub p = resolve_existing(*this, spec_.conflict, asked, st, dst, rec, d->dfd, dname);
    if (p == Pub::Cancel) {
      rec.error = custom_error("ECANCELED_INTERNAL", "cancelled", rec.src, rec.dest);
      return true;
    }
    if (p == Pub::Skip) return true;
    if (p == Pub::Fail) return true;
    if (p == Pub::Replace) {
      if (renameat(d->sfd, t.sname.c_str(), d->dfd, dname.c_str()) == 0) return renamed();
      if (errno == EXDEV) {
        d->rename_exdev = true;
        return false;
      }
      rec.error = sys_error(errno, "rename", rec.src, rec.dest);
      return true;
    }
    // New name picked: try again.
    t.dname = dname;
    t.dest_path = rec.dest;
  }
  rec.error = sys_error(EEXIST, "rename", rec.src, rec.dest);
  return true;
}

void Job::copy_regular(Worker& w, Task& t, int in, const struct stat& st, Record& rec, bool stream) {
  DirNode* d = t.dir;
  std::string dname = t.dname;
  std::optional<Decision> asked;
  Pub mode = Pub::New;
  // Existing destination? (Skipped in folders this job created: they started empty, and a file
  // appearing meanwhile is still caught by linkat's EEXIST below.)
  if (!d->fresh) {
    struct stat dst;
    if (fstatat(d->dfd, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0) {
      if (fs_dev_same(dst, st)) {
        rec.error = custom_error("ESAMEFILE", "'" + rec.src + "' and '" + rec.dest + "' are the same file", rec.src, rec.dest);
        return;
      }
      if (spec_.conflict == Conflict::Ask) {
        ConflictInfo ci{0, rec.src, rec.dest, (uint64_t)st.st_size, (uint64_t)dst.st_size, mtime_ms(st), mtime_ms(dst)};
        asked = ask(ci);
      }
      mode = resolve_existing(*this, spec_.conflict, asked, st, dst, rec, d->dfd, dname);
      if (mode == Pub::Cancel) {
        rec.error = custom_error("ECANCELED_INTERNAL", "cancelled", rec.src, rec.dest);
        return;
      }
      if (mode == Pub::Skip || mode == Pub::Fail) return;
    }
  }

  Tmp tmp;
  if (int e = open_tmp(d, tmp, dname, st.st_mode)) {
    rec.error = sys_error(e, "open", rec.src, rec.dest);
    return;
  }
  // progress slot
  w.gen = skip_gen_.load();
  w.bytes.store(0, std::memory_order_relaxed);
  if (spec_.progress) {
    std::lock_guard<std::mutex> lk(slots_mu_);
    w.active = true;
    w.src = rec.src;
    w.dest = rec.dest;
    w.size = (uint64_t)st.st_size;
  }
  CopyInput ci;
  ci.in = in;
  ci.out = tmp.fd;
  ci.st = st;
  ci.src_fs = d->sfs;
  ci.dst_fs = d->dfs;
  ci.dst_dev = d->ddev;
  ci.forced = spec_.method;
  CopyHooks hooks;
  hooks.check = [this, &w] { return check(w); };
  hooks.progress = spec_.progress ? &w.bytes : nullptr;
  hooks.method = &w.method;
  w.method.store(-1, std::memory_order_relaxed);
  CopyResult cr = stream ? copy_stream(w.res, ci, hooks) : copy_data(w.res, ci, hooks);
  if (spec_.progress) {
    std::lock_guard<std::mutex> lk(slots_mu_);
    w.active = false;
  }
  rec.attempts = std::move(cr.attempts);
  rec.warnings.insert(rec.warnings.end(), cr.warnings.begin(), cr.warnings.end());
  rec.sparse = cr.sparse;
  rec.method = cr.ok ? cr.method : (cr.method >= 0 ? cr.method : -1);
  auto fail_with = [&](WireErr e) {
    discard_tmp(d, tmp);
    rec.ok = false;
    rec.error = std::move(e);
  };
  if (!cr.ok) {
    if (cr.err == kErrCancelled) return fail_with(custom_error("ECANCELED_INTERNAL", "cancelled", rec.src, rec.dest));
    if (cr.err == kErrSkipped) {
      discard_tmp(d, tmp);
      rec.skipped = true;
      rec.bytes = 0;
      rec.warnings.push_back("skipped while copying: the partial copy was removed");
      return;
    }
    if (!cr.custom_code.empty()) {
      WireErr e;
      e.code = cr.custom_code;
      if (cr.err > 0) {
        e.errnum = -cr.err;
        e.has_errno = true;
      }
      e.syscall = cr.syscall;
      e.path = rec.src;
      e.dest = rec.dest;
      e.message = e.code + ": " + cr.custom_message + (e.syscall.empty() ? "" : ", " + e.syscall) + " '" + rec.src + "' -> '" + rec.dest + "'";
      rec.method = -1;
      return fail_with(e);
    }
    rec.method = -1;
    return fail_with(sys_error(cr.err, cr.syscall, rec.src, rec.dest));
  }
  rec.bytes = cr.bytes;
  // A move across filesystems deletes the source next: its copy must be on disk first.
  if ((spec_.fsync || spec_.move) && fsync(tmp.fd) != 0) return fail_with(sys_error(errno, "fsync", rec.src, rec.dest));
  if (spec_.preserve) {
    Created c;
    if (tmp.direct) {
      c.uid = euid_;
      c.gid = d->dst_setgid ? d->dst_gid : egid_;
      c.mode_exact = d->no_default_acl && (st.st_mode & 0777 & umask_) == 0;
    }
    apply_meta_fd(in, tmp.fd, st, rec, false, tmp.direct ? &c : nullptr);
  } else if (!(tmp.direct && d->no_default_acl) && fchmod(tmp.fd, st.st_mode & 0777 & ~umask_) != 0) {
    rec.warnings.push_back(std::string("mode not set: ") + errno_name(errno));
  }
  if (check(w) == kErrSkipped) {
    discard_tmp(d, tmp);
    rec.skipped = true;
    rec.warnings.push_back("skipped while copying: the partial copy was removed");
    return;
  }
  // Publish.
  t.dname = dname;  // the name it gets (the rename policy may have picked another)
  if (tmp.direct) {
    close(tmp.fd);
    rec.ok = true;
    return;
  }
  for (int round = 0; round < 8; round++) {
    if (mode == Pub::New) {
      int e;
      if (tmp.named) e = rename_noreplace(d->dfd, tmp.name.c_str(), d->dfd, dname.c_str(), true);
      else e = link_tmpfile(tmp.fd, d->dfd, dname.c_str(), root_);
      if (e == 0) {
        if (tmp.named) tmp.named = false;
        close(tmp.fd);
        t.dname = dname;
        rec.ok = true;
        return;
      }
      if (e != EEXIST) return fail_with(sys_error(e, tmp.named ? "rename" : "link", rec.src, rec.dest));
      // Someone created it meanwhile: resolve as a conflict.
      struct stat dst;
      if (fstatat(d->dfd, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (spec_.conflict == Conflict::Ask && !asked) {
        ConflictInfo ci{0, rec.src, rec.dest, (uint64_t)st.st_size, (uint64_t)dst.st_size, mtime_ms(st), mtime_ms(dst)};
        asked = ask(ci);
      }
      mode = resolve_existing(*this, spec_.conflict, asked, st, dst, rec, d->dfd, dname);
      if (mode == Pub::Cancel) return fail_with(custom_error("ECANCELED_INTERNAL", "cancelled", rec.src, rec.dest));
      if (mode == Pub::Skip) {
        discard_tmp(d, tmp);
        rec.bytes = 0;
        return;
      }
      if (mode == Pub::Fail) {
        WireErr e = *rec.error;
        return fail_with(e);
      }
      continue;
    }
    // Replace: give the temp a hidden name, then rename it over the old file (atomic).
    std::string tname;
    if (tmp.named) {
      tname = tmp.name;
    } else {
      int e = EEXIST;
      for (int i = 0; i < 100 && e == EEXIST; i++) {
        tname = random_tmp_name();
        e = link_tmpfile(tmp.fd, d->dfd, tname.c_str(), root_);
      }
      if (e) return fail_with(sys_error(e, "link", rec.src, rec.dest));
    }
    if (renameat(d->dfd, tname.c_str(), d->dfd, dname.c_str()) != 0) {
      int e = errno;
      unlinkat(d->dfd, tname.c_str(), 0);
      tmp.named = false;
      return fail_with(sys_error(e, "rename", rec.src, rec.dest));
    }
    tmp.named = false;
    close(tmp.fd);
    rec.ok = true;
    return;
  }
  fail_with(sys_error(EEXIST, "link", rec.src, rec.dest));
}

// Hard links (with preserve): the first name of a multiply-linked inode met in this job is
// copied (the "leader"); later names are hard-linked to that copy instead of copied again. The
// leader's copy is held open (O_PATH) until all its names were seen or the job ends.
Job::HardLink Job::link_or_lead(Task& t, const struct stat& st, Record& rec) {
  const auto key = std::make_pair(st.st_dev, st.st_ino);
  std::unique_lock<std::mutex> lk(links_mu_);
  auto it = links_.find(key);
  if (it == links_.end()) {
    // Bounded (each entry holds an fd until all its names were seen, and trees such as backup
    // snapshots have many inodes linked from outside): beyond this, later names are copies.
    if (links_.size() >= 1024) return HardLink::None;
    links_[key] = LinkEntry{0, -1, (uint64_t)st.st_nlink - 1, ""};
    return HardLink::Leader;
  }
  links_cv_.wait(lk, [&] {
    auto i = links_.find(key);
    return i == links_.end() || i->second.state != 0 || cancelled_;
  });
  it = links_.find(key);
  if (cancelled_ || it == links_.end() || it->second.state != 1) return HardLink::None;
  DirNode* d = t.dir;
  int e = link_tmpfile(it->second.fd, d->dfd, t.dname.c_str(), root_);
  if (e != 0) return HardLink::None;  // EEXIST (conflict), EXDEV (other filesystem)…: copy it
  rec.ok = true;
  rec.method = -1;
  rec.bytes = 0;
  rec.warnings.push_back("hard link to '" + it->second.dest + "'");
  if (--it->second.remaining == 0) {
    close(it->second.fd);
    links_.erase(it);
  }
  return HardLink::Linked;
}

void Job::leader_done(Task& t, const struct stat& st, const Record& rec) {
  const auto key = std::make_pair(st.st_dev, st.st_ino);
  {
    std::lock_guard<std::mutex> lk(links_mu_);
    auto it = links_.find(key);
    if (it == links_.end() || it->second.state != 0) return;
    int fd = rec.ok && !rec.skipped ? openat(t.dir->dfd, t.dname.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (fd >= 0) {
      it->second.state = 1;
      it->second.fd = fd;
      it->second.dest = rec.dest;
    } else {
      links_.erase(it);  // the next name copies (and leads) itself
    }
  }
  links_cv_.notify_all();
}

// Symlinks, FIFOs, device nodes and sockets: recreated, never opened or read.
void Job::copy_other(Worker& w, Task& t, const struct stat& st, Record& rec) {
  DirNode* d = t.dir;
  std::string dname = t.dname;
  std::string target;
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> buf((size_t)std::max<off_t>(st.st_size, 255) + 1);
    for (;;) {
      ssize_t n = readlinkat(d->sfd, t.sname.c_str(), buf.data(), buf.size());
      if (n < 0) {
        rec.error = sys_error(errno, "readlink", rec.src, rec.dest);
        return;
      }
      if ((size_t)n < buf.size()) {
        target.assign(buf.data(), (size_t)n);
        break;
      }
      buf.resize(buf.size() * 2);
    }
  }
  auto make = [&](const std::string& name) -> int {
    if (S_ISLNK(st.st_mode)) return symlinkat(target.c_str(), d->dfd, name.c_str()) == 0 ? 0 : errno;
    return mknodat(d->dfd, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) == 0 ? 0 : errno;
  };
  const char* sys = S_ISLNK(st.st_mode) ? "symlink" : "mknod";
  std::optional<Decision> asked;
  Pub mode = Pub::New;
  for (int round = 0; round < 8; round++) {
    if (mode == Pub::New) {
      int e = make(dname);
      if (e == 0) {
        apply_meta_path(d->dfd, dname, st, rec, S_ISLNK(st.st_mode));
        rec.ok = true;
        return;
      }
      if (e != EEXIST) {
        rec.error = sys_error(e, sys, rec.src, rec.dest);
        return;
      }
      struct stat dst;
      if (fstatat(d->dfd, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (fs_dev_same(dst, st)) {
        rec.error = custom_error("ESAMEFILE", "'" + rec.src + "' and '" + rec.dest + "' are the same file", rec.src, rec.dest);
        return;
      }
      if (spec_.conflict == Conflict::Ask && !asked) {
        ConflictInfo ci{0, rec.src, rec.dest, rec.size, (uint64_t)dst.st_size, mtime_ms(st), mtime_ms(dst)};
        asked = ask(ci);
      }
      mode = resolve_existing(*this, spec_.conflict, asked, st, dst, rec, d->dfd, dname);
      if (mode == Pub::Cancel) {
        rec.error = custom_error("ECANCELED_INTERNAL", "cancelled", rec.src, rec.dest);
        return;
      }
      if (mode == Pub::Skip || mode == Pub::Fail) return;
      continue;
    }
    std::string tname;
    int e = EEXIST;
    for (int i = 0; i < 100 && e == EEXIST; i++) {
      tname = random_tmp_name();
      e = make(tname);
    }
    if (e) {
      rec.error = sys_error(e, sys, rec.src, rec.dest);
      return;
    }
    apply_meta_path(d->dfd, tname, st, rec, S_ISLNK(st.st_mode));
    if (renameat(d->dfd, tname.c_str(), d->dfd, dname.c_str()) != 0) {
      e = errno;
      unlinkat(d->dfd, tname.c_str(), 0);
      rec.error = sys_error(e, "rename", rec.src, rec.dest);
      return;
    }
    rec.ok = true;
    return;
  }
  rec.error = sys_error(EEXIST, sys, rec.src, rec.dest);
}

}  // namespace ferry
