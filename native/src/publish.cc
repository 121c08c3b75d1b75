// Publishing a hidden tree (job.cc builds new folder trees under `.ferry-<hex>.tmp`), and what
// happens when its final name was taken while the job ran (another program created it).
//
// The taken name is settled by the job's conflict policy, exactly as if it had been taken when
// the job started:
//  - taken by a folder (any policy but 'rename'): the tree is merged into it entry by entry, each
//    taken name settled by the policy ('ask' asks, per entry, through the conflict event);
//  - 'rename' (or that answer): the tree gets the next free "name (n)";
//  - skip / cancel: the tree is removed; error, and overwrite or newer over something that is not
//    a folder (a folder cannot replace a file): the tree is removed and the folder fails EEXIST.
// Records of the tree's entries were sent as they were copied, naming their final paths. Where an
// entry does not end there, a correction is sent (FileRecord.replaces): the entry skipped, failed,
// or standing under another name. Nothing stays hidden unless a rename itself fails (EIO…).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "job.h"
#include "job_parts.h"
#include "tempfile.h"
#include "walk.h"

namespace ferry {

namespace {

// What becomes of entries of ours that will not stand where their records said.
struct Fate {
  enum Kind { Skipped, Failed, Moved } kind;
  SkipReason why = SkipReason::Conflict;  // Skipped
  std::string note;                       // a warning on each correction
  bool remove = false;                    // remove the entries (Skipped, Failed)
  int err = EEXIST;                       // Failed: the rename's error
};

// Walks a part of our tree and sends one correction per entry (and removes it, when the fate says
// so). Paths: `spath` the source, `dold` the destination the records named, `dnew` where the
// entries now stand (Moved).
struct CorrectionNode {
  UniqueFd fd;
  int pfd = -1;  // the parent's descriptor (borrowed: its frame outlives this one)
  std::string name;
  std::string spath, dold, dnew;
  bool top = false;  // the published tree's own top folder: its record is the caller's
};

class Corrections : public PlainWalk<CorrectionNode> {
 public:
  Corrections(const Fate& f, dev_t dev, const std::function<void(Record&&)>& emit) : fate_(f), dev_(dev), emit_(emit) {}

  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    child.pfd = parent.fd.get();
    child.name = e.name;
    const std::string esc = escape_name(e.name);
    child.spath = join_path(parent.spath, esc);
    child.dold = join_path(parent.dold, esc);
    child.dnew = join_path(parent.dnew, esc);
    if (child.fd) return true;
    correct(parent.fd.get(), e.name, child.spath, child.dold, child.dnew, EntryType::Dir);
    return false;
  }
  void entry(Node& parent, Dirent&& e) {
    const std::string esc = escape_name(e.name);
    struct stat st;
    EntryType t = fstatat(parent.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? entry_type_of(st.st_mode) : EntryType::File;
    correct(parent.fd.get(), e.name, join_path(parent.spath, esc), join_path(parent.dold, esc), join_path(parent.dnew, esc), t);
  }
  void leave(Node&& n) {
    if (!n.top) correct(n.pfd, n.name, n.spath, n.dold, n.dnew, EntryType::Dir);
    else if (fate_.remove) unlinkat(n.pfd, n.name.c_str(), AT_REMOVEDIR);
  }

  // One entry: its correction, then (remove) the entry itself (a folder is empty by now).
  void correct(int pfd, const std::string& name, const std::string& spath, const std::string& dold, const std::string& dnew, EntryType t) {
    Record r = base_record(spath, dold, t);
    r.replaces = dold;
    r.dest_dev = dev_;
    struct stat st;
    const bool there = fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (there && t != EntryType::Dir) r.size = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t)st.st_size : 0;
    switch (fate_.kind) {
      case Fate::Skipped: r.skip(fate_.why); break;
      case Fate::Failed: r.fail(sys_error(fate_.err, "rename", spath, dold)); break;
      case Fate::Moved:
        r.result = Result::Copied;
        r.dest = dnew;
        r.bytes = r.size;
        if (there) r.ino = (uint64_t)st.st_ino;
        break;
    }
    if (!fate_.note.empty()) r.warnings.push_back(fate_.note);
    if (fate_.remove && there) unlinkat(pfd, name.c_str(), t == EntryType::Dir ? AT_REMOVEDIR : 0);
    emit_(std::move(r));
  }

 private:
  const Fate& fate_;
  dev_t dev_;
  const std::function<void(Record&&)>& emit_;
};

// Walks our folder `fd` (named `name` in `pfd`): corrections for all that is in it, and for the
// folder itself unless it is the published tree's top (`top`: its record is the caller's).
void correct_walk(UniqueFd fd, int pfd, const std::string& name, bool top, const std::string& spath, const std::string& dold,
                  const std::string& dnew, Corrections& c) {
  Corrections::Node root;
  root.fd = std::move(fd);
  root.pfd = pfd;
  root.name = name;
  root.spath = spath;
  root.dold = dold;
  root.dnew = dnew;
  root.top = top;
  walk_tree(c, std::move(root));
}

// `name` in folder `pfd` (ours), with everything in it: corrections for all of it.
void correct_entry(int pfd, const std::string& name, const std::string& spath, const std::string& dold, const std::string& dnew, const Fate& f,
                   dev_t dev, const std::function<void(Record&&)>& emit) {
  Corrections c(f, dev, emit);
  struct stat st;
  if (fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) return c.correct(pfd, name, spath, dold, dnew, entry_type_of(st.st_mode));
  UniqueFd fd(openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return c.correct(pfd, name, spath, dold, dnew, EntryType::Dir);
  correct_walk(std::move(fd), pfd, name, false, spath, dold, dnew, c);
}

// The contents of our tree's top folder `fd` (named `name` in `pfd`), not the folder itself.
void correct_contents(int pfd, const std::string& name, int fd, const std::string& spath, const std::string& dold, const std::string& dnew,
                      const Fate& f, dev_t dev, const std::function<void(Record&&)>& emit) {
  Corrections c(f, dev, emit);
  UniqueFd top(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (top) correct_walk(std::move(top), pfd, name, true, spath, dold, dnew, c);
}

bool source_stat(const std::string& spath, struct stat& st) {
  std::string name;
  int err = 0;
  UniqueFd p = open_parent(spath, name, err);
  return p && fstatat(p.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// Moves the entries of our folder `from` into the folder `to` that was created meanwhile, as a
// merge at the start would have: free names are taken as they are (their records stand), taken
// ones are settled by the policy. Corrections for what does not end where its record said.
void merge_into(Conflicts& conflicts, const std::atomic<bool>& cancelled, int from, int to, const std::string& spath,
                       const std::string& dpath, dev_t dev, const std::function<void(Record&&)>& emit) {
  std::vector<Dirent> ents;
  list_dir(from, ents);
  for (Dirent& e : ents) {
    const std::string esc = escape_name(e.name);
    const std::string sp = join_path(spath, esc), dp = join_path(dpath, esc);
    struct stat os;
    if (fstatat(from, e.name.c_str(), &os, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const bool odir = S_ISDIR(os.st_mode);
    if (cancelled.load()) {
      correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Skipped, SkipReason::Cancel, "the job was cancelled before this copy got its name: it was removed", true}, dev, emit);
      continue;
    }
    int r = rename_noreplace(from, e.name.c_str(), to, e.name.c_str(), !odir);
    if (r == 0) continue;  // it stands where its record said
    const std::string taken = "'" + dp + "' was created while the copy ran";
    struct stat ts;
    if ((r != EEXIST && r != ENOTEMPTY) || fstatat(to, e.name.c_str(), &ts, AT_SYMLINK_NOFOLLOW) != 0) {
      correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Failed, SkipReason::Conflict, taken + ": this copy could not be moved there and was removed", true}, dev, emit);
      continue;
    }
    if (odir && S_ISDIR(ts.st_mode)) {
      UniqueFd f2(openat(from, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd t2(openat(to, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (f2 && t2) {
        merge_into(conflicts, cancelled, f2.get(), t2.get(), sp, dp, dev, emit);
        unlinkat(from, e.name.c_str(), AT_REMOVEDIR);
        continue;
      }
    }
    std::optional<Answer> asked;
    Decision d = conflicts.decide(ConflictInfo{0, sp, dp, odir ? 0 : (uint64_t)os.st_size, (uint64_t)ts.st_size, mtime_ms(os), mtime_ms(ts)}, asked);
    if (d == Decision::Newer) {
      struct stat ss;
      d = newer_than(source_stat(sp, ss) ? ss : os, ts) ? Decision::Overwrite : Decision::Skip;
      if (d == Decision::Skip) {
        correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Skipped, SkipReason::Newer, taken + " and is as new or newer: this copy was removed", true}, dev, emit);
        continue;
      }
    }
    switch (d) {
      case Decision::Overwrite:
        if (!odir && !S_ISDIR(ts.st_mode) && renameat(from, e.name.c_str(), to, e.name.c_str()) == 0) {
          // It replaced what was there: a copy, but not an entry this job created under a free name.
          Record c = base_record(sp, dp, entry_type_of(os.st_mode));
          c.replaces = dp;
          c.result = Result::Copied;
          c.size = c.bytes = S_ISREG(os.st_mode) || S_ISLNK(os.st_mode) ? (uint64_t)os.st_size : 0;
          c.dest_dev = dev;
          c.warnings.push_back(taken + ": replaced");
          emit(std::move(c));
          continue;
        }
        correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Failed, SkipReason::Conflict, taken + ": a folder and a file cannot replace each other; this copy was removed", true}, dev, emit);
        continue;
      case Decision::Skip:
        correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Skipped, SkipReason::Conflict, taken + ": kept, this copy was removed", true}, dev, emit);
        continue;
      case Decision::Cancel:
        correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Skipped, SkipReason::Cancel, taken + ": the job was cancelled, this copy was removed", true}, dev, emit);
        continue;
      case Decision::Rename: {
        std::string got;
        int re = take_numbered(e.name, 100000, [&](const std::string& c) { return rename_noreplace(from, e.name.c_str(), to, c.c_str(), !odir); }, &got);
        if (re == 0) {
          const std::string now = join_path(dpath, escape_name(got));
          correct_entry(to, got, sp, dp, now, Fate{Fate::Moved, SkipReason::Conflict, taken + ": kept both, this copy is '" + now + "'", false}, dev, emit);
          continue;
        }
        correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Failed, SkipReason::Conflict, taken + ": no free numbered name; this copy was removed", true}, dev, emit);
        continue;
      }
      case Decision::Newer:
      case Decision::Error:
        break;
    }
    correct_entry(from, e.name, sp, dp, dp, Fate{Fate::Failed, SkipReason::Conflict, taken + ": this copy was removed", true}, dev, emit);
  }
}

}  // namespace

bool Job::publish_tree(DirNode& d, Record& rec) {
  DirNode& p = *d.parent;
  const int pdfd = p.dfd.get();
  const std::string tmp_path = join_path(parent_of(d.dest_path), escape_name(d.tmp_top));
  const std::function<void(Record&&)> out = [this](Record&& r) { emit(std::move(r)); };
  std::optional<Answer> asked;
  for (int round = 0; round < 8; round++) {
    int e = rename_noreplace(pdfd, d.tmp_top.c_str(), pdfd, d.dname.c_str(), false);
    if (e == 0) {
      clear_temp_owner(d.dfd.get());
      return true;
    }
    struct stat ds;
    if ((e != EEXIST && e != ENOTEMPTY) || fstatat(pdfd, d.dname.c_str(), &ds, AT_SYMLINK_NOFOLLOW) != 0) {
      if (e == EEXIST || e == ENOTEMPTY) continue;  // gone again meanwhile: try once more
      return left_hidden(d, rec, e, tmp_path, out);
    }
    const std::string taken = "'" + d.dest_path + "' was created while the copy ran";
    // Taken by a folder: merge into it, as the job would have done had it been there at the start
    // ('rename' keeps both instead, as it does for a folder that is there at the start).
    if (S_ISDIR(ds.st_mode) && spec_.conflict != Conflict::Rename) {
      UniqueFd to(openat(pdfd, d.dname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!to) continue;
      rec.ino = 0;  // the folder is not ours
      rec.warnings.push_back(taken + ": merged into it");
      merge_into(conflicts_, cancelled_, d.dfd.get(), to.get(), d.src_path, d.dest_path, d.ddev, out);
      clear_temp_owner(d.dfd.get());
      if (unlinkat(pdfd, d.tmp_top.c_str(), AT_REMOVEDIR) != 0) {
        rec.warnings.push_back("entries that could not be merged were left under " + tmp_path);
        return false;
      }
      return true;
    }
    const Decision dec = spec_.conflict == Conflict::Rename
                             ? Decision::Rename
                             : conflicts_.decide(ConflictInfo{0, d.src_path, d.dest_path, 0, (uint64_t)ds.st_size, mtime_ms(d.st), mtime_ms(ds)}, asked);
    if (dec == Decision::Rename) {
      std::string got;
      e = take_numbered(d.dname, 1000, [&](const std::string& c) { return rename_noreplace(pdfd, d.tmp_top.c_str(), pdfd, c.c_str(), false); }, &got);
      if (e) return left_hidden(d, rec, e, tmp_path, out);
      clear_temp_owner(d.dfd.get());
      const std::string now = join_path(parent_of(d.dest_path), escape_name(got));
      correct_contents(pdfd, got, d.dfd.get(), d.src_path, d.dest_path, now,
                       Fate{Fate::Moved, SkipReason::Conflict, taken + ": kept both, this copy is '" + now + "'", false}, d.ddev, out);
      rec.dest = now;
      rec.warnings.push_back(taken + ": kept both, this copy is '" + now + "'");
      return true;
    }
    // The tree does not get a name: its entries are taken back and removed.
    Fate f{Fate::Skipped, SkipReason::Conflict, taken + ": kept, this copy was removed", true};
    if (dec == Decision::Cancel) f = Fate{Fate::Skipped, SkipReason::Cancel, taken + ": the job was cancelled, this copy was removed", true};
    else if (dec != Decision::Skip) f = Fate{Fate::Failed, SkipReason::Conflict, taken + ": a folder cannot replace it; this copy was removed", true};
    correct_contents(pdfd, d.tmp_top, d.dfd.get(), d.src_path, d.dest_path, d.dest_path, f, d.ddev, out);
    if (f.kind == Fate::Skipped) rec.skip(f.why);
    else rec.fail(custom_error("EEXIST", "cannot overwrite non-directory '" + d.dest_path + "' with directory '" + d.src_path + "'", d.src_path, d.dest_path));
    rec.warnings.push_back(f.note);
    return true;
  }
  return left_hidden(d, rec, EEXIST, tmp_path, out);
}

// The tree cannot get a name (the rename fails: EIO, EROFS…): it stays under its temp name, which
// findTemps() lists (publishTemp() can finish the job later). Its entries are not where their
// records said: each gets a failed correction.
bool Job::left_hidden(DirNode& d, Record& rec, int err, const std::string& tmp_path, const std::function<void(Record&&)>& out) {
  const std::string note = "the copied tree could not be given its name and was left under '" + tmp_path + "'";
  correct_contents(d.parent->dfd.get(), d.tmp_top, d.dfd.get(), d.src_path, d.dest_path, d.dest_path,
                   Fate{Fate::Failed, SkipReason::Conflict, note, false, err}, d.ddev, out);
  rec.fail(sys_error(err, "rename", d.src_path, d.dest_path));
  rec.warnings.push_back(note);
  return false;
}

}  // namespace ferry
