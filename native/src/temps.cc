// Temps left by a killed job, and dropping a file's cached pages (see temps.h).
#include "temps.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conflict.h"
#include "walk.h"

namespace ferry {

namespace {

// Counts a temp folder's contents and, when its owner record and source allow, lists the files
// that are not complete copies: missing from the source, or of another size or mtime (with
// preserve the engine gives every finished file its source's mtime, last).
struct TempNode {
  UniqueFd fd, sfd;  // sfd: the matching source folder, or invalid
  std::string path;
};

class TempWalk : public PlainWalk<TempNode> {
 public:
  static constexpr bool kSorted = true;
  explicit TempWalk(TempInfo& t) : t_(t) {}
  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (parent.sfd) child.sfd.reset(openat(parent.sfd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    child.path = join_path(parent.path, escape_name(e.name));
    return child.fd.valid();
  }
  void entry(Node& parent, Dirent&& e) {
    t_.files++;
    struct stat st;
    if (fstatat(parent.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return;
    t_.bytes += (uint64_t)st.st_size;
    if (!t_.partial_known) return;
    struct stat ss;
    const bool whole = parent.sfd && fstatat(parent.sfd.get(), e.name.c_str(), &ss, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(ss.st_mode) &&
                       ss.st_size == st.st_size && ss.st_mtim.tv_sec == st.st_mtim.tv_sec && ss.st_mtim.tv_nsec == st.st_mtim.tv_nsec;
    if (!whole) t_.partial.push_back(join_path(parent.path, escape_name(e.name)));
  }
  void leave(Node&&) {}

 private:
  TempInfo& t_;
};

void describe(int dirfd, const std::string& dir, const std::string& name, TempInfo& t) {
  t.path = join_path(dir, escape_name(name));
  struct stat st;
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  t.mtime_ms = mtime_ms(st);
  t.dir = S_ISDIR(st.st_mode);
  if (!t.dir) {
    t.files = 1;
    t.bytes = (uint64_t)st.st_size;
    return;
  }
  TempWalk::Node root;
  root.fd.reset(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.fd) return;
  root.path = t.path;
  TempOwner o;
  if (read_temp_owner(root.fd.get(), o) == 1) {
    t.owner = o;
    t.final_path = join_path(dir, o.final_name);
    if (o.preserve && !o.src.empty()) {
      int err = 0;
      root.sfd = open_dir_long(decode_path(o.src), O_RDONLY, err);
      t.partial_known = root.sfd.valid();
    }
  }
  TempWalk w(t);
  walk_tree(w, std::move(root));
}

// A finder over `dir` (and, recursive, its subfolders): temps are described, not entered.
struct FinderNode {
  UniqueFd fd;
  std::string path;
};

class Finder : public PlainWalk<FinderNode> {
 public:
  static constexpr bool kSorted = true;
  Finder(bool recursive, std::vector<TempInfo>& out) : recursive_(recursive), out_(out) {}
  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    if (is_temp_name(e.name)) {
      out_.emplace_back();
      describe(parent.fd.get(), parent.path, e.name, out_.back());
      return false;
    }
    if (!recursive_) return false;
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    child.path = join_path(parent.path, escape_name(e.name));
    return child.fd.valid();
  }
  void entry(Node& parent, Dirent&& e) {
    if (e.type != DT_REG || !is_temp_name(e.name)) return;
    out_.emplace_back();
    describe(parent.fd.get(), parent.path, e.name, out_.back());
  }
  void leave(Node&&) {}

 private:
  bool recursive_;
  std::vector<TempInfo>& out_;
};

// The folder holding `path` and the temp's raw name, after checking that the name is a temp's.
UniqueFd open_temp_parent(const std::string& path, std::string& name, WireErr& err, const char* sys) {
  int e = 0;
  UniqueFd p = open_parent(path, name, e);
  if (!is_temp_name(name)) {
    err = custom_error("EINVAL", "not one of the engine's temporary names (.ferry-<16 hex>.tmp), " + std::string(sys) + " '" + path + "'", path, "");
    err.syscall = sys;
    return UniqueFd();
  }
  if (!p) err = sys_error(e, "open", path, "");
  return p;
}

}  // namespace

bool find_temps(const std::string& dir, bool recursive, std::vector<TempInfo>& out, WireErr& err) {
  int e = 0;
  Finder::Node root;
  root.fd = open_dir_long(decode_path(dir), O_RDONLY, e);
  if (!root.fd) {
    err = sys_error(e, "opendir", dir, "");
    return false;
  }
  root.path = dir;
  std::vector<Dirent> probe;
  if (int le = list_dir(root.fd.get(), probe)) {
    err = sys_error(le, "scandir", dir, "");
    return false;
  }
  Finder f(recursive, out);
  walk_tree(f, std::move(root));
  return true;
}

bool remove_temp(const std::string& path, WireErr& err) {
  std::string name;
  UniqueFd p = open_temp_parent(path, name, err, "rmdir");
  if (!p) return false;
  struct stat st;
  if (fstatat(p.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    err = sys_error(errno, "lstat", path, "");
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd d(openat(p.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    TempOwner o;
    if (d && read_temp_owner(d.get(), o) < 0) {
      err = custom_error("EINVAL", "the folder's owner record is not the engine's: not removed, rmdir '" + path + "'", path, "");
      err.syscall = "rmdir";
      return false;
    }
  }
  if (int e = remove_tree(p.get(), name)) {
    err = sys_error(e, S_ISDIR(st.st_mode) ? "rmdir" : "unlink", path, "");
    return false;
  }
  return true;
}

bool publish_temp(const std::string& path, std::string& dest, WireErr& err) {
  std::string name;
  UniqueFd p = open_temp_parent(path, name, err, "rename");
  if (!p) return false;
  UniqueFd d(openat(p.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) {
    err = sys_error(errno, "open", path, "");
    return false;
  }
  TempOwner o;
  if (read_temp_owner(d.get(), o) != 1 || o.final_name.empty()) {
    err = custom_error("ENODATA", "the temporary folder has no record of its final name, rename '" + path + "'", path, "");
    err.errnum = -ENODATA;
    err.has_errno = true;
    err.syscall = "rename";
    return false;
  }
  dest = join_path(parent_of(path), o.final_name);
  const std::string fname = decode_path(o.final_name);
  if (fname.find('/') != std::string::npos) {
    err = custom_error("EINVAL", "the recorded final name is not a name, rename '" + path + "'", path, dest);
    return false;
  }
  if (int e = rename_noreplace(p.get(), name.c_str(), p.get(), fname.c_str(), false)) {
    err = sys_error(e, "rename", path, dest);
    return false;
  }
  clear_temp_owner(d.get());
  return true;
}

bool drop_cache(const std::string& path, WireErr& err) {
  UniqueFd fd(open(decode_path(path).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    err = sys_error(errno, "open", path, "");
    return false;
  }
  if (fdatasync(fd.get()) != 0) {
    err = sys_error(errno, "fdatasync", path, "");
    return false;
  }
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  return true;
}

namespace {

// Removes a tree bottom-up by descriptors (remove_tree): files as they are met, each folder once
// it is left (empty by then).
struct RemoverNode {
  UniqueFd fd;
  int pfd = -1;  // the parent's descriptor (borrowed: its frame outlives this one)
  std::string name;
};

struct Remover : PlainWalk<RemoverNode> {
  int err = 0;
  void unlisted(Node&, int e) { err = err ? err : e; }
  bool enter(Node& parent, const Dirent& e, size_t, Node& child) {
    child.fd.reset(openat(parent.fd.get(), e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    child.pfd = parent.fd.get();
    child.name = e.name;
    if (!child.fd) err = err ? err : errno;
    return child.fd.valid();
  }
  void entry(Node& parent, Dirent&& e) {
    if (unlinkat(parent.fd.get(), e.name.c_str(), 0) != 0 && errno != ENOENT) err = err ? err : errno;
  }
  void leave(Node&& n) {
    if (unlinkat(n.pfd, n.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) err = err ? err : errno;
  }
};

}  // namespace

int remove_tree(int pdfd, const std::string& name) {
  struct stat st;
  if (fstatat(pdfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return unlinkat(pdfd, name.c_str(), 0) == 0 ? 0 : errno;
  Remover r;
  Remover::Node root;
  root.fd.reset(openat(pdfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.fd) return errno;
  root.pfd = pdfd;
  root.name = name;
  walk_tree(r, std::move(root));
  return r.err;
}

}  // namespace ferry
