// The one filesystem table (see ENGINE-FACTS.md), the facts the planner compares, the reflink
// probe, and the mount a path is on.
#include "fsinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <vector>

#include "fd.h"

namespace ferry {

namespace {

constexpr FsKind kTable[] = {
    // st_size lies: procfs and friends.
    {.magic = 0x9fa0, .name = "procfs", .pseudo = true},
    {.magic = 0x62656572, .name = "sysfs", .pseudo = true},
    {.magic = 0x74726163, .name = "tracefs", .pseudo = true},
    {.magic = 0x64626720, .name = "debugfs", .pseudo = true},
    {.magic = 0x73636673, .name = "securityfs", .pseudo = true},
    {.magic = 0x27e0eb, .name = "cgroup", .pseudo = true},
    {.magic = 0x63677270, .name = "cgroup2", .pseudo = true},
    {.magic = 0x62656570, .name = "configfs", .pseudo = true},
    {.magic = 0x6165676C, .name = "pstore", .pseudo = true},
    {.magic = 0xde5e81e4, .name = "efivarfs", .pseudo = true},
    {.magic = 0xcafe4a11, .name = "bpf", .pseudo = true},
    {.magic = 0xf97cff8c, .name = "selinuxfs", .pseudo = true},
    {.magic = 0x43415d53, .name = "smackfs", .pseudo = true},
    // Extents can be shared (FICLONE) within one filesystem.
    {.magic = 0x9123683E, .name = "btrfs", .reflink = true},
    {.magic = 0x58465342, .name = "xfs", .reflink = true},
    {.magic = 0xca451a4e, .name = "bcachefs", .reflink = true},
    {.magic = 0x2fc12fc1, .name = "zfs", .reflink = true},
    {.magic = 0x7461636f, .name = "ocfs2", .reflink = true},
    // copy_file_range works between two mounts of these types (and FICLONE on some).
    {.magic = 0x794c7630, .name = "overlayfs", .reflink = true, .cfr_cross_fs = true},
    {.magic = 0x65735546, .name = "fuse", .cfr_cross_fs = true},
    {.magic = 0x6969, .name = "nfs", .reflink = true, .cfr_cross_fs = true},
    {.magic = 0x00c36400, .name = "ceph", .cfr_cross_fs = true},
    {.magic = 0xFF534D42, .name = "cifs", .reflink = true, .cfr_cross_fs = true},
    {.magic = 0xFE534D42, .name = "smb2", .reflink = true, .cfr_cross_fs = true},
    // The rest.
    {.magic = 0x01021994, .name = "tmpfs"},
    {.magic = 0xEF53, .name = "ext4"},
    {.magic = 0xF2F52010, .name = "f2fs"},
    {.magic = 0x4d44, .name = "vfat"},
    {.magic = 0x2011BAB0, .name = "exfat"},
    {.magic = 0x5346544e, .name = "ntfs"},
    {.magic = 0x7366746e, .name = "ntfs3"},
    {.magic = 0x9660, .name = "iso9660"},
    {.magic = 0x73717368, .name = "squashfs"},
    {.magic = 0x858458f6, .name = "ramfs"},
    {.magic = 0x1373, .name = "devfs"},
    {.magic = 0x1cd1, .name = "devpts"},
    {.magic = 0x6e736673, .name = "nsfs"},
};

constexpr uint64_t kBtrfsMagic = 0x9123683E;

bool btrfs_fsid(int fd, unsigned char out[16]) {
  // BTRFS_IOC_FS_INFO needs a readable descriptor; `fd` may be O_PATH: reopen it.
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  UniqueFd r(open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!r) return false;
  struct btrfs_ioctl_fs_info_args args;
  memset(&args, 0, sizeof args);
  if (ioctl(r.get(), BTRFS_IOC_FS_INFO, &args) != 0) return false;
  memcpy(out, args.fsid, 16);
  return true;
}

int probe_reflink_uncached(int dirfd, int* why) {
  UniqueFd a(openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!a) return -1;
  UniqueFd b(openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!b) return -1;
  if (ioctl(b.get(), FICLONE, a.get()) == 0) return 1;
  if (why) *why = errno;
  return 0;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out += (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool under(const std::string& path, const std::string& mnt) {
  if (mnt == "/") return true;
  return path.compare(0, mnt.size(), mnt) == 0 && (path.size() == mnt.size() || path[mnt.size()] == '/');
}

// The mount a descriptor is on (statx STATX_MNT_ID, Linux ≥ 5.8): mountinfo's first field. 0 when
// unknown. Read from the kernel's struct statx (stx_mnt_id at offset 0x90), which glibc's lacks.
uint64_t mount_id(int fd) {
  alignas(8) unsigned char buf[256] = {0};
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x1000 /* STATX_MNT_ID */, buf) != 0) return 0;
  uint32_t mask;
  uint64_t id;
  memcpy(&mask, buf, sizeof mask);
  memcpy(&id, buf + 0x90, sizeof id);
  return (mask & 0x1000) ? id : 0;
}

// A FUSE mount whose type carries no subtype ("fuse", "fuseblk"): the program serving it, as the
// process whose command line names the mount point ("bindfs -o … SRC /mnt" → "bindfs",
// "mount.exfat-fuse DEV /mnt" → "exfat-fuse"). "" when none does.
std::string fuse_daemon(const std::string& mount_point) {
  DIR* d = opendir("/proc");
  if (!d) return "";
  std::string found;
  std::vector<char> buf(65536);
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    const std::string proc = std::string("/proc/") + e->d_name;
    UniqueFd fd(open((proc + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    ssize_t n = read(fd.get(), buf.data(), buf.size() - 1);
    if (n <= 0) continue;
    buf[(size_t)n] = 0;
    std::vector<std::string> args;
    for (ssize_t i = 0; i < n; i += (ssize_t)args.back().size() + 1) args.emplace_back(buf.data() + i);
    char cwd[4096];
    ssize_t cl = readlink((proc + "/cwd").c_str(), cwd, sizeof cwd - 1);
    std::string base = cl > 0 ? std::string(cwd, (size_t)cl) : "";
    for (size_t i = 1; i < args.size() && found.empty(); i++) {
      std::string a = args[i];
      if (!a.empty() && a[0] != '/' && !base.empty()) a = join_path(base, a);
      while (a.size() > 1 && a.back() == '/') a.pop_back();
      if (a != mount_point) continue;
      found = args[0].substr(args[0].rfind('/') == std::string::npos ? 0 : args[0].rfind('/') + 1);
      if (found.rfind("mount.", 0) == 0) found = found.substr(6);
    }
    if (!found.empty()) break;
  }
  closedir(d);
  return found;
}

// The mountinfo line of the mount `fd` is on: by mount ID where the kernel gives it, else by
// device (then, for a device mounted more than once, the mount point that is the longest prefix
// of `path`).
void read_mount(int fd, dev_t dev, const std::string& path, FsInfo& out) {
  FILE* f = fopen("/proc/self/mountinfo", "re");
  if (!f) return;
  const uint64_t id = mount_id(fd);
  char* line = nullptr;
  size_t cap = 0;
  size_t best = 0;
  bool found = false;
  while (getline(&line, &cap, f) > 0) {
    unsigned long long mid = 0;
    unsigned maj = 0, min = 0;
    char root[4096], mnt[4096], opts[1024];
    if (sscanf(line, "%llu %*u %u:%u %4095s %4095s %1023s", &mid, &maj, &min, root, mnt, opts) != 6) continue;
    if (id ? mid != id : makedev(maj, min) != dev) continue;
    const char* sep = strstr(line, " - ");
    if (!sep) continue;
    char type[256] = "", source[4096] = "", super[1024] = "";
    if (sscanf(sep + 3, "%255s %4095s %1023s", type, source, super) < 1) continue;
    std::string point = unescape_mount(mnt);
    size_t score = under(path, point) ? point.size() + 1 : 0;
    if (found && score <= best) continue;
    found = true;
    best = score;
    out.mount_point = point;
    out.mount_type = type;
    out.source = unescape_mount(source);
    std::string o = std::string(",") + opts + ",";
    out.read_only = o.find(",ro,") != std::string::npos;
  }
  free(line);
  fclose(f);
  // "fuse.sshfs", "fuseblk.exfat": the part after the dot is the daemon's subtype.
  if (out.mount_type.rfind("fuse", 0) == 0) {
    const size_t dot = out.mount_type.find('.');
    out.subtype = dot != std::string::npos ? out.mount_type.substr(dot + 1) : fuse_daemon(out.mount_point);
  }
}

}  // namespace

FsKind fs_kind_of_magic(uint64_t magic) {
  for (const auto& r : kTable)
    if (r.magic == magic) {
      FsKind k = r;
      k.known = true;
      return k;
    }
  FsKind k;
  k.magic = magic;
  return k;
}

FsKind fs_kind_of_fd(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) return FsKind{};
  return fs_kind_of_magic((uint64_t)(uint32_t)sf.f_type);
}

FsSide fs_side_of_fd(int fd) {
  FsSide s;
  struct stat st;
  if (fstat(fd, &st) == 0) s.dev = st.st_dev;
  s.fs = fs_kind_of_fd(fd);
  if (s.fs.magic == kBtrfsMagic) s.has_fsid = btrfs_fsid(fd, s.fsid);
  return s;
}

bool one_filesystem(const FsSide& a, const FsSide& b, bool* other_subvol) {
  if (other_subvol) *other_subvol = false;
  if (a.dev == b.dev) return true;
  if (a.has_fsid && b.has_fsid && memcmp(a.fsid, b.fsid, 16) == 0) {
    if (other_subvol) *other_subvol = true;
    return true;
  }
  return false;
}

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

bool fs_info(const std::string& path, FsInfo& out, WireErr& err) {
  std::string name;
  int e = 0;
  UniqueFd parent = open_parent(path, name, e);
  if (!parent) {
    err = sys_error(e, "statfs", path, "");
    return false;
  }
  UniqueFd fd(openat(parent.get(), name.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    err = sys_error(errno, "statfs", path, "");
    return false;
  }
  struct statfs sf;
  struct stat st;
  if (fstatfs(fd.get(), &sf) != 0 || fstat(fd.get(), &st) != 0) {
    err = sys_error(errno, "statfs", path, "");
    return false;
  }
  out.kind = fs_kind_of_magic((uint64_t)(uint32_t)sf.f_type);
  const uint64_t frsize = sf.f_frsize ? (uint64_t)sf.f_frsize : (uint64_t)sf.f_bsize;
  out.total_bytes = (uint64_t)sf.f_blocks * frsize;
  out.free_bytes = (uint64_t)sf.f_bfree * frsize;
  out.avail_bytes = (uint64_t)sf.f_bavail * frsize;
  read_mount(fd.get(), st.st_dev, path, out);
  if (sf.f_flags & ST_RDONLY) out.read_only = true;
  if (out.kind.known) {
    out.type = out.kind.name;
  } else if (!out.mount_type.empty()) {
    out.type = out.mount_type;
  } else {
    char hex[32];
    snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)out.kind.magic);
    out.type = hex;
  }
  return true;
}

}  // namespace ferry
