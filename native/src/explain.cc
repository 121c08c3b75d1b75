// explain(): predicts, without copying, which method the engine will use for one pair and why.
// Runs on the JS thread (a handful of syscalls). Mirrors copy.cc's chain:
//   pseudo source → buffered; same superblock + reflink → reflink; same superblock → copy_file_range;
//   different superblocks → copy_file_range only between two mounts of a type that implements it
//   (NFS, CIFS, Ceph, FUSE, overlayfs), else EXDEV and splice; empty files end in buffered (a
//   kernel copy that moves 0 bytes cannot tell "empty" from "size lied", so read() confirms EOF).
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "engine.h"

namespace ferry {

namespace {

// 1: FICLONE works in this folder's filesystem, 0: it does not, -1: could not test.
// Answers are cached per device for a few seconds (explain() may be asked about 100k sources at
// once; a device number can later be reused by another mount, hence the short life).
int probe_reflink_uncached(int dirfd, int* why);
int probe_reflink(int dirfd, dev_t dev, int* why) {
  static std::mutex mu;
  struct Entry {
    int r, why;
    uint64_t at;
  };
  static std::map<dev_t, Entry> cache;
  const uint64_t now = now_ns();
  {
    std::lock_guard<std::mutex> lk(mu);
    auto it = cache.find(dev);
    if (it != cache.end() && now - it->second.at < 3000000000ull) {
      if (why) *why = it->second.why;
      return it->second.r;
    }
  }
  int w = 0;
  int r = probe_reflink_uncached(dirfd, &w);
  if (why) *why = w;
  if (r >= 0) {
    std::lock_guard<std::mutex> lk(mu);
    if (cache.size() > 256) cache.clear();
    cache[dev] = {r, w, now};
  }
  return r;
}

int probe_reflink_uncached(int dirfd, int* why) {
  int a = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (a < 0) return -1;
  int b = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (b < 0) {
    close(a);
    return -1;
  }
  int r = ioctl(b, FICLONE, a) == 0 ? 1 : 0;
  if (!r && why) *why = errno;
  close(a);
  close(b);
  return r;
}

// btrfs subvolumes have their own st_dev but share one filesystem (FICLONE works between them):
// BTRFS_IOC_FS_INFO names the filesystem. `fd` may be an O_PATH descriptor (reopened for the ioctl).
bool btrfs_fsid(int fd, unsigned char out[16]) {
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int r = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (r < 0) return false;
  struct btrfs_ioctl_fs_info_args args;
  memset(&args, 0, sizeof args);
  bool ok = ioctl(r, BTRFS_IOC_FS_INFO, &args) == 0;
  close(r);
  if (ok) memcpy(out, args.fsid, 16);
  return ok;
}

constexpr uint64_t BTRFS_MAGIC_NUMBER = 0x9123683EULL;

std::string type_phrase(EntryType t) {
  switch (t) {
    case EntryType::Symlink: return "symlink: recreated with symlinkat (its target is not followed)";
    case EntryType::Fifo: return "FIFO: recreated with mknodat, never opened or read";
    case EntryType::CharDev: return "character device: recreated with mknodat, never opened or read";
    case EntryType::BlockDev: return "block device: recreated with mknodat, never opened or read";
    case EntryType::Socket: return "socket: recreated with mknodat(S_IFSOCK)";
    default: return "";
  }
}

}  // namespace

bool explain_pair(const std::string& src, const std::string& dest, int forced, Explanation& out, WireErr& werr) {
  out.src = src;
  out.dest = dest;
  std::string sname, dname;
  int err = 0;
  int spfd = open_parent(src, sname, err);
  if (spfd < 0) {
    werr = sys_error(err, "open", src, dest);
    return false;
  }
  struct stat st;
  if (fstatat(spfd, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    werr = sys_error(errno, "lstat", src, dest);
    close(spfd);
    return false;
  }
  out.type = entry_type_of(st.st_mode);
  FsKind sfs;
  unsigned char sfsid[16] = {0};
  bool have_sfsid = false;
  {
    int fd = openat(spfd, sname.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    sfs = fs_kind_of_fd(fd >= 0 ? fd : spfd);
    if (sfs.magic == BTRFS_MAGIC_NUMBER) have_sfsid = btrfs_fsid(fd >= 0 ? fd : spfd, sfsid);
    if (fd >= 0) close(fd);
  }
  close(spfd);

  // The destination folder: dest itself when it is an existing folder and src is not one, else its parent.
  int dfd = -1;
  {
    struct stat ds;
    int e2 = 0;
    int pfd = open_parent(dest, dname, e2);
    // A destination inside a folder that does not exist yet (a file deep in a new tree): the
    // nearest existing ancestor is on the filesystem the copy will land on.
    for (std::string up = dest; pfd < 0 && e2 == ENOENT;) {
      const size_t k = up.find_last_of('/');
      if (k == std::string::npos || k == 0) break;
      up.resize(k);
      std::string ignored;
      e2 = 0;
      pfd = open_parent(up, ignored, e2);
    }
    if (pfd >= 0 && !S_ISDIR(st.st_mode) && fstatat(pfd, dname.c_str(), &ds, 0) == 0 && S_ISDIR(ds.st_mode)) {
      dfd = openat(pfd, dname.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (dfd < 0) dfd = pfd;
    else if (pfd >= 0) close(pfd);
    if (dfd < 0) {
      werr = sys_error(e2 ? e2 : ENOENT, "open", src, dest);
      return false;
    }
  }
  struct stat dst;
  fstat(dfd, &dst);
  FsKind dfs = fs_kind_of_fd(dfd);

  if (out.type != EntryType::File && out.type != EntryType::Dir) {
    out.method = -1;
    out.reason = type_phrase(out.type);
    close(dfd);
    return true;
  }

  const std::vector<Method> full = {Method::Reflink, Method::CopyFileRange, Method::Splice, Method::Buffered};
  bool same_sb = st.st_dev == dst.st_dev;
  bool other_subvol = false;
  if (!same_sb && have_sfsid && dfs.magic == BTRFS_MAGIC_NUMBER) {
    unsigned char dfsid[16];
    other_subvol = btrfs_fsid(dfd, dfsid) && memcmp(sfsid, dfsid, 16) == 0;
    same_sb = other_subvol;
  }
  std::string pair = std::string(sfs.name) + " → " + dfs.name;
  int method = -1;
  std::string reason;
  std::vector<Method> chain = full;

  if (sfs.pseudo) {
    method = (int)Method::Buffered;
    chain = {Method::Buffered};
    reason = std::string("source is on ") + sfs.name + ": size cannot be trusted, buffered read until EOF";
  } else if (same_sb) {
    int why = 0;
    int probe = sfs.reflink_capable ? probe_reflink(dfd, dst.st_dev, &why) : 0;
    if (probe == 1 || (probe == -1 && sfs.reflink_capable)) {
      method = (int)Method::Reflink;
      reason = std::string("same ") + sfs.name + " filesystem" + (other_subvol ? " (another subvolume)" : "") +
               ": reflink shares extents (no data is copied)";
      if (probe == -1) reason += " (if the filesystem has reflink enabled)";
    } else {
      method = (int)Method::CopyFileRange;
      if (sfs.reflink_capable)
        reason = std::string("same ") + sfs.name + " filesystem without reflink (FICLONE answers " + errno_name(why ? why : EOPNOTSUPP) +
                 "): copy_file_range copies inside the kernel";
      else
        reason = std::string("same ") + sfs.name + " filesystem, which has no reflink (FICLONE answers EOPNOTSUPP): copy_file_range copies inside the kernel";
    }
  } else {
    if (sfs.magic == dfs.magic && sfs.cfr_cross_fs) {
      method = (int)Method::CopyFileRange;
      reason = std::string("different ") + sfs.name + " mounts: " + sfs.name + " implements copy_file_range across them";
    } else {
      method = (int)Method::Splice;
      reason = "different filesystems (" + pair + "): copy_file_range answers EXDEV since Linux 5.19, so splice (file → pipe → file, no copy to user space)";
    }
  }
  if (out.type == EntryType::File && st.st_size == 0 && !sfs.pseudo &&
      (method == (int)Method::CopyFileRange || method == (int)Method::Splice)) {
    method = (int)Method::Buffered;
    reason = "empty file: a kernel copy of 0 bytes cannot tell empty from a size that lies, so read() confirms EOF (" + reason + ")";
  }
  if (out.type == EntryType::File && !sfs.pseudo && st.st_size > 0 && (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size &&
      method != (int)Method::Reflink) {
    // Same probe as copy.cc: does the filesystem say where the holes are?
    bool hole = true;
    int fd = open_parent(src, sname, err);
    int in = fd >= 0 ? openat(fd, sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
    if (fd >= 0) close(fd);
    if (in >= 0) {
      off_t d = lseek(in, 0, SEEK_DATA);
      if (d < 0) hole = errno == ENXIO;
      else if (d > 0) hole = true;
      else {
        off_t h = lseek(in, 0, SEEK_HOLE);
        hole = h >= 0 && h < st.st_size;
      }
      close(in);
    }
    if (hole) {
      reason += "; sparse: only data extents are copied (SEEK_DATA/SEEK_HOLE), holes stay holes";
    } else {
      method = (int)Method::Buffered;
      reason += "; sparse by st_blocks but SEEK_HOLE finds no hole (" + std::string(sfs.name) +
                "): buffered, zero blocks left as holes";
    }
  }

  if (forced >= 0) {
    Method f = (Method)forced;
    chain = {f};
    bool possible = true;
    std::string why;
    if (sfs.pseudo && f != Method::Buffered) {
      possible = false;
      why = std::string("source is on ") + sfs.name + ", its size cannot be trusted";
    } else if (f == Method::Reflink && method != (int)Method::Reflink) {
      possible = false;
      why = same_sb ? std::string(sfs.name) + " has no reflink (EOPNOTSUPP)" : "different filesystems (" + pair + "): FICLONE answers EXDEV";
    } else if (f == Method::CopyFileRange && !same_sb && !(sfs.magic == dfs.magic && sfs.cfr_cross_fs)) {
      possible = false;
      why = "different filesystems (" + pair + "): copy_file_range answers EXDEV";
    }
    if (possible) {
      method = forced;
      reason = std::string("forced: ") + method_name(f) + " (" + reason + ")";
    } else {
      method = -1;
      reason = std::string(method_name(f)) + " not possible: " + why;
    }
  }
  if (out.type == EntryType::Dir) reason = "folder: created with mkdirat, each file in it: " + reason;
  out.method = method;
  out.chain = chain;
  out.reason = reason;
  close(dfd);
  return true;
}

}  // namespace ferry
