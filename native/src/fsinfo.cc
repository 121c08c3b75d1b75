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
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "fd.h"
#include "tempfile.h"

namespace ferry {

namespace {

// What FAT, exFAT and NTFS hold (see Holds). The probe corrects these per mount.
// FAT32: long names in UTF-16, no Unix metadata, files below 4 GiB, a 2-second clock.
constexpr Holds kFatHolds{.win_names = true, .refuses = kNameChars | kNameEncoding, .fold_case = true, .symlinks = false,
                          .specials = false, .hardlinks = false, .modes = false, .owners = false, .xattrs = false, .holes = false,
                          .max_file = 0xFFFFFFFFull, .time_ns = 2000000000u};
// exFAT: like FAT without the 4 GiB limit, times to 10 ms (exfat-fuse 1.3 keeps whole seconds).
constexpr Holds kExfatHolds{.win_names = true, .refuses = kNameChars | kNameEncoding, .fold_case = true, .symlinks = false,
                            .specials = false, .hardlinks = false, .modes = false, .owners = false, .xattrs = false, .holes = false,
                            .max_file = 0, .time_ns = 10000000u};
// NTFS (ntfs-3g, ntfs3): Linux names are stored in the POSIX namespace (Windows cannot open
// those it forbids unless the mount refuses them: windows_names), links, special files, hard
// links, holes and xattrs are kept; Unix modes and owners only with a user mapping; times to 100 ns.
constexpr Holds kNtfsHolds{.win_names = true, .refuses = kNameEncoding, .fold_case = false, .modes = false, .owners = false, .time_ns = 100u};

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
    {.magic = 0x9123683E, .name = "btrfs", .reflink = true, .syncfs_commits_names = true},
    {.magic = 0x58465342, .name = "xfs", .reflink = true, .syncfs_commits_names = true},
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
    // Foreign filesystems: USB sticks and disks shared with Windows and cameras.
    {.magic = 0x4d44, .name = "vfat", .label = "FAT32", .holds = kFatHolds, .probe = true},
    {.magic = 0x2011BAB0, .name = "exfat", .label = "exFAT", .holds = kExfatHolds, .probe = true},
    {.magic = 0x5346544e, .name = "ntfs", .label = "NTFS", .holds = kNtfsHolds, .probe = true},
    {.magic = 0x7366746e, .name = "ntfs3", .label = "NTFS", .holds = kNtfsHolds, .probe = true},
    // The rest.
    {.magic = 0x01021994, .name = "tmpfs"},
    {.magic = 0xEF53, .name = "ext4"},
    {.magic = 0xF2F52010, .name = "f2fs"},
    {.magic = 0x9660, .name = "iso9660"},
    {.magic = 0x73717368, .name = "squashfs"},
    {.magic = 0x858458f6, .name = "ramfs"},
    {.magic = 0x1373, .name = "devfs"},
    {.magic = 0x1cd1, .name = "devpts"},
    {.magic = 0x6e736673, .name = "nsfs"},
};

constexpr uint64_t kFuseMagic = 0x65735546;

// FUSE drivers of foreign filesystems, by the mount's subtype or the daemon's name. The row stays
// "fuse" (copy_file_range across FUSE mounts, the planner's words); label and holds are the format's.
struct FuseRow {
  const char* driver;
  const char* label;
  Holds holds;
};
constexpr FuseRow kFuseRows[] = {
    {"exfat", "exFAT", kExfatHolds},   {"exfat-fuse", "exFAT", kExfatHolds}, {"ntfs-3g", "NTFS", kNtfsHolds},
    {"ntfs", "NTFS", kNtfsHolds},      {"lowntfs-3g", "NTFS", kNtfsHolds},   {"fusefat", "FAT32", kFatHolds},
    {"vfat", "FAT32", kFatHolds},      {"fat", "FAT32", kFatHolds},
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
// "mount.exfat-fuse DEV /mnt" → "exfat-fuse"), or, for a block device, the device (daemons
// chdir to / once mounted, so a mount point given relative to where they started is lost).
// "" when none does.
std::string fuse_daemon(const std::string& mount_point, const std::string& device) {
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
      if (a != mount_point && (device.rfind("/dev/", 0) != 0 || args[i] != device)) continue;
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
}

// FUSE: the driver's name: "fuse.sshfs", "fuseblk.exfat" carry it after the dot, else the daemon
// whose command line names the mount point.
void fuse_subtype(FsInfo& out) {
  if (out.mount_type.rfind("fuse", 0) != 0) return;
  const size_t dot = out.mount_type.find('.');
  out.subtype = dot != std::string::npos ? out.mount_type.substr(dot + 1) : fuse_daemon(out.mount_point, out.source);
}

// The on-disk format in a block device's boot sector (what blkid reads): exFAT, NTFS or FAT, with
// its cluster size. False when `dev` is not a readable block device with one of these.
struct Format {
  const char* label;
  Holds holds;
  uint32_t cluster;
};
bool boot_format(const std::string& dev, Format& f) {
  if (dev.rfind("/dev/", 0) != 0) return false;
  UniqueFd fd(open(dev.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISBLK(st.st_mode)) return false;
  unsigned char b[512];
  if (pread(fd.get(), b, sizeof b, 0) != (ssize_t)sizeof b) return false;
  const uint32_t bps = (uint32_t)b[11] | ((uint32_t)b[12] << 8);
  if (memcmp(b + 3, "EXFAT   ", 8) == 0) {
    const unsigned shift = (unsigned)b[108] + b[109];
    f = {"exFAT", kExfatHolds, shift < 32 ? 1u << shift : 0};
    return true;
  }
  if (memcmp(b + 3, "NTFS    ", 8) == 0) {
    // Sectors per cluster; from 0xF4 on, the cluster is 2^(256-n) bytes.
    const uint32_t spc = b[13];
    f = {"NTFS", kNtfsHolds, spc <= 0x80 ? bps * spc : (256 - spc < 32 ? 1u << (256 - spc) : 0)};
    return true;
  }
  if (b[510] == 0x55 && b[511] == 0xAA && (memcmp(b + 82, "FAT32", 5) == 0 || memcmp(b + 54, "FAT1", 4) == 0)) {
    f = {memcmp(b + 82, "FAT32", 5) == 0 ? "FAT32" : "FAT", kFatHolds, bps * b[13]};
    return true;
  }
  return false;
}

// A value per device, kept for a few seconds (a device number can later be reused by another
// mount, hence the short life).
template <class T>
class DevCache {
 public:
  bool get(dev_t dev, T& out) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = m_.find(dev);
    if (it == m_.end() || now_ns() - it->second.second >= kLife) return false;
    out = it->second.first;
    return true;
  }
  void put(dev_t dev, const T& v) {
    std::lock_guard<std::mutex> lk(mu_);
    if (m_.size() > 256) m_.clear();
    m_[dev] = {v, now_ns()};
  }

 private:
  static constexpr uint64_t kLife = 5000000000ull;
  std::mutex mu_;
  std::map<dev_t, std::pair<T, uint64_t>> m_;
};

// The row of a FUSE mount's driver, or a foreign row with its device's format and cluster size.
FsKind resolve_kind(int fd, dev_t dev, FsKind k, const struct statfs& sf) {
  static DevCache<FsKind> cache;
  FsKind got;
  if (cache.get(dev, got)) return got;
  FsInfo mi;
  read_mount(fd, dev, "", mi);
  Format f;
  if (boot_format(mi.source, f)) {
    k.label = f.label;
    k.holds = f.holds;
    k.cluster = f.cluster;
    k.probe = true;
  } else if (k.magic == kFuseMagic) {
    fuse_subtype(mi);
    for (const auto& r : kFuseRows)
      if (mi.subtype == r.driver) {
        k.label = r.label;
        k.holds = r.holds;
        k.probe = true;
      }
  }
  if (k.magic == kFuseMagic) {
    if (mi.subtype.empty()) fuse_subtype(mi);
    // fusefat (0.1a) empties a folder that is renamed: new trees are made under their own names.
    if (mi.subtype == "fusefat") k.renames_dirs = false;
  }
  // vfat and exfat report their cluster as the block size.
  if (!k.cluster && k.magic != kFuseMagic && k.label) k.cluster = (uint32_t)sf.f_bsize;
  cache.put(dev, k);
  return k;
}

// The granularity of a filesystem's clock: a time set with nanoseconds `set`, read back as `got`.
uint32_t clock_granularity(const struct timespec& set, const struct timespec& got) {
  if (got.tv_sec != set.tv_sec) return 2000000000u;  // an odd second became even: FAT's 2 s
  uint32_t g = 1;
  while (g < 1000000000u && got.tv_nsec % ((long)g * 10) == 0) g *= 10;
  return got.tv_nsec == set.tv_nsec ? 1 : g;
}

// probe_holds() without the cache (see fsinfo.h).
Holds probe_holds_uncached(int dirfd, const Holds& row) {
  Holds h = row;
  const std::string base = random_tmp_name();
  UniqueFd f(openat(dirfd, base.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f) return row;  // read-only or not ours to write: the row stands
  TempName made(dirfd, base);
  h.probed = true;
  // Another hidden name made from the probe's ("…<hex>" + what + ".tmp"), removed at once.
  const std::string stem = base.substr(0, base.size() - strlen(kTmpSuffix));
  auto refused = [&](const std::string& what) -> int {
    const std::string n = stem + what + kTmpSuffix;
    UniqueFd x(openat(dirfd, n.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (x) {
      unlinkat(dirfd, n.c_str(), 0);
      return 0;
    }
    return errno;
  };
  auto set_rule = [&](uint8_t rules, bool on) { h.refuses = on ? (h.refuses | rules) : (h.refuses & ~rules); };
  if (int e = refused(":")) {
    if (e == ENOENT || e == EINVAL || e == EILSEQ) set_rule(kNameChars, true);
  } else {
    set_rule(kNameChars, false);
  }
  if (int e = refused("\xff")) {
    if (e == ENOENT || e == EINVAL || e == EILSEQ) set_rule(kNameEncoding, true);
  } else {
    set_rule(kNameEncoding, false);
  }
  {
    // A trailing '.' refused (ntfs-3g windows_names, which refuses device names too), or dropped
    // (the name then is the probe's own: EEXIST), or kept.
    const std::string n = base + ".";
    UniqueFd x(openat(dirfd, n.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (x) {
      unlinkat(dirfd, n.c_str(), 0);
      set_rule(kNameTrailing | kNameReserved, false);
    } else if (errno == EEXIST || errno == EINVAL || errno == ENOENT) {
      set_rule(kNameTrailing | kNameReserved, true);
    }
  }
  {
    std::string upper = base;
    for (char& c : upper) c = (char)toupper((unsigned char)c);
    // The name is random: if its upper-case spelling is found, it is the probe (exfat-fuse gives
    // each spelling its own inode number, so the numbers cannot be compared).
    struct stat b;
    h.fold_case = fstatat(dirfd, upper.c_str(), &b, AT_SYMLINK_NOFOLLOW) == 0;
  }
  // Entries other than files: made under a fresh hidden name; whatever a refusal left there is
  // ours (the name was free) and goes too.
  auto can = [&](const std::function<int(const char*)>& make) {
    const std::string n = random_tmp_name();
    const bool ok = make(n.c_str()) == 0;
    unlinkat(dirfd, n.c_str(), 0);
    return ok;
  };
  h.symlinks = can([&](const char* n) { return symlinkat("target", dirfd, n); });
  h.specials = can([&](const char* n) { return mknodat(dirfd, n, S_IFIFO | 0600, 0); });
  h.hardlinks = can([&](const char* n) { return linkat(dirfd, base.c_str(), dirfd, n, 0); });
  struct stat st;
  if (fchmod(f.get(), 0640) == 0 && fstat(f.get(), &st) == 0) h.modes = (st.st_mode & 07777) == 0640;
  if (geteuid() == 0 && fstat(f.get(), &st) == 0) {
    const uid_t other = st.st_uid == 65534 ? 65533 : 65534;
    struct stat after;
    h.owners = fchown(f.get(), other, (gid_t)-1) == 0 && fstat(f.get(), &after) == 0 && after.st_uid == other;
  }
  if (fsetxattr(f.get(), "user.ferry-probe", "1", 1, 0) == 0) h.xattrs = true;
  else if (errno == ENOTSUP || errno == EOPNOTSUPP) h.xattrs = false;
  {
    const off_t len = 1 << 20;  // larger than any cluster
    if (ftruncate(f.get(), len) == 0 && fstat(f.get(), &st) == 0) h.holes = (uint64_t)st.st_blocks * 512 < (uint64_t)len;
    (void)!ftruncate(f.get(), 0);
  }
  {
    const struct timespec set = {1000000001, 123456789};
    const struct timespec ts[2] = {set, set};
    if (futimens(f.get(), ts) == 0 && fstat(f.get(), &st) == 0) h.time_ns = clock_granularity(set, st.st_mtim);
  }
  return h;
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
  FsKind k = fs_kind_of_magic((uint64_t)(uint32_t)sf.f_type);
  if (k.magic != kFuseMagic && !k.probe) return k;
  struct stat st;
  if (fstat(fd, &st) != 0) return k;
  return resolve_kind(fd, st.st_dev, k, sf);
}

FsKind dest_kind_of_fd(int dirfd) {
  FsKind k = fs_kind_of_fd(dirfd);
  struct stat st;
  if (k.probe && fstat(dirfd, &st) == 0) k.holds = probe_holds(dirfd, st.st_dev, k);
  return k;
}

bool is_foreign(const FsKind& k) { return k.label != nullptr; }

Holds probe_holds(int dirfd, dev_t dev, const FsKind& row) {
  static DevCache<Holds> cache;
  Holds h;
  if (cache.get(dev, h)) return h;
  h = probe_holds_uncached(dirfd, row.holds);
  if (h.probed) cache.put(dev, h);
  return h;
}

FsSide fs_side_of_fd(int fd) {
  FsSide s;
  struct stat st;
  if (fstat(fd, &st) == 0) s.dev = st.st_dev;
  s.fs = fs_kind_of_fd(fd);
  if (s.fs.magic == kBtrfsMagic) s.has_fsid = btrfs_fsid(fd, s.fsid);
  return s;
}

FsSide dest_side_of_fd(int fd) {
  FsSide s = fs_side_of_fd(fd);
  struct stat st;
  if (s.fs.probe && fstat(fd, &st) == 0) s.fs.holds = probe_holds(fd, st.st_dev, s.fs);
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
  out.kind = fs_kind_of_fd(fd.get());
  const uint64_t frsize = sf.f_frsize ? (uint64_t)sf.f_frsize : (uint64_t)sf.f_bsize;
  out.total_bytes = (uint64_t)sf.f_blocks * frsize;
  out.free_bytes = (uint64_t)sf.f_bfree * frsize;
  out.avail_bytes = (uint64_t)sf.f_bavail * frsize;
  read_mount(fd.get(), st.st_dev, path, out);
  fuse_subtype(out);
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
