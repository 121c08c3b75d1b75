#include <fcntl.h>

#include "job.h"
#include "job_parts.h"
#include "tempfile.h"

namespace ferry {

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
    links_[key].remaining = (uint64_t)st.st_nlink - 1;
    return HardLink::Leader;
  }
  links_cv_.wait(lk, [&] {
    auto i = links_.find(key);
    return i == links_.end() || i->second.copied || cancelled_;
  });
  it = links_.find(key);
  if (cancelled_ || it == links_.end() || !it->second.copied) return HardLink::None;
  if (link_tmpfile(it->second.fd.get(), t.dir->dfd.get(), t.dname.c_str(), meta_.root) != 0)
    return HardLink::None;  // EEXIST (a conflict), EXDEV (another filesystem)…: copy it
  rec.result = Result::Linked;
  rec.method = -1;
  rec.bytes = 0;
  rec.warnings.push_back("hard link to '" + it->second.dest + "'");
  if (--it->second.remaining == 0) links_.erase(it);
  return HardLink::Linked;
}

void Job::leader_done(Task& t, const struct stat& st, const Record& rec) {
  const auto key = std::make_pair(st.st_dev, st.st_ino);
  {
    std::lock_guard<std::mutex> lk(links_mu_);
    auto it = links_.find(key);
    if (it == links_.end() || it->second.copied) return;
    UniqueFd fd(rec.ok() ? openat(t.dir->dfd.get(), t.dname.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1);
    if (fd) {
      it->second.copied = true;
      it->second.fd = std::move(fd);
      it->second.dest = rec.dest;
    } else {
      links_.erase(it);  // the next name copies (and leads) itself
    }
  }
  links_cv_.notify_all();
}

}  // namespace ferry
