// explain_pair() and explain_tree(): the planner's prediction for entries that are not copied.
// The facts: the source's lstat and filesystem, the destination folder's filesystem (the nearest
// existing folder when the destination's folders do not exist yet), whether FICLONE works there
// (probed on two O_TMPFILEs, cached per device), whether a sparse file's filesystem shows its
// holes (SEEK_HOLE), whether copy_file_range is usable at all. Then plan_copy() decides.
#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "copy.h"
#include "fsinfo.h"
#include "plan.h"
#include "walk.h"

namespace ferry {

namespace {

// The source's filesystem: its folder's when it is on the same device, else its own.
FsSide side_of_entry(const FsSide& folder, int dirfd, const std::string& name, const struct stat& st) {
  if (folder.dev == st.st_dev) return folder;
  UniqueFd self(openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  FsSide s = fs_side_of_fd(self ? self.get() : dirfd);
  s.dev = st.st_dev;
  return s;
}

bool streamed(const struct stat& st) { return S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode); }

// The planner's answer for one entry (`name` in folder `dirfd`, already lstat'ed).
void explain_entry(const struct stat& st, const FsSide& src, int dst_fd, const FsSide& dst, int dirfd, const std::string& name,
                   bool stream, int forced, Explanation& out) {
  PlanFacts f;
  f.type = entry_type_of(st.st_mode);
  f.stream = stream && streamed(st);
  f.size = (uint64_t)st.st_size;
  f.blocks = (uint64_t)st.st_blocks;
  f.src_fs = src.fs;
  f.dst_fs = dst.fs;
  bool other = false;
  const bool one = one_filesystem(src, dst, &other);
  f.same_fs = one ? Tri::Yes : Tri::No;
  f.other_subvol = other;
  const bool data = (f.type == EntryType::File || f.type == EntryType::Dir) && !f.stream;
  if (data && one && src.fs.reflink && !src.fs.pseudo) {
    int why = 0;
    int r = probe_reflink(dst_fd, dst.dev, &why);
    f.reflink = r == 1 ? Tri::Yes : r == 0 ? Tri::No : Tri::Unknown;
    f.reflink_err = why;
  }
  int why = 0;
  f.cfr_usable = cfr_available(&why);
  f.cfr_err = why;
  if (f.type == EntryType::File && sparse_by_blocks(src.fs, f.size, f.blocks)) {
    UniqueFd in(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (in) f.holes = reports_hole(in.get(), st.st_size) ? Tri::Yes : Tri::No;
  }
  f.forced = forced;
  Plan p = plan_copy(f);
  out.type = f.type;
  out.method = p.method;
  out.chain = std::move(p.chain);
  out.reason = std::move(p.reason);
}

Explanation failed(const std::string& src, const std::string& dest, WireErr e) {
  Explanation x;
  x.src = src;
  x.dest = dest;
  x.type_known = false;
  x.reason = e.message;
  x.error = std::move(e);
  return x;
}

// The destination folder entries land in, shared by a folder's children until one of them exists.
struct DestFolder {
  UniqueFd fd;
  FsSide side;
};

struct XNode {
  UniqueFd fd;                       // the source folder
  std::string spath, dpath;          // escaped, for the answers
  FsSide side;                       // its filesystem
  std::shared_ptr<DestFolder> dst;   // where its children land (nearest existing folder)
  bool dst_exact = false;            // ...which is this folder's own destination
};

// Opens the destination of a folder below `parent` when it exists (merging into it), else shares
// the parent's nearest existing one.
void child_dest(const XNode& parent, const std::string& name, XNode& child) {
  if (parent.dst_exact) {
    UniqueFd d(openat(parent.dst->fd.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d) {
      auto f = std::make_shared<DestFolder>();
      f->side = fs_side_of_fd(d.get());
      f->fd = std::move(d);
      child.dst = std::move(f);
      child.dst_exact = true;
      return;
    }
  }
  child.dst = parent.dst;
  child.dst_exact = false;
}

class ExplainWalk {
 public:
  using Node = XNode;
  static constexpr bool kSorted = true;
  ExplainWalk(const ExplainOpts& o, const std::function<void(Explanation&&)>& out, const std::function<bool()>& stopped)
      : opts_(o), out_(out), stopped_(stopped) {}

  int dir_fd(const Node& n) const { return n.fd.get(); }
  void unlisted(Node& n, int e) { out_(failed(n.spath, n.dpath, sys_error(e, "scandir", n.spath, n.dpath))); }
  bool stopped() const { return stopped_(); }
  bool pace(size_t) const { return true; }
  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    Explanation x;
    struct stat st;
    if (!look(parent, e, st, x)) return false;
    child.spath = x.src;
    child.dpath = x.dest;
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.fd) x.error = sys_error(errno, "open", x.src, x.dest);
    if (child.fd) {
      child.side = side_of_entry(parent.side, parent.fd.get(), e.name, st);
      child_dest(parent, e.name, child);
    }
    out_(std::move(x));
    return child.fd.valid();
  }
  void entry(Node& parent, Dirent&& e) {
    Explanation x;
    struct stat st;
    if (look(parent, e, st, x)) out_(std::move(x));
  }
  void leave(Node&&) {}

 private:
  // lstat and plan one entry of `parent`; an entry that vanished or cannot be read is an error answer.
  bool look(Node& parent, const Dirent& e, struct stat& st, Explanation& x) {
    const std::string esc = escape_name(e.name);
    x.src = join_path(parent.spath, esc);
    x.dest = join_path(parent.dpath, esc);
    if (fstatat(parent.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      out_(failed(x.src, x.dest, sys_error(errno, "lstat", x.src, x.dest)));
      return false;
    }
    FsSide side = side_of_entry(parent.side, parent.fd.get(), e.name, st);
    explain_entry(st, side, parent.dst->fd.get(), parent.dst->side, parent.fd.get(), e.name, false, opts_.forced, x);
    return true;
  }

  const ExplainOpts& opts_;
  const std::function<void(Explanation&&)>& out_;
  const std::function<bool()>& stopped_;
};

// The top of a pair: its source's folder and lstat, and the destination folder.
struct Top {
  UniqueFd parent;
  std::string name;
  struct stat st {};
  FsSide side;
  UniqueFd dfd;
  FsSide dside;
};

bool open_top(const std::string& src, const std::string& dest, Top& t, WireErr& werr) {
  int err = 0;
  t.parent = open_parent(src, t.name, err);
  if (!t.parent) {
    werr = sys_error(err, "open", src, dest);
    return false;
  }
  if (fstatat(t.parent.get(), t.name.c_str(), &t.st, AT_SYMLINK_NOFOLLOW) != 0) {
    werr = sys_error(errno, "lstat", src, dest);
    return false;
  }
  {
    UniqueFd self(openat(t.parent.get(), t.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    t.side = fs_side_of_fd(self ? self.get() : t.parent.get());
    t.side.dev = t.st.st_dev;
  }
  t.dfd = dest_folder(dest, !S_ISDIR(t.st.st_mode), err);
  if (!t.dfd) {
    werr = sys_error(err, "open", src, dest);
    return false;
  }
  t.dside = fs_side_of_fd(t.dfd.get());
  return true;
}

}  // namespace

bool explain_pair(const std::string& src, const std::string& dest, const ExplainOpts& opts, Explanation& out, WireErr& werr) {
  out.src = src;
  out.dest = dest;
  Top t;
  if (!open_top(src, dest, t, werr)) return false;
  explain_entry(t.st, t.side, t.dfd.get(), t.dside, t.parent.get(), t.name, !opts.recursive, opts.forced, out);
  return true;
}

void explain_tree(const std::string& src, const std::string& dest, const ExplainOpts& opts,
                  const std::function<void(Explanation&&)>& out, const std::function<bool()>& stopped) {
  Explanation x;
  x.src = src;
  x.dest = dest;
  Top t;
  WireErr werr;
  if (!open_top(src, dest, t, werr)) return out(failed(src, dest, werr));
  explain_entry(t.st, t.side, t.dfd.get(), t.dside, t.parent.get(), t.name, !opts.recursive, opts.forced, x);
  if (!S_ISDIR(t.st.st_mode) || !opts.recursive) return out(std::move(x));
  XNode root;
  root.spath = src;
  root.dpath = dest;
  root.side = t.side;
  root.fd.reset(openat(t.parent.get(), t.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.fd) {
    x.error = sys_error(errno, "open", src, dest);
    return out(std::move(x));
  }
  out(std::move(x));
  // Its children land in `dest` when that folder exists (a merge), else where `dest` will be made.
  std::string dname;
  int err = 0;
  UniqueFd dparent = open_parent(dest, dname, err);
  UniqueFd own(dparent ? openat(dparent.get(), dname.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1);
  auto where = std::make_shared<DestFolder>();
  root.dst_exact = own.valid();
  if (own) {
    where->side = fs_side_of_fd(own.get());
    where->fd = std::move(own);
  } else {
    where->side = t.dside;
    where->fd = std::move(t.dfd);
  }
  root.dst = std::move(where);
  ExplainWalk v(opts, out, stopped);
  walk_tree(v, std::move(root));
}

}  // namespace ferry
