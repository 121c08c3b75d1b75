// One entry of a job, on a worker thread: a regular file (its data through copy.cc into a
// TempFile, then metadata, then publishing), a FIFO's or device's data (a top-level pair without
// recursive, like cp), a recreated symlink or node, a hard link to an earlier copy, or a
// move-by-rename. Every taken destination name goes through settle_taken(). Beside it:
// entry_move.cc (a move's sources go in flushed batches), entry_foreign.cc (what a foreign
// destination cannot hold), entry_links.cc (hard links kept as hard links).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "flush.h"
#include "job.h"
#include "job_parts.h"
#include "tempfile.h"

namespace ferry {

namespace {

void skipped_while_copying(Record& rec) {
  rec.skip(SkipReason::SkipCurrent);
  rec.bytes = 0;
  rec.warnings.push_back("skipped while copying: the partial copy was removed");
}

void cancelled_while_copying(Record& rec) {
  rec.result = Result::Cancelled;
  rec.ino = 0;
  rec.bytes = 0;
  rec.warnings.push_back("the job was cancelled while this was being copied: the partial copy was removed");
}

// Did the source change while it was read? (size, mtime or ctime since `st`, its open-time fstat)
bool source_changed(int in, const struct stat& st, std::string& how) {
  struct stat now;
  if (fstat(in, &now) != 0) return false;
  auto ts_eq = [](const struct timespec& a, const struct timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; };
  if (now.st_size != st.st_size) {
    how = std::string(now.st_size > st.st_size ? "grew" : "shrank") + " from " + std::to_string((uint64_t)st.st_size) + " to " +
          std::to_string((uint64_t)now.st_size) + " bytes";
    return true;
  }
  if (!ts_eq(now.st_mtim, st.st_mtim)) {
    how = "was modified";
    return true;
  }
  // A name added or removed (another hard link, or this very move unlinking the file's other name)
  // moves ctime but not the data: a ctime change that comes with a new link count is not a change.
  if (!ts_eq(now.st_ctim, st.st_ctim) && now.st_nlink == st.st_nlink) {
    how = "was changed (ctime)";
    return true;
  }
  return false;
}

UniqueFd open_source(int dirfd, const std::string& name) {
  // O_NONBLOCK: if the entry became a FIFO since it was listed, opening it must not hang.
  return UniqueFd(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
}

}  // namespace

void Job::worker_main(size_t idx) {
  Worker& w = *workers_[idx];
  std::deque<Task> mine;
  for (;;) {
    if (!queue_.pop(mine, idx, workers_.size())) break;
    while (!mine.empty()) {
      Task t = std::move(mine.front());
      mine.pop_front();
      if (!cancelled_) {
        do_task(w, t);
      } else {
        // Queued, never started: counted, so that a cancelled job still accounts for it.
        n_not_started_.fetch_add(1);
        t.dir->child_failed = true;
      }
      release(t.dir);
    }
  }
  worker_done();
}

int Job::check(const Worker& w) {
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

// The destination name `dname` is taken by `dst`. Decides (policy, or the person once per entry)
// and says how to go on: New (a new free name was picked: dname and rec.dest changed), Replace,
// or Done (rec is settled: skipped, failed or cancelled).
Job::Pub Job::settle_taken(const struct stat& sst, const struct stat& dst, const DirNode& d, std::string& dname, Record& rec,
                           std::optional<Answer>& asked) {
  const int dfd = d.dfd.get();
  if (same_inode(dst, sst)) {
    rec.fail(custom_error("ESAMEFILE", "'" + rec.src + "' and '" + rec.dest + "' are the same file", rec.src, rec.dest));
    return Pub::Done;
  }
  const uint32_t window = d.dfs.holds.time_ns;
  const ConflictInfo ci{0, rec.src, rec.dest, rec.size, (uint64_t)dst.st_size, mtime_ms(sst), mtime_ms(dst), window / 1e6};
  switch (conflicts_.decide(ci, asked)) {
    case Decision::Cancel:
      rec.result = Result::Cancelled;
      return Pub::Done;
    case Decision::Skip:
      rec.skip(SkipReason::Conflict);
      rec.warnings.push_back("destination exists: skipped");
      return Pub::Done;
    case Decision::Newer:
      if (!newer_than(sst, dst, window)) {
        rec.skip(SkipReason::Newer);
        rec.warnings.push_back("destination is as new or newer: skipped");
        return Pub::Done;
      }
      [[fallthrough]];
    case Decision::Overwrite:
      if (S_ISDIR(dst.st_mode)) {
        rec.fail(sys_error(EISDIR, "rename", rec.src, rec.dest));
        return Pub::Done;
      }
      return Pub::Replace;
    case Decision::Rename: {
      std::string got;
      int e = take_numbered(
          dname, 100000,
          [&](const std::string& c) {
            struct stat s;
            if (fstatat(dfd, c.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0) return EEXIST;  // taken: next number
            return errno == ENOENT ? 0 : errno;
          },
          &got);
      if (e == 0) {
        dname = got;
        rec.dest = join_path(parent_of(rec.dest), escape_name(got));
        return Pub::New;
      }
      // ENAMETOOLONG (a 255-byte name has no room for " (n)") or another real error: stop.
      rec.fail(sys_error(e, "copyfile", rec.src, e == EEXIST ? rec.dest : join_path(parent_of(rec.dest), escape_name(got))));
      return Pub::Done;
    }
    case Decision::RenameTo: {
      // The person's name for it, in the same folder. When that name is taken too, it is a new
      // question about the new name.
      const std::string chosen = asked ? asked->name : std::string();
      asked.reset();
      dname = decode_path(chosen);
      rec.dest = join_path(parent_of(rec.dest), chosen);
      struct stat again;
      if (fstatat(dfd, dname.c_str(), &again, AT_SYMLINK_NOFOLLOW) == 0) return settle_taken(sst, again, d, dname, rec, asked);
      return Pub::New;
    }
    case Decision::Error:
      break;
  }
  rec.fail(sys_error(EEXIST, "copyfile", rec.src, rec.dest));
  return Pub::Done;
}

void Job::do_task(Worker& w, Task& t) {
  const uint64_t t0 = now_ns();
  Record rec = base_record(t.src_path, t.dest_path, EntryType::File);
  DirNode& d = *t.dir;
  struct stat st;
  UniqueFd in;
  rec.dest_dev = d.ddev;
  auto finish = [&] {
    rec.ms = ms_since(t0);
    // A cancelled entry is reported skipped (reason 'cancel'): every started entry has a record.
    if (rec.failed() || rec.result == Result::Cancelled) d.child_failed = true;
    if (rec.skipped() && spec_.move) d.child_failed = true;
    emit(std::move(rec));
  };
  if (t.dtype == DT_REG) {
    in = open_source(d.sfd.get(), t.sname);
    if (!in) {
      rec.fail(at_source(sys_error(errno, "open", t.src_path, t.dest_path)));
      return finish();
    }
    if (fstat(in.get(), &st) != 0) {
      rec.fail(at_source(sys_error(errno, "fstat", t.src_path, t.dest_path)));
      return finish();
    }
    if (!S_ISREG(st.st_mode)) in.reset();
  } else if (fstatat(d.sfd.get(), t.sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    rec.fail(at_source(sys_error(errno, "lstat", t.src_path, t.dest_path)));
    return finish();
  }
  rec.type = entry_type_of(st.st_mode);
  rec.size = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t)st.st_size : 0;
  if (spec_.move && !d.followed && !d.rename_exdev.load(std::memory_order_relaxed) && try_move_rename(t, st, rec)) return finish();
  // An explicit FIFO/device pair without recursive: its data is copied into a regular file
  // (cp's behaviour); inside trees, and with recursive, such nodes are recreated instead.
  const bool stream = t.top && !spec_.recursive && !spec_.move && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
  // A move keeps the source of what was not copied as it is: a link whose target was copied, and
  // everything reached through one.
  bool keep_source = d.followed;
  const bool foreign = is_foreign(d.dfs);
  if (foreign && unfit_name(d, t.sname, t.dname, t.mapped, rec)) return finish();
  if (foreign && S_ISLNK(st.st_mode) && spec_.follow_links && !d.dfs.holds.symlinks) {
    in.reset();
    keep_source = copy_link_target(w, t, rec);
  } else if (foreign && unfit_type(t, st, stream, rec)) {
    return finish();
  } else if (stream || S_ISREG(st.st_mode)) {
    if (!in) in = open_source(d.sfd.get(), t.sname);
    if (!in) {
      rec.fail(at_source(sys_error(errno, "open", t.src_path, t.dest_path)));
      return finish();
    }
    const bool links = spec_.preserve && d.dfs.holds.hardlinks;
    const HardLink hl = !stream && links && st.st_nlink > 1 ? link_or_lead(t, st, rec) : HardLink::None;
    if (hl != HardLink::Linked) copy_regular(w, t, in.get(), st, rec, stream);
    if (hl == HardLink::Leader) leader_done(t, st, rec);
    in.reset();
  } else {
    copy_other(t, st, rec);
  }
  if (rec.ok() && spec_.move && !cancelled_ && keep_source) {
    rec.warnings.push_back(d.followed ? std::string("the source stays: it was reached through a link, so it is not part of what was moved")
                                      : std::string("the source stays: ") + fs_label(d.dfs) + " holds a copy of what the link points to, not the link");
    unfit_.fetch_add(1);
    d.child_failed = true;
  } else if (rec.ok() && spec_.move && !cancelled_) {
    // The source goes once the copy (data and name) is on disk: in a batch (entry_move.cc).
    rec.ms = ms_since(t0);
    return defer_unlink(t, std::move(rec));
  } else if (rec.ok() && spec_.fsync && t.top && d.anchor) {
    // --fsync: the new name in the destination folder is durable too (folders inside trees are
    // flushed once, when they are finished).
    if (int e = fsync_dir(d.dfd.get())) rec.fail(sys_error(e, "fsync", rec.src, rec.dest));
  }
  finish();
}

// Move within one filesystem: renameat2(NOREPLACE); conflicts are resolved first. Returns true
// when the entry is settled (renamed, skipped, failed or cancelled), false to copy it (EXDEV).
bool Job::try_move_rename(Task& t, const struct stat& st, Record& rec) {
  DirNode& d = *t.dir;
  std::string dname = t.dname;
  std::optional<Answer> asked;
  auto renamed = [&rec]() {
    rec.result = Result::Renamed;
    rec.bytes = rec.size;
    rec.warnings.push_back("renamed");
    return true;
  };
  for (int round = 0; round < 4; round++) {
    int e = rename_noreplace(d.sfd.get(), t.sname.c_str(), d.dfd.get(), dname.c_str(), !S_ISDIR(st.st_mode));
    if (e == 0) return renamed();
    if (e == EXDEV) {
      d.rename_exdev = true;
      return false;
    }
    if (e != EEXIST) {
      rec.fail(sys_error(e, "rename", rec.src, rec.dest));
      return true;
    }
    struct stat dst;
    if (fstatat(d.dfd.get(), dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile: retry
    const Pub p = settle_taken(st, dst, d, dname, rec, asked);
    if (p == Pub::Done) return true;
    if (p == Pub::Replace) {
      if (renameat(d.sfd.get(), t.sname.c_str(), d.dfd.get(), dname.c_str()) == 0) return renamed();
      if (errno == EXDEV) {
        d.rename_exdev = true;
        return false;
      }
      rec.fail(sys_error(errno, "rename", rec.src, rec.dest));
      return true;
    }
    // A new name was picked: try again.
    t.dname = dname;
    t.dest_path = rec.dest;
  }
  rec.fail(sys_error(EEXIST, "rename", rec.src, rec.dest));
  return true;
}

void Job::copy_regular(Worker& w, Task& t, int in, const struct stat& st, Record& rec, bool stream) {
  DirNode& d = *t.dir;
  std::string dname = t.dname;
  std::optional<Answer> asked;
  Pub mode = Pub::New;
  // Existing destination? (Skipped in folders this job created: they started empty, and a file
  // appearing meanwhile is still caught by the publishing's EEXIST below.)
  if (!d.fresh) {
    struct stat dst;
    if (fstatat(d.dfd.get(), dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0) {
      mode = settle_taken(st, dst, d, dname, rec, asked);
      if (mode == Pub::Done) return;
    }
  }

  TempFile tmp;  // discarded on every return below that does not publish it
  if (int e = tmp.open(d.dfd.get(), d.direct, dname, st.st_mode, d.no_tmpfile)) return rec.fail(at_dest(dest_fail(d, e, "open", dname, rec)));
  // progress slot
  w.gen = skip_gen_.load();
  w.bytes.store(0, std::memory_order_relaxed);
  std::optional<Worker::Shown> shown;
  if (spec_.progress) shown.emplace(w, rec.src, rec.dest, (uint64_t)st.st_size);
  CopyInput ci;
  ci.in = in;
  ci.out = tmp.fd();
  ci.st = st;
  ci.src_fs = d.sfs;
  ci.dst_fs = d.dfs;
  ci.dst_dev = d.ddev;
  ci.forced = spec_.method;
  CopyHooks hooks;
  hooks.check = [this, &w] { return check(w); };
  hooks.progress = spec_.progress ? &w.bytes : nullptr;
  hooks.method = &w.method;
  w.method.store(-1, std::memory_order_relaxed);
  CopyResult cr = stream ? copy_stream(w.res, ci, hooks) : copy_data(w.res, ci, hooks);
  shown.reset();
  rec.attempts = std::move(cr.attempts);
  rec.warnings.insert(rec.warnings.end(), cr.warnings.begin(), cr.warnings.end());
  rec.sparse = cr.sparse;
  rec.method = cr.method;
  if (!cr.ok) {
    if (cr.err == kErrCancelled) return cancelled_while_copying(rec);
    if (cr.err == kErrSkipped) return skipped_while_copying(rec);
    rec.method = -1;
    if (!cr.custom_code.empty()) return rec.fail(node_error(cr.custom_code, cr.err, cr.custom_message, cr.syscall, rec.src, rec.dest));
    return rec.fail(copy_side(dest_fail(d, cr.err, cr.syscall, dname, rec), cr.err));
  }
  rec.bytes = cr.bytes;
  // The copy holds the file as it was at open, at most; a change since is said (GNU tar's "file
  // changed as we read it"). A move keeps such a source and publishes nothing.
  std::string how;
  if (!stream && !d.sfs.pseudo && source_changed(in, st, how)) {
    if (spec_.move) {
      rec.method = -1;
      return rec.fail(custom_error("ECHANGED", "source changed while it was copied (it " + how + "): it was kept, nothing was moved, move '" + rec.src + "' -> '" + rec.dest + "'", rec.src, rec.dest));
    }
    rec.changed = true;
    rec.warnings.push_back("changed during copy: the source " + how + " while it was read; the copy holds at most the " +
                           std::to_string((uint64_t)st.st_size) + " bytes it had when it was opened and may mix old and new contents");
  }
  // --fsync: each file durable here. A move across filesystems deletes the source later, in a batch
  // (entry_move.cc): the descriptor that wrote the copy stays open until the batch's syncfs, after
  // which this file's own write-back result is read through it (a syncfs alone cannot vouch for a
  // file: ext4 reports a write-back error to one syncfs and answers the next with 0).
  if (spec_.fsync && fsync(tmp.fd()) != 0) return rec.fail(at_dest(sys_error(errno, "fsync", rec.src, rec.dest)));
  if (spec_.move && !spec_.fsync) tmp.hand_fd_to(&t.data);
  if (spec_.preserve) {
    Created c;
    if (tmp.with_mode()) {
      c.uid = euid_;
      c.gid = d.dst_setgid ? d.dst_gid : egid_;
      c.mode_exact = d.no_default_acl && (st.st_mode & 0777 & meta_.umask) == 0;
    }
    apply_meta_fd(meta_, in, tmp.fd(), st, rec, tmp.with_mode() ? &c : nullptr, d.dfs.holds);
  } else if (!(tmp.with_mode() && d.no_default_acl) && d.dfs.holds.modes) {
    if (int e = set_plain_mode(meta_, tmp.fd(), st.st_mode)) rec.warnings.push_back(std::string("mode not set: ") + errno_name(e));
  }
  if (int c = check(w)) return c == kErrSkipped ? skipped_while_copying(rec) : cancelled_while_copying(rec);
  // What this job creates (removePartial() checks it): the inode gets the name as it is.
  struct stat ost;
  if (fstat(tmp.fd(), &ost) == 0) rec.ino = (uint64_t)ost.st_ino;
  // Publish.
  t.dname = dname;  // the name it gets (the rename policy may have picked another)
  if (tmp.direct()) {
    tmp.keep();
    rec.result = Result::Copied;
    return;
  }
  for (int round = 0; round < 8; round++) {
    if (mode == Pub::Replace) {
      // Under a hidden name, then renamed over the old file (atomic).
      TempFile::Err pe = tmp.publish_over(dname, meta_.root);
      if (pe.err) return rec.fail(at_dest(dest_fail(d, pe.err, pe.syscall, dname, rec)));
      rec.result = Result::Copied;
      rec.ino = 0;  // it replaced something: removing it would not give that back
      return;
    }
    TempFile::Err pe = tmp.publish_new(dname, meta_.root);
    if (!pe.err) {
      t.dname = dname;
      rec.result = Result::Copied;
      return;
    }
    if (pe.err != EEXIST) return rec.fail(at_dest(dest_fail(d, pe.err, pe.syscall, dname, rec)));
    // Someone created it meanwhile: a conflict after all.
    struct stat dst;
    if (fstatat(d.dfd.get(), dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;
    mode = settle_taken(st, dst, d, dname, rec, asked);
    if (mode == Pub::Done) {
      if (rec.skipped()) rec.bytes = 0;
      return;
    }
  }
  rec.fail(sys_error(EEXIST, "link", rec.src, rec.dest));
}

// Symlinks, FIFOs, device nodes and sockets: recreated, never opened or read.
void Job::copy_other(Task& t, const struct stat& st, Record& rec) {
  DirNode& d = *t.dir;
  const int dfd = d.dfd.get();
  const bool link = S_ISLNK(st.st_mode);
  std::string dname = t.dname;
  std::string target;
  if (link) {
    std::vector<char> buf((size_t)std::max<off_t>(st.st_size, 255) + 1);
    for (;;) {
      ssize_t n = readlinkat(d.sfd.get(), t.sname.c_str(), buf.data(), buf.size());
      if (n < 0) return rec.fail(at_source(sys_error(errno, "readlink", rec.src, rec.dest)));
      if ((size_t)n < buf.size()) {
        target.assign(buf.data(), (size_t)n);
        break;
      }
      buf.resize(buf.size() * 2);
    }
  }
  auto make = [&](const std::string& name) -> int {
    const int r = link ? symlinkat(target.c_str(), dfd, name.c_str()) : mknodat(dfd, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev);
    if (r == 0) return 0;
    const int e = errno;
    // The name was free (the answer is not EEXIST), so whatever a refusing driver left under it
    // is Ferry's own: exfat-fuse answers a FIFO with EIO and leaves an empty file there.
    struct stat left;
    if (e != EEXIST && fstatat(dfd, name.c_str(), &left, AT_SYMLINK_NOFOLLOW) == 0 &&
        ((S_ISREG(left.st_mode) && left.st_size == 0) || (left.st_mode & S_IFMT) == (st.st_mode & S_IFMT)))
      unlinkat(dfd, name.c_str(), 0);
    return e;
  };
  const char* sys = link ? "symlink" : "mknod";
  std::optional<Answer> asked;
  Pub mode = Pub::New;
  for (int round = 0; round < 8; round++) {
    if (mode == Pub::Replace) {
      // Made under a hidden name, then renamed over the old entry.
      TempName tmp;
      int e = EEXIST;
      for (int i = 0; i < 100 && e == EEXIST; i++) {
        std::string name = random_tmp_name();
        e = make(name);
        if (e == 0) tmp = TempName(dfd, std::move(name));
      }
      if (e) return rec.fail(at_dest(dest_fail(d, e, sys, dname, rec)));
      apply_meta_path(meta_, dfd, tmp.name(), st, rec, link, d.dfs.holds);
      if (renameat(dfd, tmp.name().c_str(), dfd, dname.c_str()) != 0) return rec.fail(at_dest(sys_error(errno, "rename", rec.src, rec.dest)));
      tmp.release();
      rec.result = Result::Copied;
      return;
    }
    int e = make(dname);
    if (e == 0) {
      apply_meta_path(meta_, dfd, dname, st, rec, link, d.dfs.holds);
      rec.result = Result::Copied;
      struct stat ns;
      if (fstatat(dfd, dname.c_str(), &ns, AT_SYMLINK_NOFOLLOW) == 0) rec.ino = (uint64_t)ns.st_ino;
      return;
    }
    if (e != EEXIST) return rec.fail(at_dest(dest_fail(d, e, sys, dname, rec)));
    struct stat dst;
    if (fstatat(dfd, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) != 0) continue;
    mode = settle_taken(st, dst, d, dname, rec, asked);
    if (mode == Pub::Done) return;
  }
  rec.fail(sys_error(EEXIST, sys, rec.src, rec.dest));
}

}  // namespace ferry
