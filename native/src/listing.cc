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

bool DirLister::fill() {
  if (eof_) return false;
  for (;;) {
    long n = syscall(SYS_getdents64, fd_.get(), buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err_ = errno;
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    pos_ = 0;
    len_ = n;
    return true;
  }
}

int DirLister::open_and_count(uint64_t& count) {
  int err = 0;
  fd_ = open_dir_long(decode_path(path_), O_RDONLY, err);
  if (!fd_) return err;
  buf_.resize(256 * 1024);
  count = 0;
  while (fill()) {
    for (long p = 0; p < len_;) {
      auto* d = (LinuxDirent64*)(buf_.data() + p);
      p += d->d_reclen;
      if (!is_dot_name(d->d_name)) count++;
    }
  }
  if (err_) return err_;
  // Read again from the start for the rows.
  lseek(fd_.get(), 0, SEEK_SET);
  eof_ = false;
  pos_ = len_ = 0;
  return 0;
}

int DirLister::next(size_t max, std::string& out, bool& done) {
  out += '[';
  size_t n = 0;
  const std::string base = path_ == "/" ? std::string() : path_;
  while (n < max) {
    if (pos_ >= len_ && !fill()) break;
    auto* d = (LinuxDirent64*)(buf_.data() + pos_);
    pos_ += d->d_reclen;
    const char* nm = d->d_name;
    if (is_dot_name(nm)) continue;
    ListedRow r;
    const size_t nlen = strlen(nm);
    r.name = escape_name(nm, nlen);
    r.path = base + "/" + r.name;
    r.hidden = nm[0] == '.';
    r.type = dtype_name(d->d_type);
    struct statx sx;
    if (statx(fd_.get(), nm, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME, &sx) != 0) {
      r.error = sys_error(errno, "lstat", r.path, "");
    } else {
      r.type = type_name(sx.stx_mode);
      r.size = sx.stx_size;
      r.mtime_ms = (double)sx.stx_mtime.tv_sec * 1000.0 + (double)sx.stx_mtime.tv_nsec / 1e6;
      r.mode = sx.stx_mode;
      if (S_ISLNK(sx.stx_mode)) {
        r.link = true;
        std::vector<char> t((size_t)std::max<uint64_t>(sx.stx_size, 255) + 1);
        ssize_t k = readlinkat(fd_.get(), nm, t.data(), t.size());
        if (k >= 0 && (size_t)k < t.size()) {
          r.has_link_target = true;
          r.link_target = escape_name(t.data(), (size_t)k);
        }
        struct stat ts;
        if (fstatat(fd_.get(), nm, &ts, 0) == 0) {
          r.target_type = type_name(ts.st_mode);
          if (S_ISREG(ts.st_mode)) r.size = (uint64_t)ts.st_size;
        } else {
          const int e = errno;
          r.error = sys_error(e, "stat", r.path, "");
          r.error->message = e == ELOOP ? "broken symlink: loops" : "broken symlink: target missing";
        }
      }
    }
    if (!valid_utf8(nm, nlen)) {
      // The name is kept exactly (\xNN), but other requests take UTF-8 paths: say so on the row.
      r.error = WireErr{};
      r.error->code = "EILSEQ";
      r.error->message = "name is not valid UTF-8: its other bytes are shown as \\xNN; copy its folder to move it";
    }
    if (n) out += ',';
    listed_row_json(out, r);
    n++;
  }
  out += ']';
  done = pos_ >= len_ && eof_;
  if (done) fd_.reset();
  return done ? err_ : 0;
}

}  // namespace ferry
