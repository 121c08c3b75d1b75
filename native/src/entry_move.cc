// Moves across filesystems: a copied entry's source is unlinked only after its copy is on disk.
// copy_regular() kept the descriptor that wrote each copy; the worker hands the entry to the
// job's flusher thread and goes on copying. The flusher takes whatever waits as one batch (after
// a short gathering window, or at once when the workers are done), and for it: each destination
// filesystem gets one checked syncfs (one device flush), each folder one fsync (not where the
// syncfs commits names: FsKind::syncfs_commits_names), and each file its own write-back result
// through its descriptor; then the unlinker thread removes the batch's sources and emits its
// records. So batch N+1 is copied while batch N is flushed, and flushed while N's sources go.
// Whatever could not be vouched for keeps its source.
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "flush.h"
#include "job.h"
#include "job_parts.h"
#include "tempfile.h"

namespace ferry {

namespace {

// Descriptors the waiting entries may hold open: a quarter of the soft limit, raised first to the
// hard one (once per process, as Node itself does at start-up), at most `most`.
size_t batch_fd_cap(size_t most) {
  static const size_t quarter = [] {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return (rlim_t)64;
    if (r.rlim_cur < r.rlim_max) {
      struct rlimit want = r;
      want.rlim_cur = r.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &want) == 0) r = want;
    }
    return r.rlim_cur / 4;
  }();
  return std::clamp<size_t>(quarter, 16, most);
}

}  // namespace

void Job::note_dest_fs(const DirNode& d) {
  if (!spec_.move || !d.dfd) return;
  std::lock_guard<std::mutex> lk(unlinks_mu_);
  if (sync_fds_.count(d.ddev)) return;
  UniqueFd fd(openat(d.dfd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) sync_fds_.emplace(d.ddev, std::move(fd));
}

// A copied entry of a move: its record and source wait for the flusher. A worker waits here only
// while the entries waiting hold as many descriptors as a move may keep open.
void Job::defer_unlink(Task& t, Record&& rec) {
  t.dir->pending.fetch_add(1, std::memory_order_relaxed);
  const size_t cap = batch_fd_cap(kUnlinkBatch);
  std::unique_lock<std::mutex> lk(unlinks_mu_);
  if (t.data) room_cv_.wait(lk, [&] { return unlink_fds_ < cap; });
  if (!flusher_.joinable()) flusher_ = std::thread([this] { flusher_main(); });
  const bool first = unlinks_.empty();
  if (first) unlink_t0_ = std::chrono::steady_clock::now();
  unlink_bytes_ += rec.bytes;
  if (t.data) unlink_fds_++;
  unlinks_.push_back({t.dir, t.sname, std::move(rec), std::move(t.data)});
  if (first || unlinks_.size() >= kUnlinkBatch || unlink_bytes_ >= kUnlinkBatchBytes) {
    lk.unlock();
    unlinks_cv_.notify_one();
  }
}

// A worker has no more work: the last one lets the flusher take what waits at once, and waits
// for the flusher and the unlinker to finish (the job's result counts every record).
void Job::worker_done() {
  if (!spec_.move) return;
  std::unique_lock<std::mutex> lk(unlinks_mu_);
  if (++workers_done_ < workers_.size()) return;
  unlinks_closed_ = true;
  lk.unlock();
  unlinks_cv_.notify_one();
  if (flusher_.joinable()) flusher_.join();
  if (unlinker_.joinable()) unlinker_.join();
}

// The flusher: one batch at a time (a syncfs reports a write-back error once per descriptor: a
// batch flushed beside it could be told 0). A batch whose copies are vouched for (or not) goes to
// the unlinker, and the next batch is flushed while its sources go.
void Job::flusher_main() {
  const auto window = std::chrono::milliseconds(kUnlinkWindowMs);
  std::unique_lock<std::mutex> lk(unlinks_mu_);
  for (;;) {
    unlinks_cv_.wait(lk, [&] { return !unlinks_.empty() || unlinks_closed_; });
    if (unlinks_.empty()) break;
    unlinks_cv_.wait_until(lk, unlink_t0_ + window, [&] {
      return unlinks_closed_ || unlinks_.size() >= kUnlinkBatch || unlink_bytes_ >= kUnlinkBatchBytes;
    });
    std::vector<Unlink> batch;
    batch.swap(unlinks_);
    unlink_bytes_ = 0;
    std::map<dev_t, int> syncs;  // device → descriptor to syncfs
    size_t fds = 0;
    for (const auto& u : batch) {
      // The walker noted each destination device before its first file; the folder's own fd (also
      // opened before its files were written) stands in should that open have failed.
      auto it = sync_fds_.find(u.dir->ddev);
      syncs.emplace(u.dir->ddev, it != sync_fds_.end() ? it->second.get() : u.dir->dfd.get());
      if (u.data) fds++;
    }
    lk.unlock();
    flush_batch(batch, syncs);
    lk.lock();
    unlink_fds_ -= fds;
    room_cv_.notify_all();
    if (!unlinker_.joinable()) unlinker_ = std::thread([this] { unlinker_main(); });
    verified_.push_back(std::move(batch));
    verified_cv_.notify_one();
  }
  flushed_all_ = true;
  lk.unlock();
  verified_cv_.notify_one();
}

// The unlinker: each vouched-for entry's source goes; the records are emitted, in batch order.
void Job::unlinker_main() {
  std::unique_lock<std::mutex> lk(unlinks_mu_);
  for (;;) {
    verified_cv_.wait(lk, [&] { return !verified_.empty() || flushed_all_; });
    if (verified_.empty()) return;
    std::vector<Unlink> batch = std::move(verified_.front());
    verified_.pop_front();
    lk.unlock();
    remove_sources(batch);
    lk.lock();
  }
}

// One checked syncfs per destination filesystem of the batch, one fsync per folder, each file's own
// write-back result: each entry's `err` says whether its copy is known to be on disk (its descriptor
// is closed). Any failure on a filesystem fails every entry of the batch there, and of every later
// batch (flush_failed_).
void Job::flush_batch(std::vector<Unlink>& batch, const std::map<dev_t, int>& syncs) {
  auto failed = [this](dev_t dev) {
    auto f = flush_failed_.find(dev);
    return f == flush_failed_.end() ? 0 : f->second;
  };
  for (const auto& [dev, fd] : syncs)
    if (!failed(dev))
      if (int e = checked_syncfs(fd, true)) flush_failed_.emplace(dev, e);
  // The new names: each folder of the batch flushed once, unless the syncfs committed them.
  std::set<const DirNode*> dirs;
  for (const auto& u : batch)
    if (!u.dir->dfs.syncfs_commits_names && !failed(u.dir->ddev) && dirs.insert(u.dir.get()).second)
      if (int e = fsync_dir(u.dir->dfd.get())) flush_failed_.emplace(u.dir->ddev, e);
  // The files' data, written back by the syncfs: whether that went well is each file's own answer.
  for (auto& u : batch)
    if (u.data && !failed(u.dir->ddev))
      if ((u.err = writeback_result(u.data.get()))) flush_failed_.emplace(u.dir->ddev, u.err);
  for (auto& u : batch) {
    if (!u.err) u.err = failed(u.dir->ddev);
    u.data.reset();
  }
}

// Each source goes when its copy is known to be on disk (or stays, with a warning); the records
// are emitted and the folders released.
void Job::remove_sources(std::vector<Unlink>& batch) {
  for (auto& u : batch) {
    DirNode& d = *u.dir;
    Record& rec = u.rec;
    if (u.err) {
      rec.warnings.push_back(std::string("source kept: the destination could not be flushed: ") + errno_name(u.err) + " (" + errno_desc(u.err) + ")");
      d.child_failed = true;
    } else if (cancelled_) {
      rec.warnings.push_back("source kept: the job was cancelled");
      d.child_failed = true;
    } else if (unlinkat(d.sfd.get(), u.sname.c_str(), 0) != 0) {
      rec.warnings.push_back(std::string("source not removed: ") + errno_name(errno) + " (" + errno_desc(errno) + ")");
      d.child_failed = true;
    } else {
      rec.durable = true;  // its filesystem was flushed before the source went: the final flush need not vouch for it
      rec.ino = 0;         // moved: the source is gone, so the copy is never "partial"
    }
    emit(std::move(rec));
    release(u.dir);
  }
}

}  // namespace ferry
