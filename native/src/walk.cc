// Directory listing for walk_tree (walk.h).
#include "walk.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace ferry {

int list_dir(int fd, std::vector<Dirent>& out) {
  static thread_local std::vector<char> buf(256 * 1024);
  lseek(fd, 0, SEEK_SET);
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    long pos = 0;
    while (pos < n) {
      auto* d = (LinuxDirent64*)(buf.data() + pos);
      pos += d->d_reclen;
      const char* nm = d->d_name;
      if (is_dot_name(nm)) continue;
      out.push_back({nm, d->d_type, false, d->d_ino});
    }
  }
}

unsigned char dtype_of(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFIFO: return DT_FIFO;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFSOCK: return DT_SOCK;
  }
  return DT_UNKNOWN;
}

}  // namespace ferry
