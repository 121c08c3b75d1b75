// A copy job: lifecycle and controls, the coordinator (scan, walk, folders), events.
//
// Publishing: see tempfile.h. New folder trees (copy, not move, whose top destination does not
// exist yet) are built under a hidden `.ferry-<random>.tmp` folder next to the destination and
// renamed into place when the walk is done: inside it, files are created directly under their
// names (O_CREAT|O_EXCL with the final mode) and removed on failure/skip/cancel, which saves the
// per-file temp+link that makes small-file trees slow, while the final path still never shows a
// half-done tree. A cancelled tree copy is renamed into place with the files that were complete;
// after a crash only the hidden folder can remain. Merges into existing folders use the per-file
// O_TMPFILE route.
//
// Conflicts are checked with fstatat() only in folders this job did not create, and always caught
// at publish time by linkat()/RENAME_NOREPLACE's EEXIST.
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "job_parts.h"
#include "tempfile.h"
#include "walk.h"

namespace ferry {

// ---------------------------------------------------------------------------------------------
// Lifecycle and controls
// ---------------------------------------------------------------------------------------------

Job::Job(Spec spec, Sink sink)
    : spec_(std::move(spec)),
      reporter_(std::move(sink), *this),
      conflicts_(
          spec_.conflict,
          [this](const ConflictInfo& c) {
            Event e(Event::ConflictEv);
            e.conflict = c;
            reporter_.add(std::move(e), true);
          },
          [this] { cancel(); }),
      queue_(cancelled_),
      scanner_(ScanOpts{.recursive = spec_.recursive, .move = spec_.move, .forced = spec_.method, .map_names = spec_.map_names,
                        .follow_links = spec_.follow_links},
               cancelled_) {
  meta_.umask = umask(0);  // JS thread, like process.umask()
  umask(meta_.umask);
  meta_.root = geteuid() == 0;
  meta_.preserve = spec_.preserve;
  euid_ = geteuid();
  egid_ = getegid();
  if (spec_.threads < 1) spec_.threads = 1;
  if (spec_.threads > 64) spec_.threads = 64;
}

Job::~Job() = default;

void Job::start() {
  if (spec_.paused) paused_ = true;
  auto self = shared_from_this();
  std::thread([self] { self->coordinator(); }).detach();
  std::thread([self] { self->reporter_.run(); }).detach();
}

void Job::pause() {
  if (finished_) return;
  paused_ = true;
  reporter_.wake();
}

void Job::resume() {
  {
    std::lock_guard<std::mutex> lk(pause_mu_);
    paused_ = false;
  }
  pause_cv_.notify_all();
  reporter_.wake();
}

void Job::cancel() {
  cancelled_ = true;
  // First: a producer waiting for JS to take its records goes on (JS may be the one cancelling).
  reporter_.unblock();
  // Wake every wait: each one checks cancelled_ under its own mutex.
  { std::lock_guard<std::mutex> lk(links_mu_); }
  links_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(dirs_mu_); }
  dirs_cv_.notify_all();
  { std::lock_guard<std::mutex> lk(pause_mu_); }
  pause_cv_.notify_all();
  queue_.wake();
  conflicts_.wake_all();
  reporter_.wake();
}

void Job::skip_current() {
  {
    std::lock_guard<std::mutex> lk(pause_mu_);
    skip_gen_++;
  }
  pause_cv_.notify_all();
}

void Job::resolve_conflict(uint64_t id, Decision d, bool apply_to_all, std::string name) {
  if (d == Decision::Cancel) cancel();  // before waking the worker: the result must say cancelled
  conflicts_.answer(id, d, apply_to_all, std::move(name));
}

bool Job::wait_if_paused() {
  if (!paused_) return false;
  queue_.flush();
  std::unique_lock<std::mutex> lk(pause_mu_);
  pause_cv_.wait(lk, [&] { return !paused_ || cancelled_; });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

void Job::emit(Record&& r) {
  const bool dir = r.type == EntryType::Dir;
  // A correction takes back what the record it replaces counted (see publish.cc).
  if (r.replaces) {
    if (!dir) n_copied_.fetch_sub(1);
    if (spec_.flush) flush_.retire(*r.replaces);
  }
  if (r.ok()) {
    // A folder counts as a file only when it was moved in one rename (its files are not listed).
    if (!r.replaces && (!dir || r.result == Result::Renamed)) files_done_.fetch_add(1);
    if (!r.replaces) bytes_done_.fetch_add(r.bytes);
    if (!dir) n_copied_.fetch_add(1);
    else if (r.result == Result::Renamed) n_copied_.fetch_add(r.contains_files);
    if (spec_.flush && !r.durable) flush_.pending(r.dest_dev, r.dest);
  } else if (r.failed()) {
    files_failed_.fetch_add(1);
    if (!dir) n_failed_.fetch_add(1);
  } else if (r.skipped()) {
    if (!dir) n_skipped_.fetch_add(1);
  }
  n_not_started_.fetch_add(r.not_started_files);
  reporter_.add_record(std::move(r));
}

void Job::watch_fs(dev_t dev, int dirfd, const std::string& folder) {
  if (spec_.flush) flush_.watch(dev, dirfd, folder);
}

void Job::count_not_started(int sfd, Record& rec) {
  Scanner counter(ScanOpts{}, cancelled_);
  counter.add_tree(sfd);
  const ScanTotals t = counter.totals();
  rec.not_started_files = t.files;
  rec.not_started_bytes = t.bytes;
}

bool Job::scan_event(Event& e) {
  int ss = scan_state_.load();
  if (ss != 1 && ss != 2) return false;
  e.scan = scanner_.totals();
  e.scan_done = ss == 2;
  if (ss == 2) scan_state_ = 3;
  return true;
}

bool Job::progress_event(Event& p, bool fin) {
  if (!spec_.progress || !started_.load()) return false;
  p.files_done = files_done_.load();
  p.paused = paused_.load();
  uint64_t inflight = 0;
  {
    std::lock_guard<std::mutex> lk(slots_mu_);
    for (auto& w : workers_) {
      std::lock_guard<std::mutex> slot(w->slot_mu);
      if (!w->src) continue;
      uint64_t by = w->bytes.load(std::memory_order_relaxed);
      inflight += by;
      p.current.push_back({*w->src, *w->dest, w->size, by, w->method.load(std::memory_order_relaxed)});
    }
  }
  p.bytes_done = bytes_done_.load() + (fin ? 0 : inflight);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Coordinator: scan, walk, queue
// ---------------------------------------------------------------------------------------------

void Job::coordinator() {
  if (spec_.flush) {
    // Before anything is written: the descriptors must predate the writes (flush.h).
    for (auto& p : spec_.pairs) {
      int err = 0;
      std::string folder;
      UniqueFd d = dest_folder(p.second, false, err, &folder);
      struct stat ds;
      if (d && fstat(d.get(), &ds) == 0) watch_fs(ds.st_dev, d.get(), folder);
    }
  }
  if ((spec_.scan || spec_.space_check || spec_.unfit == UnfitPolicy::Stop) && !scan_all()) return;
  size_t nworkers = (size_t)spec_.threads;
  if (!spec_.recursive && spec_.pairs.size() < nworkers) nworkers = std::max<size_t>(1, spec_.pairs.size());
  {
    std::lock_guard<std::mutex> lk(slots_mu_);
    for (size_t i = 0; i < nworkers; i++) workers_.push_back(std::make_unique<Worker>());
  }
  started_ = true;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nworkers; i++) threads.emplace_back([this, i] { worker_main(i); });
  for (auto& p : spec_.pairs) {
    if (cancelled_) break;
    process_top(p.first, p.second);
  }
  queue_.flush();
  queue_.close();
  for (auto& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lk(links_mu_);
    links_.clear();
  }
  JobResult r;
  r.files_done = files_done_.load();
  r.files_failed = files_failed_.load();
  r.bytes_done = bytes_done_.load();
  r.cancelled = cancelled_.load();
  r.copied = n_copied_.load();
  r.skipped = n_skipped_.load();
  r.failed = n_failed_.load();
  r.not_started = n_not_started_.load();
  // A cancelled walk did not reach everything: with the job's own scan the rest is known.
  const uint64_t seen = r.copied + r.skipped + r.failed + r.not_started;
  if (r.cancelled && spec_.scan && scan_state_.load() >= 2 && scanner_.totals().files > seen) r.not_started += scanner_.totals().files - seen;
  {
    std::lock_guard<std::mutex> lk(incomplete_mu_);
    r.incomplete = std::move(incomplete_);
  }
  // The final flush, also after a cancel: what was copied must be on disk, or said not to be.
  if (spec_.flush) {
    r.flushed = true;
    r.flush_error = flush_.sync(r.not_on_disk);
  }
  {
    std::lock_guard<std::mutex> lk(notes_mu_);
    r.warnings = notes_;
    if (const uint64_t n = unfit_.load()) {
      const bool one = n == 1;
      std::string w = std::to_string(n) + (one ? " item " : " items ");
      w += spec_.move ? (one ? "stays at the source: " : "stay at the source: ") : (one ? "not copied as it is: " : "not copied as they are: ");
      w += unfit_fs_ + " cannot hold " + (one ? "it (see its record)" : "them (see their records)");
      r.warnings.push_back(std::move(w));
    }
  }
  finished_ = true;
  reporter_.finish(job_result_json(r));
}

bool Job::scan_all() {
  scan_state_ = 1;
  for (auto& p : spec_.pairs) {
    if (cancelled_) break;
    scanner_.add(p.first, p.second);
  }
  scan_state_ = 2;
  reporter_.wake();
  if (cancelled_) return true;
  std::optional<WireErr> refusal = spec_.space_check ? scanner_.check_space() : std::nullopt;
  if (!refusal && spec_.unfit == UnfitPolicy::Stop && (refusal = scanner_.check_fit())) {
    // Stop: nothing is copied; each entry that stopped the job gets its record, with the reason.
    for (const DestFit& f : scanner_.fit())
      for (const FitItem& it : f.items) {
        if (!it.problem.fails) continue;
        Record r = base_record(it.src, it.dest, it.type);
        r.fail(node_error("EUNFIT", 0, it.problem.reason, "copyfile", it.src, it.dest));
        emit(std::move(r));
      }
  }
  if (!refusal) return true;
  // Nothing is copied: the job fails as a whole.
  finished_ = true;
  JobResult r;
  r.files_failed = files_failed_.load();
  reporter_.finish(job_result_json(r), std::move(refusal));
  return false;
}

// The walker's side of the job (walk.h): folders become DirNodes, everything else a Task.
class TreeCopy {
 public:
  using Node = std::shared_ptr<DirNode>;
  static constexpr bool kSorted = false;
  static constexpr bool kInodeOrder = true;
  explicit TreeCopy(Job& j) : j_(j) {}
  int dir_fd(const Node& n) const { return n->sfd.get(); }
  void unlisted(Node& n, int e) {
    n->warnings.push_back(std::string("listing failed: ") + errno_name(e) + " (" + errno_desc(e) + ")");
    n->child_failed = true;
  }
  bool stopped() const { return j_.cancelled_.load(); }
  bool pace(size_t) { return !j_.wait_if_paused(); }
  void listed(Node& n, std::vector<Dirent>& ents) {
    if (!is_foreign(n->dfs)) return;
    n->clash = listing_clashes(n->dfs, ents, j_.spec_.map_names);
    if (!j_.spec_.follow_links || n->dfs.holds.symlinks) return;
    // Links the destination cannot store and whose target is a folder: that folder is copied.
    for (auto& e : ents) {
      struct stat st;
      if ((e.type == DT_LNK || e.type == DT_UNKNOWN) && fstatat(n->sfd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
          fstatat(n->sfd.get(), e.name.c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode)) {
        e.type = DT_DIR;
        e.via_link = true;
      }
    }
  }
  bool enter(Node& parent, const Dirent& e, size_t depth, Node& child) {
    // Bounded open folders (beyond those on the walk's own stack, which cannot finish before it
    // pops them).
    if (j_.live_dirs_.load() > Job::kMaxLiveDirs + depth) {
      j_.queue_.flush();
      std::unique_lock<std::mutex> lk(j_.dirs_mu_);
      j_.dirs_cv_.wait(lk, [&] { return j_.live_dirs_.load() <= Job::kMaxLiveDirs + depth || j_.cancelled_; });
    }
    const std::string dname = dest_name(parent->dfs, e.name, j_.spec_.map_names);
    child = j_.open_dir(parent, e.name, dname, join_path(parent->src_path, escape_name(e.name)), join_path(parent->dest_path, escape_name(dname)), false,
                        dname != e.name, e.via_link);
    return child != nullptr;
  }
  void entry(Node& parent, Dirent&& e) {
    Task t;
    t.dir = parent;
    t.dname = dest_name(parent->dfs, e.name, j_.spec_.map_names);
    t.mapped = t.dname != e.name;
    t.src_path = join_path(parent->src_path, escape_name(e.name));
    t.dest_path = join_path(parent->dest_path, escape_name(t.dname));
    t.sname = std::move(e.name);
    t.dtype = e.type;
    j_.enqueue(std::move(t));
  }
  void leave(Node&& n) {
    j_.release(n);
    j_.queue_.flush();
  }

 private:
  Job& j_;
};

void Job::process_top(const std::string& src, const std::string& dest) {
  const uint64_t t0 = now_ns();
  Record rec = base_record(src, dest, EntryType::File);
  auto fail = [&](WireErr e) {
    rec.fail(std::move(e));
    rec.ms = ms_since(t0);
    emit(std::move(rec));
  };
  auto a = std::make_shared<DirNode>();
  a->anchor = true;
  a->t0 = t0;
  std::string sname, dname;
  int err = 0;
  a->sfd = open_parent(src, sname, err);
  if (!a->sfd) return fail(at_source(sys_error(err, "open", src, dest)));
  a->dfd = open_parent(dest, dname, err);
  if (!a->dfd) return fail(at_dest(sys_error(err, "open", src, dest)));
  struct stat st, pst;
  if (fstatat(a->sfd.get(), sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(at_source(sys_error(errno, "lstat", src, dest)));
  fstat(a->sfd.get(), &a->st);
  if (fstat(a->dfd.get(), &pst) == 0) {
    a->ddev = pst.st_dev;
    a->dst_setgid = (pst.st_mode & S_ISGID) != 0;  // the group a file created here gets
    a->dst_gid = pst.st_gid;
  }
  a->sfs = fs_kind_of_fd(a->sfd.get());
  a->dfs = dest_kind_of_fd(a->dfd.get());
  a->src_path = parent_of(src);
  a->dest_path = parent_of(dest);
  note_dest_fs(*a);
  note_destination(*a);
  // The destination's own name as the job's choice writes it.
  const std::string given = dname;
  dname = dest_name(a->dfs, given, spec_.map_names);
  const std::string dpath = dname == given ? dest : join_path(a->dest_path, escape_name(dname));
  rec.type = entry_type_of(st.st_mode);
  if (S_ISDIR(st.st_mode)) {
    if (!spec_.recursive)
      return fail(custom_error("EISDIR", "source is a directory (copy it with recursive), cp '" + src + "' -> '" + dest + "'", src, dest));
    if (auto d = open_dir(a, sname, dname, src, dpath, true, dname != given)) {
      TreeCopy v(*this);
      walk_tree(v, std::move(d));
    }
    release(a);
    return;
  }
  Task t;
  t.dir = a;
  t.sname = sname;
  t.dname = dname;
  t.mapped = dname != given;
  t.src_path = src;
  t.dest_path = dpath;
  t.dtype = dtype_of(st.st_mode);
  t.top = true;
  enqueue(std::move(t));
  release(a);
}

namespace {

// Is the folder `st` the folder `dfd` or one of its ancestors? (a folder copied into itself)
bool is_ancestor(int dfd, const struct stat& st) {
  UniqueFd cur(openat(dfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  for (int depth = 0; cur && depth < 100000; depth++) {
    struct stat cs;
    if (fstat(cur.get(), &cs) != 0) break;
    if (same_inode(cs, st)) return true;
    UniqueFd up(openat(cur.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct stat us;
    if (!up || fstat(up.get(), &us) != 0 || same_inode(us, cs)) break;
    cur = std::move(up);
  }
  return false;
}

}  // namespace

// Creates (or merges into) the destination folder and opens both fds. Walker thread.
std::shared_ptr<DirNode> Job::open_dir(const std::shared_ptr<DirNode>& parent, const std::string& sname, const std::string& dname0,
                                       const std::string& spath, const std::string& dpath0, bool top, bool mapped, bool via_link) {
  const uint64_t t0 = now_ns();
  std::string dname = dname0, dpath = dpath0;
  Record rec = base_record(spath, dpath, EntryType::Dir);
  rec.dest_dev = parent->ddev;
  UniqueFd sfd;
  // The folder will not be copied: everything below it is counted as not started (the walk the
  // copy would have made; when the source folder cannot be opened, the scan could not count
  // inside it either).
  auto untouched = [&](Record& r) {
    if (sfd) count_not_started(sfd.get(), r);
  };
  auto fail = [&](WireErr e) -> std::shared_ptr<DirNode> {
    rec.fail(std::move(e));
    rec.dest = dpath;
    untouched(rec);
    rec.ms = ms_since(t0);
    parent->child_failed = true;
    emit(std::move(rec));
    return nullptr;
  };
  const int pdfd = parent->dfd.get();
  // A folder reached through a link (follow_links) is opened through it.
  sfd.reset(openat(parent->sfd.get(), sname.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (via_link ? 0 : O_NOFOLLOW)));
  if (!sfd) return fail(at_source(sys_error(errno, "open", spath, dpath)));
  struct stat st;
  if (fstat(sfd.get(), &st) != 0) return fail(at_source(sys_error(errno, "fstat", spath, dpath)));
  if (top && is_ancestor(pdfd, st))
    return fail(custom_error("EINTOSELF", "cannot copy a directory, '" + spath + "', into itself, '" + dpath + "'", spath, dpath));
  if (via_link) {
    rec.type = EntryType::Symlink;
    for (const DirNode* p = parent.get(); p && !p->anchor; p = p->parent.get())
      if (same_inode(p->st, st))
        return fail(node_error("ELOOP", ELOOP, "the link leads back to a folder that is being copied ('" + p->src_path + "')", "open", spath, dpath));
  }
  // Foreign destinations: a name it cannot hold, or one that is another's there.
  if (unfit_name(*parent, sname, dname, mapped, rec)) {
    if (rec.failed()) return fail(*rec.error);
    if (spec_.move) parent->child_failed = true;
    rec.ms = ms_since(t0);
    emit(std::move(rec));
    return nullptr;
  }
  // Move within one filesystem: one rename for the whole folder.
  if (spec_.move && !parent->rename_exdev && !via_link && !parent->followed) {
    int re = rename_noreplace(parent->sfd.get(), sname.c_str(), pdfd, dname.c_str(), false);
    if (re == 0) {
      rec.result = Result::Renamed;
      rec.warnings.push_back("renamed");
      // What it holds, counted where it now is (the accounting counts entries, not folders).
      Scanner counter(ScanOpts{}, cancelled_);
      counter.add_tree(sfd.get());
      rec.contains_files = counter.totals().files;
      rec.contains_bytes = counter.totals().bytes;
      rec.bytes = rec.contains_bytes;
      rec.ms = ms_since(t0);
      emit(std::move(rec));
      return nullptr;
    }
    if (re == EXDEV) parent->rename_exdev = true;
    // EEXIST/ENOTEMPTY: the folder exists, merge into it below.
  }
  bool fresh = false;
  bool direct = parent->direct;
  TempName tmp_top;  // removed again unless the folder node takes it over
  if (top && !spec_.move && parent->dfs.renames_dirs && faccessat(pdfd, dname.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
    // A new top folder is built under a hidden name and renamed into place when complete: its
    // files can then be created directly (no per-file temp + link), and nothing half-done ever
    // stands under the final name.
    for (int i = 0; i < 100; i++) {
      std::string cand = random_tmp_name();
      if (mkdirat(pdfd, cand.c_str(), 0700) == 0) {
        tmp_top = TempName(pdfd, std::move(cand), true);
        break;
      }
      if (errno != EEXIST) break;
    }
  }
  if (tmp_top.armed()) {
    fresh = direct = true;
  } else if (mkdirat(pdfd, dname.c_str(), 0700) == 0) {
    fresh = true;
  } else {
    if (errno != EEXIST) {
      const int e = errno;
      rec.dest = dpath;
      return fail(at_dest(dest_fail(*parent, e, "mkdir", dname, rec)));
    }
    struct stat ds;
    if (fstatat(pdfd, dname.c_str(), &ds, AT_SYMLINK_NOFOLLOW) != 0) return fail(at_dest(sys_error(errno, "lstat", spath, dpath)));
    if (same_inode(ds, st)) return fail(custom_error("ESAMEFILE", "'" + spath + "' and '" + dpath + "' are the same file", spath, dpath));
    // An existing folder is merged into, except for a top-level pair with 'rename' (keep both):
    // that one gets "name (1)" like a file would.
    const bool keep_both_dir = S_ISDIR(ds.st_mode) && top && spec_.conflict == Conflict::Rename;
    if (!S_ISDIR(ds.st_mode) || keep_both_dir) {
      std::optional<Answer> asked;
      const Decision d = conflicts_.decide(ConflictInfo{0, spath, dpath, 0, (uint64_t)ds.st_size, mtime_ms(st), mtime_ms(ds)}, asked);
      if (d == Decision::Skip || d == Decision::Cancel) {
        rec.skip(d == Decision::Cancel ? SkipReason::Cancel : SkipReason::Conflict);
        if (d == Decision::Skip) untouched(rec);  // after a cancel the caller counts what is left
        rec.ms = ms_since(t0);
        emit(std::move(rec));
        return nullptr;
      }
      if (d != Decision::Rename && d != Decision::RenameTo)
        return fail(custom_error("EEXIST", "cannot overwrite non-directory '" + dpath + "' with directory '" + spath + "'", spath, dpath));
      std::string got;
      if (d == Decision::RenameTo) {
        // The name the person chose, in the same folder: created now, or the folder is not copied.
        got = decode_path(asked->name);
        if (mkdirat(pdfd, got.c_str(), 0700) != 0) return fail(at_dest(sys_error(errno, "mkdir", spath, join_path(parent_of(dpath0), asked->name))));
      } else {
        int e = take_numbered(dname0, 100000, [&](const std::string& c) { return mkdirat(pdfd, c.c_str(), 0700) == 0 ? 0 : errno; }, &got);
        if (e) return fail(at_dest(sys_error(e, "mkdir", spath, dpath)));
      }
      dname = got;
      dpath = join_path(parent_of(dpath0), escape_name(got));
      fresh = true;
    }
  }
  UniqueFd dfd(openat(pdfd, tmp_top.armed() ? tmp_top.name().c_str() : dname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd) return fail(at_dest(sys_error(errno, "open", spath, dpath)));
  // Whose hidden tree this is, for findTemps() after a crash (one xattr per tree).
  if (tmp_top.armed()) write_temp_owner(dfd.get(), TempOwner{escape_name(dname), spath, spec_.tag, spec_.preserve});
  auto d = std::make_shared<DirNode>();
  live_dirs_.fetch_add(1);
  d->parent = parent;
  parent->pending.fetch_add(1, std::memory_order_relaxed);
  d->sfd = std::move(sfd);
  d->dfd = std::move(dfd);
  d->st = st;
  d->sname = sname;
  d->dname = dname;
  d->src_path = spath;
  d->dest_path = dpath;
  d->fresh = fresh;
  d->direct = direct;
  d->tmp_top = tmp_top.name();
  tmp_top.release();
  d->t0 = t0;
  d->rename_exdev = parent->rename_exdev.load();
  d->sfs = st.st_dev == parent->st.st_dev && !parent->anchor ? parent->sfs : fs_kind_of_fd(d->sfd.get());
  struct stat dst;
  if (fstat(d->dfd.get(), &dst) == 0) {
    d->ddev = dst.st_dev;
    d->dst_setgid = (dst.st_mode & S_ISGID) != 0;
    d->dst_gid = dst.st_gid;
    if (fresh) d->dino = (uint64_t)dst.st_ino;
  }
  // A folder on another filesystem than its parent (a mount inside a merged tree) is flushed too.
  if (parent->anchor || d->ddev != parent->ddev) watch_fs(d->ddev, d->dfd.get(), dpath);
  // Whether files created here get exactly the bits asked for (TempFile::with_mode()).
  d->no_default_acl = direct && parent->direct ? parent->no_default_acl
                                               : (fgetxattr(d->dfd.get(), "system.posix_acl_default", nullptr, 0) < 0 && (errno == ENODATA || errno == ENOTSUP));
  d->dfs = d->ddev == parent->ddev ? parent->dfs : dest_kind_of_fd(d->dfd.get());
  d->followed = via_link || parent->followed;
  d->warnings = std::move(rec.warnings);  // what unfit_name() had to say (a changed name…)
  if (via_link) d->warnings.push_back("copied the folder the link points to: " + type_reason(d->dfs, EntryType::Symlink));
  if (d->ddev != parent->ddev) {
    note_dest_fs(*d);
    note_destination(*d);
  }
  return d;
}

void Job::enqueue(Task&& t) {
  t.dir->pending.fetch_add(1, std::memory_order_relaxed);
  queue_.add(std::move(t));
}

void Job::release(const std::shared_ptr<DirNode>& d) {
  if (d->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (d->anchor) {
    d->sfd.reset();
    d->dfd.reset();
    return;
  }
  finalize_dir(*d);
}

// All children are done: the folder gets its times/owner/xattrs/mode, a hidden tree its final
// name (publish.cc), then (move) the source folder is removed when everything in it was moved.
void Job::finalize_dir(DirNode& d) {
  Record rec = base_record(d.src_path, d.dest_path, EntryType::Dir);
  rec.warnings = d.warnings;
  rec.dest_dev = d.ddev;
  rec.ino = d.dino;
  if (spec_.preserve) {
    apply_meta_fd(meta_, d.sfd.get(), d.dfd.get(), d.st, rec, nullptr, d.dfs.holds);
  } else if (d.fresh) {
    if (int e = set_plain_mode(meta_, d.dfd.get(), d.st.st_mode)) rec.warnings.push_back(std::string("mode not set: ") + errno_name(e));
  }
  rec.result = Result::Copied;
  DirNode& p = *d.parent;
  // fsync (ferry-cp --fsync): the names linked into this folder are durable too. A failure is the
  // folder's (the tree is still published: its data is there, only not known to be durable).
  int fsync_err = spec_.fsync ? fsync_dir(d.dfd.get()) : 0;
  bool failed = d.child_failed.load();
  bool hidden = !d.tmp_top.empty();  // still under its temp name
  if (hidden) {
    hidden = !publish_tree(d, rec);
    if (spec_.fsync && !hidden && rec.ok() && !fsync_err) fsync_err = fsync_dir(p.dfd.get());
    if (!rec.ok() && !rec.skipped()) failed = true;
  }
  if (fsync_err && rec.ok()) {
    rec.fail(sys_error(fsync_err, "fsync", d.src_path, rec.dest));
    failed = true;
  }
  const bool incomplete = rec.ok() && (failed || cancelled_);
  if (incomplete) {
    rec.warnings.push_back(cancelled_ ? "incomplete: the job was cancelled before everything inside was copied"
                                      : "incomplete: some entries inside were not copied (see their records)");
  }
  // The outermost folders left incomplete (an inner one makes its parent incomplete too).
  if (p.anchor && (incomplete || hidden)) {
    std::lock_guard<std::mutex> lk(incomplete_mu_);
    incomplete_.push_back({hidden ? join_path(parent_of(d.dest_path), escape_name(d.tmp_top)) : rec.dest, hidden});
  }
  if (spec_.move && !cancelled_ && !failed && d.followed) {
    failed = true;  // the link (or the folder reached through one) stays: only a copy of its target went
  } else if (spec_.move && !cancelled_ && !failed) {
    if (unlinkat(p.sfd.get(), d.sname.c_str(), AT_REMOVEDIR) != 0) {
      rec.warnings.push_back(std::string("source folder not removed: ") + errno_name(errno));
      failed = true;
    }
  }
  if (failed) p.child_failed = true;
  rec.ms = ms_since(d.t0);
  d.sfd.reset();
  d.dfd.reset();
  {
    std::lock_guard<std::mutex> lk(dirs_mu_);
    live_dirs_.fetch_sub(1);
  }
  dirs_cv_.notify_all();
  emit(std::move(rec));
  release(d.parent);
}

}  // namespace ferry
