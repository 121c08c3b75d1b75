// What the engine knows about filesystems: one table, by statfs magic number (fsinfo.cc), and
// the facts the planner compares between a source and a destination. Any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "engine.h"

namespace ferry {

// Name rules of Windows (FAT, exFAT, NTFS): what a name can break (Holds::refuses, NameFault).
enum NameRule : uint8_t {
  kNameChars = 1,     // one of " * : < > ? \ | or a control character (0x01-0x1F)
  kNameTrailing = 2,  // ends with '.' or ' '
  kNameReserved = 4,  // a device name: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with an extension)
  kNameEncoding = 8,  // not UTF-8 (these filesystems store names in UTF-16)
};

// What a filesystem can hold. The defaults are a Linux filesystem's; the rows of FAT, exFAT and
// NTFS say what they lack, and probe_holds() corrects a row per mount where its driver or mount
// options decide (ntfs-3g's windows_names, lowntfs-3g's ignore_case, exfat-fuse's 1 s clock).
struct Holds {
  bool win_names = false;  // Windows' naming rules apply: names Windows cannot use are reported
  uint8_t refuses = 0;     // the NameRules the driver refuses; the others it stores, but Windows cannot open them
  bool fold_case = false;  // names that differ only in case are one name
  bool symlinks = true, specials = true, hardlinks = true;
  bool modes = true, owners = true, xattrs = true;
  bool holes = true;       // sparse files stay sparse
  uint64_t max_file = 0;   // largest file in bytes; 0: no limit worth checking
  uint32_t time_ns = 1;    // granularity of file times
  bool probed = false;     // probe_holds() looked at this mount
};

// One row of the table. Rows are written with designated initializers, so a new field only needs
// a default here and a value in the rows it concerns.
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
  // Filesystems whose limits Ferry reports: the name people know them by ("exFAT", "NTFS",
  // "FAT32"), what they hold, and whether a probe in the destination may say more than the row.
  const char* label = nullptr;
  Holds holds{};
  bool probe = false;
  uint32_t cluster = 0;  // allocation unit in bytes (0: unknown, statvfs's block size)
  // Renaming a folder keeps what is in it (fusefat loses it). Where not, a new tree is not built
  // under a hidden name and renamed into place: its entries are made under their own names.
  bool renames_dirs = true;
  // syncfs(2) commits every name made before it and answers a commit that failed (a transaction or
  // log commit; a filesystem in error is read-only or shut down): a move's batch needs no fsync of
  // its folders after it. Not ext4, whose journal once aborted lets syncfs answer 0.
  bool syncfs_commits_names = false;
};
FsKind fs_kind_of_magic(uint64_t magic);
// Does an st_size of 0 mean empty? On the table's own filesystems, yes; a filesystem the table
// does not know, or FUSE (whose daemon may serve anything, /proc included), may report 0 for a
// file with data: such an empty file is read until EOF.
inline bool empty_size_trusted(const FsKind& k) { return k.known && !k.pseudo && k.magic != 0x65735546; }
// The row of the filesystem `fd` is on. A FUSE mount gets the row of its driver: from the mount's
// subtype, else the format in its device's boot sector (exFAT, NTFS, FAT), else the daemon's name
// (cached per device for a few seconds).
FsKind fs_kind_of_fd(int fd);
// The same for a destination folder, with what probe_holds() found there.
FsKind dest_kind_of_fd(int dirfd);
// "exFAT" for the rows that have a label, else the engine's name.
inline const char* fs_label(const FsKind& k) { return k.label ? k.label : k.name; }
// Does this destination lack something a Linux filesystem holds?
bool is_foreign(const FsKind& k);

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
// A destination folder's side: its row with what probe_holds() found there.
FsSide dest_side_of_fd(int fd);
// One filesystem: the same device, or two subvolumes of one btrfs (then *other_subvol is set).
bool one_filesystem(const FsSide& a, const FsSide& b, bool* other_subvol = nullptr);

// What the destination folder `dirfd` (of a row with `probe`) really holds: a hidden
// `.ferry-<hex>.tmp` file is made there and asked (a name with ':', a trailing '.', a name that is
// not UTF-8, the same name in upper case, a symlink, a FIFO, a hard link, a mode, an owner, an
// xattr, a hole, a time with nanoseconds) and everything made is removed. Where nothing can be
// made (read-only, no permission) the row's facts stand. Cached per device for a few seconds.
Holds probe_holds(int dirfd, dev_t dev, const FsKind& row);

// Does FICLONE work in this folder's filesystem? 1 yes, 0 no (*why: its errno), -1 cannot test
// (e.g. read-only). Tried on two O_TMPFILEs; the answer is cached per device for a few seconds
// (a device number can later be reused by another mount, hence the short life).
int probe_reflink(int dirfd, dev_t dev, int* why);

// The table row of the filesystem holding `path` and its mount (from /proc/self/mountinfo).
struct FsInfo {
  FsKind kind;  // the row (a FUSE mount's is its driver's: fs_kind_of_fd); not probed
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
