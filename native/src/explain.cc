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

#include <map>
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
// `name` in `dirfd` is the source; `dname` the name it is given (before the job's mapping);
// `clash_with`: the name it is the same as on a case-folding destination (else null).
void explain_entry(const struct stat& st, const FsSide& src, int dst_fd, const FsSide& dst, int dirfd, const std::string& name,
                   const std::string& dname, const std::string* clash_with, bool stream, const ExplainOpts& opts, Explanation& out) {
  const int forced = opts.forced;
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
  entry_problems(dst.fs, dname, clash_with, st, f.stream, opts.map_names, opts.follow_links, out.problems);
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
  std::map<std::string, std::string> clash;  // names that are another's on a case-folding destination
};

// Opens the destination of a folder below `parent` when it exists (merging into it), else shares
// the parent's nearest existing one.
void child_dest(const XNode& parent, const std::string& dname, XNode& child) {
  if (parent.dst_exact) {
    UniqueFd d(openat(parent.dst->fd.get(), dname.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d) {
      auto f = std::make_shared<DestFolder>();
      f->side = dest_side_of_fd(d.get());
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
  void listed(Node& n, std::vector<Dirent>& ents) { n.clash = listing_clashes(n.dst->side.fs, ents, opts_.map_names); }
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
      child_dest(parent, dest_name(parent.dst->side.fs, e.name, opts_.map_names), child);
    }
    send(std::move(x));
    return child.fd.valid();
  }
  void entry(Node& parent, Dirent&& e) {
    Explanation x;
    struct stat st;
    if (look(parent, e, st, x)) send(std::move(x));
  }
  void leave(Node&&) {}

 private:
  // lstat and plan one entry of `parent`; an entry that vanished or cannot be read is an error answer.
  bool look(Node& parent, const Dirent& e, struct stat& st, Explanation& x) {
    x.src = join_path(parent.spath, escape_name(e.name));
    x.dest = join_path(parent.dpath, escape_name(dest_name(parent.dst->side.fs, e.name, opts_.map_names)));
    if (fstatat(parent.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      out_(failed(x.src, x.dest, sys_error(errno, "lstat", x.src, x.dest)));
      return false;
    }
    FsSide side = side_of_entry(parent.side, parent.fd.get(), e.name, st);
    auto clash = parent.clash.find(e.name);
    explain_entry(st, side, parent.dst->fd.get(), parent.dst->side, parent.fd.get(), e.name, e.name, clash == parent.clash.end() ? nullptr : &clash->second,
                  false, opts_, x);
    return true;
  }
  // With problems_only, the entries that have none are not told.
  void send(Explanation&& x) {
    if (opts_.problems_only && x.problems.empty() && !x.error) return;
    out_(std::move(x));
  }

  const ExplainOpts& opts_;
  const std::function<void(Explanation&&)>& out_;
  const std::function<bool()>& stopped_;
};

// The top of a pair: its source's folder and lstat, and the destination folder.
struct Top {
  UniqueFd parent;
  std::string name;
  std::string dname, dest;  // the destination's own name, and its path as the job's choice writes it
  struct stat st {};
  FsSide side;
  UniqueFd dfd;
  FsSide dside;
};

bool open_top(const std::string& src, const std::string& dest, bool map, Top& t, WireErr& werr) {
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
  t.dside = dest_side_of_fd(t.dfd.get());
  const size_t slash = dest.rfind('/');
  t.dname = slash == std::string::npos ? dest : dest.substr(slash + 1);
  t.dest = slash == std::string::npos ? dest_name(t.dside.fs, t.dname, map) : dest.substr(0, slash + 1) + dest_name(t.dside.fs, t.dname, map);
  return true;
}

}  // namespace

bool explain_pair(const std::string& src, const std::string& dest, const ExplainOpts& opts, Explanation& out, WireErr& werr) {
  out.src = src;
  out.dest = dest;
  Top t;
  if (!open_top(src, dest, opts.map_names, t, werr)) return false;
  explain_entry(t.st, t.side, t.dfd.get(), t.dside, t.parent.get(), t.name, t.dname, nullptr, !opts.recursive, opts, out);
  out.dest = t.dest;
  return true;
}

void explain_tree(const std::string& src, const std::string& dest, const ExplainOpts& opts,
                  const std::function<void(Explanation&&)>& out, const std::function<bool()>& stopped) {
  Explanation x;
  x.src = src;
  x.dest = dest;
  Top t;
  WireErr werr;
  if (!open_top(src, dest, opts.map_names, t, werr)) return out(failed(src, dest, werr));
  explain_entry(t.st, t.side, t.dfd.get(), t.dside, t.parent.get(), t.name, t.dname, nullptr, !opts.recursive, opts, x);
  x.dest = t.dest;
  const bool tell = !opts.problems_only || !x.problems.empty();
  if (!S_ISDIR(t.st.st_mode) || !opts.recursive) return tell ? out(std::move(x)) : void();
  XNode root;
  root.spath = src;
  root.dpath = t.dest;
  root.side = t.side;
  root.fd.reset(openat(t.parent.get(), t.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.fd) {
    x.error = sys_error(errno, "open", src, dest);
    return out(std::move(x));
  }
  if (tell) out(std::move(x));
  // Its children land in `dest` when that folder exists (a merge), else where `dest` will be made.
  std::string dname;
  int err = 0;
  UniqueFd dparent = open_parent(t.dest, dname, err);
  UniqueFd own(dparent ? openat(dparent.get(), dname.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1);
  auto where = std::make_shared<DestFolder>();
  root.dst_exact = own.valid();
  if (own) {
    where->side = dest_side_of_fd(own.get());
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
