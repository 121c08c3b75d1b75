// Temps and publishing (see tempfile.h). Worker and walker threads.
#include "tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <random>
#include <vector>

namespace ferry {

const char* const kTmpPrefix = ".ferry-";
const char* const kTmpSuffix = ".tmp";

std::string random_tmp_name() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (uint64_t)pthread_self()};
  char buf[64];
  snprintf(buf, sizeof buf, "%s%016llx%s", kTmpPrefix, (unsigned long long)rng(), kTmpSuffix);
  return buf;
}

std::string numbered_name(const std::string& name, int n) {
  size_t dot = name.rfind('.');
  std::string suffix = " (" + std::to_string(n) + ")";
  if (dot == std::string::npos || dot == 0) return name + suffix;
  return name.substr(0, dot) + suffix + name.substr(dot);
}

int take_numbered(const std::string& base, int limit, const std::function<int(const std::string&)>& take, std::string* got) {
  for (int n = 1; n < limit; n++) {
    std::string cand = numbered_name(base, n);
    int e = take(cand);
    if (e == EEXIST) continue;
    if (got) *got = std::move(cand);
    return e;
  }
  return EEXIST;
}

int link_tmpfile(int fd, int dfd, const char* name, bool root) {
  if (root) {
    if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOENT && errno != EPERM) return errno;
  }
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  if (linkat(AT_FDCWD, p, dfd, name, AT_SYMLINK_FOLLOW) == 0) return 0;
  return errno;
}

int rename_noreplace(int odfd, const char* oname, int ndfd, const char* nname, bool is_file) {
  if (renameat2(odfd, oname, ndfd, nname, RENAME_NOREPLACE) == 0) return 0;
  int e = errno;
  if (e != EINVAL && e != ENOSYS && e != EOPNOTSUPP) return e;
  if (is_file) {
    if (linkat(odfd, oname, ndfd, nname, 0) == 0) {
      unlinkat(odfd, oname, 0);
      return 0;
    }
    e = errno;
    if (e == EEXIST || e == EXDEV || e == ENOENT) return e;
  }
  struct stat st;
  if (fstatat(ndfd, nname, &st, AT_SYMLINK_NOFOLLOW) == 0) return EEXIST;
  if (renameat(odfd, oname, ndfd, nname) == 0) return 0;
  return errno;
}

int fsync_dir(int dfd) {
  UniqueFd fd(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno;
  return fsync(fd.get()) == 0 ? 0 : errno;
}

bool is_temp_name(const std::string& n) {
  const size_t pre = strlen(kTmpPrefix), suf = strlen(kTmpSuffix);
  if (n.size() != pre + 16 + suf || n.compare(0, pre, kTmpPrefix) != 0 || n.compare(pre + 16, suf, kTmpSuffix) != 0) return false;
  for (size_t i = pre; i < pre + 16; i++)
    if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f'))) return false;
  return true;
}

namespace {
const char* const kOwnerXattr = "user.ferry.temp";
const char* const kOwnerMagic = "ferry.temp.1";
}  // namespace

void write_temp_owner(int dirfd, const TempOwner& o) {
  std::string v = kOwnerMagic;
  for (const std::string* f : {&o.final_name, &o.src, &o.tag}) {
    v += '\0';
    v += *f;
  }
  v += '\0';
  v += o.preserve ? '1' : '0';
  fsetxattr(dirfd, kOwnerXattr, v.data(), v.size(), 0);
}

int read_temp_owner(int fd, TempOwner& o) {
  std::vector<char> buf(8192);
  ssize_t n = fgetxattr(fd, kOwnerXattr, buf.data(), buf.size());
  if (n < 0 && errno == ERANGE) {
    ssize_t need = fgetxattr(fd, kOwnerXattr, nullptr, 0);
    if (need > 0) {
      buf.resize((size_t)need);
      n = fgetxattr(fd, kOwnerXattr, buf.data(), buf.size());
    }
  }
  if (n < 0) return 0;
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= (size_t)n; i++) {
    if (i == (size_t)n || buf[i] == '\0') {
      f.emplace_back(buf.data() + start, i - start);
      start = i + 1;
    }
  }
  if (f.size() != 5 || f[0] != kOwnerMagic) return -1;
  o.final_name = f[1];
  o.src = f[2];
  o.tag = f[3];
  o.preserve = f[4] == "1";
  return 1;
}

void clear_temp_owner(int dirfd) { fremovexattr(dirfd, kOwnerXattr); }

// ---- TempName ----

TempName& TempName::operator=(TempName&& o) noexcept {
  if (this != &o) {
    remove();
    dfd_ = o.dfd_;
    name_ = std::move(o.name_);
    is_dir_ = o.is_dir_;
    o.dfd_ = -1;
  }
  return *this;
}

void TempName::remove() {
  if (dfd_ >= 0) unlinkat(dfd_, name_.c_str(), is_dir_ ? AT_REMOVEDIR : 0);
  dfd_ = -1;
}

// ---- TempFile ----

int TempFile::open(int dfd, bool direct, const std::string& dname, mode_t mode, std::atomic<bool>& no_tmpfile) {
  dfd_ = dfd;
  if (direct) {
    // Inside a hidden 0700 tree: create with the final permission bits at once (umask applies,
    // as it should without preserve; with preserve the caller checks nothing was masked).
    fd_.reset(openat(dfd, dname.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode & 0777));
    if (!fd_) return errno;
    name_ = TempName(dfd, dname);
    direct_ = with_mode_ = true;
    return 0;
  }
  if (!no_tmpfile.load(std::memory_order_relaxed)) {
    fd_.reset(openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 0777));
    if (fd_) {
      with_mode_ = true;
      return 0;
    }
    int e = errno;
    if (e != EOPNOTSUPP && e != EISDIR && e != EINVAL) return e;
    no_tmpfile.store(true, std::memory_order_relaxed);
  }
  for (int i = 0; i < 100; i++) {
    std::string name = random_tmp_name();
    fd_.reset(openat(dfd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
    if (fd_) {
      name_ = TempName(dfd, std::move(name));
      return 0;
    }
    if (errno != EEXIST) return errno;
  }
  return EEXIST;
}

TempFile::Err TempFile::publish_new(const std::string& name, bool root) {
  const bool named = name_.armed();
  int e = named ? rename_noreplace(dfd_, name_.name().c_str(), dfd_, name.c_str(), true) : link_tmpfile(fd_.get(), dfd_, name.c_str(), root);
  if (e) return {e, named ? "rename" : "link"};
  name_.release();
  done_with_fd();
  return {};
}

TempFile::Err TempFile::publish_over(const std::string& name, bool root) {
  if (!name_.armed()) {
    // An O_TMPFILE: give it a hidden name first, then rename that over the old file.
    int e = EEXIST;
    for (int i = 0; i < 100 && e == EEXIST; i++) {
      std::string tname = random_tmp_name();
      e = link_tmpfile(fd_.get(), dfd_, tname.c_str(), root);
      if (e == 0) name_ = TempName(dfd_, std::move(tname));
    }
    if (e) return {e, "link"};
  }
  if (renameat(dfd_, name_.name().c_str(), dfd_, name.c_str()) != 0) return {errno, "rename"};
  name_.release();
  done_with_fd();
  return {};
}

void TempFile::keep() {
  name_.release();
  done_with_fd();
}

void TempFile::done_with_fd() {
  if (out_) *out_ = std::move(fd_);
  fd_.reset();
}

void TempFile::discard() {
  fd_.reset();
  name_.remove();
}

}  // namespace ferry
