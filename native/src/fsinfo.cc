// What the engine knows about filesystems, by statfs magic number (see ENGINE-FACTS.md).
#include <sys/vfs.h>

#include "engine.h"

namespace ferry {

namespace {
struct FsRow {
  uint64_t magic;
  const char* name;
  bool pseudo;
  bool reflink;
  bool cfr_cross;
};
// pseudo: st_size lies (0 on procfs, 4096 on sysfs): never trust it, read until EOF.
// reflink: FICLONE can share extents within one superblock (XFS only when made with reflink=1).
// cfr_cross: copy_file_range works between two superblocks of this type (since Linux 5.19 only these).
constexpr FsRow kRows[] = {
    {0x9fa0, "procfs", true, false, false},
    {0x62656572, "sysfs", true, false, false},
    {0x74726163, "tracefs", true, false, false},
    {0x64626720, "debugfs", true, false, false},
    {0x73636673, "securityfs", true, false, false},
    {0x27e0eb, "cgroup", true, false, false},
    {0x63677270, "cgroup2", true, false, false},
    {0x62656570, "configfs", true, false, false},
    {0x6165676C, "pstore", true, false, false},
    {0xde5e81e4, "efivarfs", true, false, false},
    {0xcafe4a11, "bpf", true, false, false},
    {0xf97cff8c, "selinuxfs", true, false, false},
    {0x43415d53, "smackfs", true, false, false},
    {0x9123683E, "btrfs", false, true, false},
    {0x58465342, "xfs", false, true, false},
    {0xca451a4e, "bcachefs", false, true, false},
    {0x2fc12fc1, "zfs", false, true, false},
    {0x794c7630, "overlayfs", false, true, true},
    {0x65735546, "fuse", false, false, true},
    {0x6969, "nfs", false, true, true},
    {0x00c36400, "ceph", false, false, true},
    {0xFF534D42, "cifs", false, true, true},
    {0xFE534D42, "smb2", false, true, true},
    {0x7461636f, "ocfs2", false, true, false},
    {0x01021994, "tmpfs", false, false, false},
    {0xEF53, "ext4", false, false, false},
    {0xF2F52010, "f2fs", false, false, false},
    {0x4d44, "vfat", false, false, false},
    {0x2011BAB0, "exfat", false, false, false},
    {0x5346544e, "ntfs", false, false, false},
    {0x73717368, "squashfs", false, false, false},
    {0x858458f6, "ramfs", false, false, false},
    {0x1373, "devfs", false, false, false},
};
}  // namespace

FsKind fs_kind_of_magic(uint64_t magic) {
  FsKind k;
  k.magic = magic;
  for (const auto& r : kRows) {
    if (r.magic == magic) {
      k.name = r.name;
      k.pseudo = r.pseudo;
      k.reflink_capable = r.reflink;
      k.cfr_cross_fs = r.cfr_cross;
      break;
    }
  }
  return k;
}

FsKind fs_kind_of_fd(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) return FsKind{};
  return fs_kind_of_magic((uint64_t)(uint32_t)sf.f_type);
}

}  // namespace ferry
