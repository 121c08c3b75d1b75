// One entry bound for a foreign destination (FAT, exFAT, NTFS…; see foreign.h): names, types and
// sizes the destination cannot hold are settled by the job's `unfit` policy; a symlink it cannot
// store is replaced by what it points to (follow_links); a driver's generic errno is read through
// what is known of the filesystem (dest_fail); lost metadata is one note per destination.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "job.h"
#include "job_parts.h"

namespace ferry {

// Counts an entry the destination could not hold and settles it: skipped with its reason, or,
// with `err` and the policy 'fail', failed with it (the raw errno it would have met).
void Job::settle_unfit(DirNode& d, const Problem& p, int err, Record& rec) {
  unfit_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lk(notes_mu_);
    if (unfit_fs_.empty()) unfit_fs_ = fs_label(d.dfs);
  }
  if (spec_.unfit == UnfitPolicy::Fail && err) return rec.fail(node_error(errno_name(err), err, p.reason, "copyfile", rec.src, rec.dest));
  rec.result = Result::Skipped;
  rec.warnings.push_back("skipped: " + p.reason);
}

bool Job::unfit_name(DirNode& d, const std::string& sname, const std::string& dname, bool mapped, Record& rec) {
  if (!is_foreign(d.dfs)) return false;
  auto c = d.clash.find(sname);
  if (c != d.clash.end()) {
    // Never tried: the name is taken by the first, and the conflict policy would overwrite it.
    const Problem p = case_problem(d.dfs, c->second, sname);
    if (p.fails) {
      settle_unfit(d, p, EEXIST, rec);
      return true;
    }
    rec.warnings.push_back(p.reason);
  }
  if (mapped) rec.warnings.push_back(mapped_problem(d.dfs, sname).reason);
  Problem p;
  if (name_problem(d.dfs, dname, p)) {
    if (!p.fails) {
      rec.warnings.push_back(p.reason);
    } else if (spec_.unfit != UnfitPolicy::Fail) {
      settle_unfit(d, p, 0, rec);
      return true;
    }
    // 'fail': the destination is asked, and its answer read with what is known (dest_fail).
  }
  return false;
}

bool Job::unfit_type(Task& t, const struct stat& st, bool stream, Record& rec) {
  DirNode& d = *t.dir;
  std::vector<Problem> ps;
  type_problems(d.dfs, st, stream, ps);
  for (const Problem& p : ps) {
    if (!p.fails) {
      rec.warnings.push_back(p.reason);
    } else if (p.kind == Unfit::TooLarge) {
      settle_unfit(d, p, EFBIG, rec);  // never tried: gigabytes would be written first
      return true;
    } else if (spec_.unfit != UnfitPolicy::Fail) {
      settle_unfit(d, p, 0, rec);
      return true;
    }
  }
  return false;
}

// A symlink where the destination cannot store one, with follow_links: what it points to is
// copied under its name (folders it points to were made folders by the walker). True when the
// link's target was copied (a move keeps the link).
bool Job::copy_link_target(Worker& w, Task& t, Record& rec) {
  DirNode& d = *t.dir;
  std::vector<char> buf(4096);
  const ssize_t n = readlinkat(d.sfd.get(), t.sname.c_str(), buf.data(), buf.size() - 1);
  const std::string target = escape_name(std::string(buf.data(), n > 0 ? (size_t)n : 0));
  struct stat ts;
  UniqueFd in(openat(d.sfd.get(), t.sname.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!in || fstat(in.get(), &ts) != 0) {
    const int e = errno;
    const std::string why = "the link points to nothing that can be read ('" + target + "'), so nothing can be copied instead of it";
    // Neither the link nor its target can be copied: with 'skip' it is left out like the others.
    if (spec_.unfit == UnfitPolicy::Skip) {
      settle_unfit(d, Problem{Unfit::Symlink, true, type_reason(d.dfs, EntryType::Symlink) + ", and " + why}, 0, rec);
      return false;
    }
    rec.fail(node_error(errno_name(e), e, why, "open", rec.src, rec.dest));
    return false;
  }
  if (!S_ISREG(ts.st_mode)) {
    in.reset();
    if (unfit_type(t, ts, false, rec)) return false;
    copy_other(t, ts, rec);
    return rec.ok();
  }
  rec.size = (uint64_t)ts.st_size;
  if (unfit_type(t, ts, false, rec)) return false;
  copy_regular(w, t, in.get(), ts, rec, false);
  if (rec.ok()) rec.warnings.push_back("copied what the link points to ('" + target + "'): " + type_reason(d.dfs, EntryType::Symlink));
  return rec.ok();
}

WireErr Job::dest_fail(const DirNode& d, int err, const char* syscall, const std::string& dname, const Record& rec) {
  WireErr e = dest_error(d.dfs, err, syscall, dname, rec.type, rec.size, rec.src, rec.dest);
  if (is_foreign(d.dfs) && e.message != sys_error(err, syscall, rec.src, rec.dest).message) {
    unfit_.fetch_add(1);
    std::lock_guard<std::mutex> lk(notes_mu_);
    if (unfit_fs_.empty()) unfit_fs_ = fs_label(d.dfs);
  }
  return e;
}

void Job::note_destination(const DirNode& d) {
  if (!spec_.preserve || !is_foreign(d.dfs)) return;
  const std::string lost = lost_metadata(d.dfs);
  std::lock_guard<std::mutex> lk(notes_mu_);
  if (lost.empty() || !noted_.insert(d.ddev).second) return;
  notes_.push_back(lost + " (copies in '" + d.dest_path + "')");
}

}  // namespace ferry
