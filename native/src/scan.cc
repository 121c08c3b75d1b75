// Scanner (see scan.h): one thread walks, any thread reads the totals.
#include "scan.h"

#include <algorithm>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "plan.h"
#include "walk.h"

namespace ferry {

class Scanner::Walk {
 public:
  using Node = SNode;
  static constexpr bool kSorted = false;
  explicit Walk(Scanner& s) : s_(s) {}
  int dir_fd(const Node& n) const { return n.fd.get(); }
  void unlisted(Node& n, int) { s_.unreadable(n.path); }  // the copy reports it too
  bool stopped() const { return s_.stop_.load(std::memory_order_relaxed); }
  bool pace(size_t) const { return true; }
  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    s_.dirs_.fetch_add(1, std::memory_order_relaxed);
    child.path = join_path(parent.path, escape_name(e.name));
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!child.fd || fstat(child.fd.get(), &st) != 0) {
      s_.unreadable(child.path);
      return false;
    }
    child.dev = st.st_dev;
    if (parent.dfd) {
      struct stat ds;
      if (fstatat(parent.dfd.get(), e.name.c_str(), &ds, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(ds.st_mode)) child.dfd.reset(openat(parent.dfd.get(), e.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        else s_.taken(parent.dfd.get(), e.name, true, child.path);
      }
    }
    return true;
  }
  void entry(Node& parent, Dirent&& e) {
    if (parent.dfd && faccessat(parent.dfd.get(), e.name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
      s_.taken(parent.dfd.get(), e.name, false, join_path(parent.path, escape_name(e.name)));
    if (e.type != DT_REG) return s_.count_type(e.type);
    struct stat st;
    if (fstatat(parent.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      s_.unreadable(join_path(parent.path, escape_name(e.name)));
      return s_.count_type(DT_REG);
    }
    if (!S_ISREG(st.st_mode)) return s_.count_type(dtype_of(st.st_mode));
    s_.count_file(st, parent.fd.get());
  }
  void leave(Node&&) {}

 private:
  Scanner& s_;
};

void Scanner::add(const std::string& src, const std::string& dest) {
  std::string name;
  int err = 0;
  UniqueFd parent = open_parent(src, name, err);
  struct stat st;
  if (!parent || fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return unreadable(src);  // the copy reports it
  cur_ = kNoDest;
  UniqueFd merge;  // the existing destination folder a source folder is merged into
  if (!dest.empty()) {
    std::string folder;
    UniqueFd dfd = dest_folder(dest, false, err, &folder);
    struct stat ds;
    if (dfd && fstat(dfd.get(), &ds) == 0) {
      for (size_t i = 0; i < dests_.size() && cur_ == kNoDest; i++)
        if (dests_[i].dev == ds.st_dev) cur_ = i;
      if (cur_ == kNoDest) {
        Dest d;
        d.dev = ds.st_dev;
        d.folder = folder;
        d.side = fs_side_of_fd(dfd.get());
        d.fd = std::move(dfd);
        dests_.push_back(std::move(d));
        cur_ = dests_.size() - 1;
      }
    }
    std::string dname;
    UniqueFd dp = open_parent(dest, dname, err);
    struct stat taken_st;
    if (dp && fstatat(dp.get(), dname.c_str(), &taken_st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISDIR(taken_st.st_mode) && S_ISDIR(st.st_mode)) merge.reset(openat(dp.get(), dname.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      else taken(dp.get(), dname, S_ISDIR(st.st_mode), src);
    }
  }
  if (S_ISREG(st.st_mode)) return count_file(st, parent.get());
  if (!S_ISDIR(st.st_mode)) return count_type(dtype_of(st.st_mode));
  if (!opts_.recursive) return;  // the copy refuses it
  dirs_.fetch_add(1, std::memory_order_relaxed);
  SNode root;
  root.fd.reset(openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  root.dev = st.st_dev;
  root.dfd = std::move(merge);
  root.path = src;
  if (!root.fd) return unreadable(src);
  Walk w(*this);
  walk_tree(w, std::move(root));
}

void Scanner::taken(int, const std::string&, bool, const std::string& src_path) {
  existing_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(mu_);
  if (existing_sample_.size() < kSamples) existing_sample_.push_back(src_path);
}

void Scanner::unreadable(const std::string& src_path) {
  unreadable_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(mu_);
  if (unreadable_sample_.size() < kSamples) unreadable_sample_.push_back(src_path);
}

void Scanner::count_type(unsigned char dtype) {
  files_.fetch_add(1, std::memory_order_relaxed);
  if (dtype == DT_LNK) symlinks_.fetch_add(1, std::memory_order_relaxed);
  else if (dtype != DT_REG) specials_.fetch_add(1, std::memory_order_relaxed);
}

// What a file on `src_dev` costs the current destination: the planner's method for an ordinary
// file (size and holes do not change whether it is reflinked), or a rename for a move on one
// device. Each (source device, destination) is planned once and counted as one kind of pair.
Scanner::Costed Scanner::cost_of(dev_t src_dev, int src_dirfd) {
  if (cur_ == kNoDest) return {};
  auto key = std::make_pair(src_dev, cur_);
  auto it = costs_.find(key);
  if (it != costs_.end()) return it->second;
  Dest& d = dests_[cur_];
  FsSide s = fs_side_of_fd(src_dirfd);
  s.dev = src_dev;
  ScanKind k;
  k.src_fs = s.fs.name;
  k.dest_fs = d.side.fs.name;
  Cost c = Cost::Needed;
  if (opts_.move && src_dev == d.dev) {
    c = Cost::Renamed;
    k.rename = true;
    k.reason = std::string("same ") + s.fs.name + " filesystem: moved by renaming (no data is copied)";
  } else {
    PlanFacts f;
    f.size = 1;
    f.blocks = 1;
    f.src_fs = s.fs;
    f.dst_fs = d.side.fs;
    bool other = false;
    f.same_fs = one_filesystem(s, d.side, &other) ? Tri::Yes : Tri::No;
    f.other_subvol = other;
    if (f.same_fs == Tri::Yes && s.fs.reflink && !s.fs.pseudo) {
      int why = 0;
      int r = probe_reflink(d.fd.get(), d.dev, &why);
      f.reflink = r == 1 ? Tri::Yes : r == 0 ? Tri::No : Tri::Unknown;
      f.reflink_err = why;
    }
    f.forced = opts_.forced;
    const Plan plan = plan_copy(f);
    if (plan.method == (int)Method::Reflink) c = Cost::Reflinked;
    k.method = plan.method;
    k.chain = plan.chain;
    k.reason = plan.reason;
  }
  KindCount* kc;
  {
    std::lock_guard<std::mutex> lk(mu_);
    kc = &kinds_.emplace_back();
    kc->k = std::move(k);
  }
  return costs_[key] = Costed{c, kc};
}

void Scanner::count_file(const struct stat& st, int dirfd) {
  files_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add((uint64_t)st.st_size, std::memory_order_relaxed);
  const Costed c = cost_of(st.st_dev, dirfd);
  if (c.kind) {
    c.kind->files.fetch_add(1, std::memory_order_relaxed);
    c.kind->bytes.fetch_add((uint64_t)st.st_size, std::memory_order_relaxed);
  }
  // A hard link's data is there once (and stays one inode when the copy keeps links).
  if (st.st_nlink > 1 && !linked_.insert({st.st_dev, st.st_ino}).second) return;
  const uint64_t alloc = (uint64_t)st.st_blocks * 512;
  allocated_.fetch_add(alloc, std::memory_order_relaxed);
  if (c.cost == Cost::Needed) {
    needed_.fetch_add(alloc, std::memory_order_relaxed);
    if (cur_ != kNoDest) dests_[cur_].needed += alloc;
    return;
  }
  reflink_bytes_.fetch_add((uint64_t)st.st_size, std::memory_order_relaxed);
  (c.cost == Cost::Reflinked ? dests_[cur_].reflinked : dests_[cur_].renamed) += (uint64_t)st.st_size;
}

ScanTotals Scanner::totals() const {
  ScanTotals t;
  t.files = files_.load(std::memory_order_relaxed);
  t.dirs = dirs_.load(std::memory_order_relaxed);
  t.symlinks = symlinks_.load(std::memory_order_relaxed);
  t.specials = specials_.load(std::memory_order_relaxed);
  t.bytes = bytes_.load(std::memory_order_relaxed);
  t.allocated = allocated_.load(std::memory_order_relaxed);
  t.reflink_bytes = reflink_bytes_.load(std::memory_order_relaxed);
  t.needed = needed_.load(std::memory_order_relaxed);
  t.existing = existing_.load(std::memory_order_relaxed);
  t.unreadable = unreadable_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(mu_);
  t.existing_sample = existing_sample_;
  t.unreadable_sample = unreadable_sample_;
  t.kinds.reserve(kinds_.size());
  for (const KindCount& kc : kinds_) {
    ScanKind k = kc.k;
    k.files = kc.files.load(std::memory_order_relaxed);
    k.bytes = kc.bytes.load(std::memory_order_relaxed);
    t.kinds.push_back(std::move(k));
  }
  return t;
}

std::optional<WireErr> Scanner::check_space() const {
  uint64_t credit = opts_.space_credit;
  for (const Dest& d : dests_) {
    const uint64_t taken = std::min(credit, d.needed);
    credit -= taken;
    const uint64_t needed = d.needed - taken;
    if (needed == 0) continue;
    struct statvfs sv;
    if (fstatvfs(d.fd.get(), &sv) != 0) continue;  // cannot tell: the copy will say
    const uint64_t free = (uint64_t)sv.f_bavail * (sv.f_frsize ? sv.f_frsize : sv.f_bsize);
    if (needed <= free) continue;
    std::string desc = "not enough space: needs " + format_size(needed) + ", " + format_size(free) + " free";
    std::string shared;
    if (d.reflinked) shared = format_size(d.reflinked) + " will be reflinked";
    if (d.renamed) shared += (shared.empty() ? "" : ", ") + format_size(d.renamed) + " will be moved by rename";
    if (!shared.empty()) desc += " (" + shared + ")";
    return node_error("ENOSPC", ENOSPC, desc, "statfs", d.folder, "");
  }
  return std::nullopt;
}

}  // namespace ferry
