// What the engine knows about filesystems: one table, by statfs magic number (fsinfo.cc), and
// the facts the planner compares between a source and a destination. Any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "engine.h"

namespace ferry {

// One row of the table. Rows are written with designated initializers, so a new field (name rules,
// case folding, largest file…) only needs a default here and a value in the rows it concerns.
struct FsKind {
  uint64_t magic = 0;
  const char* name = "unknown";
  // st_size cannot be trusted (0 on procfs, 4096 on sysfs): never trust it, read until EOF.
  bool pseudo = false;
  // FICLONE can share extents within one filesystem (XFS only when made with reflink=1).
  bool reflink = false;
  // copy_file_range works between two filesystems of this type (since Linux 5.19 only these).
  bool cfr_cross_fs = false;
  bool known = false;  // false: the magic is not in the table
};
FsKind fs_kind_of_magic(uint64_t magic);
// Does an st_size of 0 mean empty? On the table's own filesystems, yes; a filesystem the table
// does not know, or FUSE (whose daemon may serve anything, /proc included), may report 0 for a
// file with data: such an empty file is read until EOF.
inline bool empty_size_trusted(const FsKind& k) { return k.known && !k.pseudo && k.magic != 0x65735546; }
FsKind fs_kind_of_fd(int fd);

// A file's or folder's filesystem as the planner compares two of them.
struct FsSide {
  dev_t dev = 0;
  FsKind fs;
  // btrfs subvolumes have their own st_dev but share one filesystem (FICLONE works between them):
  // BTRFS_IOC_FS_INFO names the filesystem.
  bool has_fsid = false;
  unsigned char fsid[16] = {0};
};
// `fd` may be an O_PATH descriptor.
FsSide fs_side_of_fd(int fd);
// One filesystem: the same device, or two subvolumes of one btrfs (then *other_subvol is set).
bool one_filesystem(const FsSide& a, const FsSide& b, bool* other_subvol = nullptr);

// Does FICLONE work in this folder's filesystem? 1 yes, 0 no (*why: its errno), -1 cannot test
// (e.g. read-only). Tried on two O_TMPFILEs; the answer is cached per device for a few seconds
// (a device number can later be reused by another mount, hence the short life).
int probe_reflink(int dirfd, dev_t dev, int* why);

// The table row of the filesystem holding `path` and its mount (from /proc/self/mountinfo).
struct FsInfo {
  FsKind kind;
  std::string type;         // the row's name; for a magic not in the table, the mount's type
  // FUSE: the daemon's subtype ("sshfs", "exfat", "ntfs-3g", "bindfs"): mountinfo's "fuse.X", else
  // the program whose command line names the mount point; "" otherwise.
  std::string subtype;
  std::string mount_type;   // as mountinfo says: "ext4", "fuse.bindfs", "fuseblk", "proc"…
  std::string mount_point;  // "" when mountinfo has no entry for the device
  std::string source;       // the mounted device or the daemon's name
  bool read_only = false;   // mounted read-only
  uint64_t total_bytes = 0, free_bytes = 0, avail_bytes = 0;
};
// Returns false and fills err when `path` cannot be examined (statfs on the path, following symlinks).
bool fs_info(const std::string& path, FsInfo& out, WireErr& err);

}  // namespace ferry
