// Moves across filesystems, on the worker threads: a copied entry's source is unlinked only after
// its copy is on disk. copy_regular() kept the descriptor that wrote each copy; the entry then
// waits in a batch (kUnlinkBatch entries, kUnlinkBatchBytes, a quarter of the descriptor limit,
// kUnlinkBatchNs after the first, or no work left): each destination filesystem gets one checked
// syncfs (one device flush), each folder of the batch one fsync, and each file its own write-back
// result through its descriptor; only then do the batch's sources go and its records get emitted.
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

// Descriptors one batch may hold open: a quarter of the soft limit, raised first to the hard one
// (once per process, as Node itself does at start-up), at most a whole batch.
size_t batch_fd_cap(size_t batch) {
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
  return std::clamp<size_t>(quarter, 16, batch);
}

}  // namespace

bool Job::unlinks_waiting() {
  if (!spec_.move) return false;
  std::lock_guard<std::mutex> lk(unlinks_mu_);
  return !unlinks_.empty();
}

void Job::note_dest_fs(const DirNode& d) {
  if (!spec_.move || !d.dfd) return;
  std::lock_guard<std::mutex> lk(unlinks_mu_);
  if (sync_fds_.count(d.ddev)) return;
  UniqueFd fd(openat(d.dfd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) sync_fds_.emplace(d.ddev, std::move(fd));
}

// A copied entry of a move: its record and source wait for the batch's flush.
void Job::defer_unlink(Task& t, Record&& rec) {
  t.dir->pending.fetch_add(1, std::memory_order_relaxed);
  bool full;
  {
    std::lock_guard<std::mutex> lk(unlinks_mu_);
    const uint64_t now = now_ns();
    if (unlinks_.empty()) unlink_t0_ = now;
    unlink_bytes_ += rec.bytes;
    if (t.data) unlink_fds_++;
    unlinks_.push_back({t.dir, t.sname, std::move(rec), std::move(t.data)});
    full = unlinks_.size() >= kUnlinkBatch || unlink_bytes_ >= kUnlinkBatchBytes || unlink_fds_ >= batch_fd_cap(kUnlinkBatch) ||
           now - unlink_t0_ >= kUnlinkBatchNs;
  }
  if (full) flush_unlinks();
}

// One checked syncfs per destination filesystem of the batch, one fsync per folder, each file's own
// write-back result; then each source goes (or, when its copy is not known to be on disk, stays
// with a warning) and the records are emitted. Any failure on a filesystem keeps every source of
// the batch there, and of every later batch (flush_failed_).
void Job::flush_unlinks() {
  std::lock_guard<std::mutex> one_at_a_time(flush_mu_);
  std::vector<Unlink> batch;
  std::map<dev_t, int> syncs;  // device → descriptor to syncfs
  {
    std::lock_guard<std::mutex> lk(unlinks_mu_);
    batch.swap(unlinks_);
    unlink_bytes_ = 0;
    unlink_fds_ = 0;
    for (const auto& u : batch) {
      // The walker noted each destination device before its first file; the folder's own fd (also
      // opened before its files were written) stands in should that open have failed.
      auto it = sync_fds_.find(u.dir->ddev);
      syncs.emplace(u.dir->ddev, it != sync_fds_.end() ? it->second.get() : u.dir->dfd.get());
    }
  }
  if (batch.empty()) return;
  auto failed = [this](dev_t dev) {
    auto f = flush_failed_.find(dev);
    return f == flush_failed_.end() ? 0 : f->second;
  };
  for (const auto& [dev, fd] : syncs)
    if (!failed(dev))
      if (int e = checked_syncfs(fd, true)) flush_failed_.emplace(dev, e);
  // The new names: each folder of the batch flushed once.
  std::set<const DirNode*> dirs;
  for (const auto& u : batch)
    if (!failed(u.dir->ddev) && dirs.insert(u.dir.get()).second)
      if (int e = fsync_dir(u.dir->dfd.get())) flush_failed_.emplace(u.dir->ddev, e);
  // The files' data, written back by the syncfs: whether that went well is each file's own answer.
  std::vector<int> own(batch.size(), 0);
  for (size_t i = 0; i < batch.size(); i++)
    if (batch[i].data && !failed(batch[i].dir->ddev))
      if ((own[i] = writeback_result(batch[i].data.get()))) flush_failed_.emplace(batch[i].dir->ddev, own[i]);
  for (size_t i = 0; i < batch.size(); i++) {
    Unlink& u = batch[i];
    DirNode& d = *u.dir;
    Record& rec = u.rec;
    u.data.reset();
    const int e = own[i] ? own[i] : failed(d.ddev);
    if (e) {
      rec.warnings.push_back(std::string("source kept: the destination could not be flushed: ") + errno_name(e) + " (" + errno_desc(e) + ")");
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
