// DirLister (see listing.h). Runs on a worker thread (Node-API async work): no Node-API here.
#include "listing.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "engine.h"
#include "walk.h"

namespace ferry {

namespace {

const char* type_name(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "chardev";
    case S_IFBLK: return "blockdev";
    case S_IFSOCK: return "socket";
    default: return "file";
  }
}

const char* dtype_name(unsigned char t) {
  switch (t) {
    case DT_DIR: return "dir";
    case DT_LNK: return "symlink";
    case DT_FIFO: return "fifo";
    case DT_CHR: return "chardev";
    case DT_BLK: return "blockdev";
    case DT_SOCK: return "socket";
    default: return "file";
  }
}

bool valid_utf8(const char* s, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    size_t k = utf8_seq_len(p + i, n - i);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

}  // namespace

int DirLister::open_and_count(uint64_t& count) {
  int err = 0;
  UniqueFd fd = open_dir_long(decode_path(path_), O_RDONLY, err);
  if (!fd) return err;
  // One pass of getdents64 keeps every name (NUL-ended, one after the other) and its d_type: the
  // count is exact, and the rows are stat'ed from these names without reading the folder again.
  std::vector<char> buf(256 * 1024);
  for (;;) {
    long n = syscall(SYS_getdents64, fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    for (long p = 0; p < n;) {
      auto* d = (LinuxDirent64*)(buf.data() + p);
      p += d->d_reclen;
      if (is_dot_name(d->d_name)) continue;
      names_.append(d->d_name, strlen(d->d_name) + 1);
      types_.push_back(d->d_type);
    }
  }
  names_.shrink_to_fit();
  types_.shrink_to_fit();
  fd_ = std::move(fd);
  count = types_.size();
  return 0;
}

ListedRow DirLister::examine(int dirfd, const std::string& base, const char* nm, unsigned char dtype) {
  const size_t nlen = strlen(nm);
  ListedRow r;
  r.name = escape_name(nm, nlen);
  r.path = base;
  r.path += '/';
  r.path += r.name;
  r.hidden = nm[0] == '.';
  r.type = dtype_name(dtype);
  struct statx sx;
  if (statx(dirfd, nm, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME, &sx) != 0) {
    r.error = sys_error(errno, "lstat", r.path, "");
  } else {
    r.type = type_name(sx.stx_mode);
    r.size = sx.stx_size;
    r.mtime_ms = (double)sx.stx_mtime.tv_sec * 1000.0 + (double)sx.stx_mtime.tv_nsec / 1e6;
    r.mode = sx.stx_mode;
    if (S_ISLNK(sx.stx_mode)) {
      r.link = true;
      std::vector<char> t((size_t)std::max<uint64_t>(sx.stx_size, 255) + 1);
      ssize_t k = readlinkat(dirfd, nm, t.data(), t.size());
      if (k >= 0 && (size_t)k < t.size()) {
        r.has_link_target = true;
        r.link_target = escape_name(t.data(), (size_t)k);
      }
      struct stat ts;
      if (fstatat(dirfd, nm, &ts, 0) == 0) {
        r.target_type = type_name(ts.st_mode);
        if (S_ISREG(ts.st_mode)) r.size = (uint64_t)ts.st_size;
      } else {
        const int e = errno;
        r.error = sys_error(e, "stat", r.path, "");
        r.error->message = e == ELOOP ? "broken symlink: loops" : "broken symlink: target missing";
      }
    }
  }
  // The name is kept exactly (\xNN); every request takes paths in that spelling.
  r.escaped = !valid_utf8(nm, nlen);
  return r;
}

std::vector<const char*> DirLister::take(size_t max) {
  const size_t end = std::min(types_.size(), at_ + max);
  std::vector<const char*> names;
  names.reserve(end - at_);
  for (size_t i = at_; i < end; i++) {
    names.push_back(names_.data() + pos_);
    pos_ += strlen(names_.data() + pos_) + 1;
  }
  return names;
}

template <typename F>
void DirLister::batch(size_t n, F part, bool& done) {
  if (n >= kSplitRows) {
    // statx is most of a row's cost: a big batch's second half is stat'ed on a second thread.
    JoiningThread helper([&] { part(1, n / 2, n); });
    part(0, 0, n / 2);
  } else {
    part(0, 0, n);
  }
  at_ += n;
  done = at_ >= types_.size();
  if (done) {
    fd_.reset();
    std::string().swap(names_);
    std::vector<unsigned char>().swap(types_);
  }
}

int DirLister::next(size_t max, std::string& out, bool& done) {
  const std::string base = path_ == "/" ? std::string() : path_;
  const std::vector<const char*> names = take(max);
  // Each half's rows, comma-separated.
  std::string half[2];
  batch(
      names.size(),
      [&](int h, size_t from, size_t to) {
        for (size_t k = from; k < to; k++) {
          if (k > from) half[h] += ',';
          listed_row_json(half[h], examine(fd_.get(), base, names[k], types_[at_ + k]));
        }
      },
      done);
  out += '[';
  out += half[0];
  if (!half[0].empty() && !half[1].empty()) out += ',';
  out += half[1];
  out += ']';
  return 0;
}

int DirLister::next_columns(size_t max, std::string& out, bool& done) {
  const std::string base = path_ == "/" ? std::string() : path_;
  const std::vector<const char*> names = take(max);
  ListedColumns half[2];
  batch(
      names.size(),
      [&](int h, size_t from, size_t to) {
        for (size_t k = from; k < to; k++) listed_column_row(half[h], k, examine(fd_.get(), base, names[k], types_[at_ + k]));
      },
      done);
  const ListedColumns* parts[] = {&half[0], &half[1]};
  listed_columns_json(out, parts, 2);
  return 0;
}

}  // namespace ferry
