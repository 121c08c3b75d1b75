// compare_extents(): see extents.h.
#include "extents.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cstring>
#include <vector>

#include "fd.h"
#include "fsinfo.h"

namespace ferry {

namespace {

struct Extent {
  uint64_t logical, physical, length;
};

// Flags that make an extent's physical address meaningless for a comparison.
constexpr uint32_t kOpaque = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
                             FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL;
constexpr size_t kBatch = 256;
constexpr size_t kMaxExtents = 1 << 16;

// The file's extents in order, or an errno (EOPNOTSUPP: no FIEMAP here; ERANGE: too many or opaque).
int extents_of(int fd, uint64_t size, std::vector<Extent>& out) {
  std::vector<char> buf(sizeof(struct fiemap) + kBatch * sizeof(struct fiemap_extent));
  uint64_t start = 0;
  for (;;) {
    std::memset(buf.data(), 0, buf.size());
    auto* fm = reinterpret_cast<struct fiemap*>(buf.data());
    fm->fm_start = start;
    fm->fm_length = size > start ? size - start : 0;
    fm->fm_extent_count = kBatch;
    if (fm->fm_length == 0) return 0;
    if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) return errno;
    if (fm->fm_mapped_extents == 0) return 0;
    bool last = false;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
      const struct fiemap_extent& e = fm->fm_extents[i];
      if (e.fe_flags & kOpaque) return ERANGE;
      out.push_back({e.fe_logical, e.fe_physical, e.fe_length});
      start = e.fe_logical + e.fe_length;
      if (e.fe_flags & FIEMAP_EXTENT_LAST) last = true;
    }
    if (last || out.size() > kMaxExtents) return out.size() > kMaxExtents ? ERANGE : 0;
  }
}

}  // namespace

bool compare_extents(const std::string& a, const std::string& b, ExtentsAnswer& out, WireErr& err) {
  UniqueFd fa(open(decode_path(a).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fa) {
    err = sys_error(errno, "open", a, "");
    return false;
  }
  UniqueFd fb(open(decode_path(b).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fb) {
    err = sys_error(errno, "open", b, "");
    return false;
  }
  struct stat sa, sb;
  if (fstat(fa.get(), &sa) != 0) {
    err = sys_error(errno, "fstat", a, "");
    return false;
  }
  if (fstat(fb.get(), &sb) != 0) {
    err = sys_error(errno, "fstat", b, "");
    return false;
  }
  if (!S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode)) {
    out = {-1, "not two regular files"};
    return true;
  }
  if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) {
    out = {1, "the same file (hard links to one inode)"};
    return true;
  }
  if (sa.st_size != sb.st_size) {
    out = {0, "different sizes"};
    return true;
  }
  if (sa.st_size == 0) {
    out = {1, "both are empty"};
    return true;
  }
  if (!one_filesystem(fs_side_of_fd(fa.get()), fs_side_of_fd(fb.get()))) {
    out = {-1, "on different filesystems: no extents can be shared"};
    return true;
  }
  std::vector<Extent> ea, eb;
  const int ra = extents_of(fa.get(), (uint64_t)sa.st_size, ea);
  const int rb = ra ? ra : extents_of(fb.get(), (uint64_t)sb.st_size, eb);
  if (ra || rb) {
    const int e = ra ? ra : rb;
    out = {-1, e == ERANGE ? "their extents cannot be compared (inline, compressed or not yet written data)"
                           : std::string("this filesystem does not map extents (FIEMAP: ") + errno_name(e) + ")"};
    return true;
  }
  bool same = ea.size() == eb.size() && !ea.empty();
  for (size_t i = 0; same && i < ea.size(); i++)
    same = ea[i].logical == eb[i].logical && ea[i].physical == eb[i].physical && ea[i].length == eb[i].length;
  out = same ? ExtentsAnswer{1, "they share all their extents (a reflinked copy): identical content"}
             : ExtentsAnswer{-1, "their data is stored apart: compare by hashing to know"};
  return true;
}

}  // namespace ferry
