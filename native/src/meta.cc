// Metadata (see meta.h). Worker and walker threads.
#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <vector>

namespace ferry {

namespace {

void warn(Record& rec, const char* what, int err) { rec.warnings.push_back(std::string(what) + errno_name(err)); }

// Copies every extended attribute; returns how many were set.
int copy_xattrs(int in, int out, Record& rec) {
  int copied = 0;
  std::vector<char> names(4096);
  ssize_t n;
  for (;;) {
    n = flistxattr(in, names.data(), names.size());
    if (n >= 0) break;
    if (errno == ERANGE) {
      ssize_t need = flistxattr(in, nullptr, 0);
      if (need < 0) return copied;
      names.resize((size_t)need + 1);
      continue;
    }
    if (errno != ENOTSUP && errno != EOPNOTSUPP) warn(rec, "xattrs not read: ", errno);
    return copied;
  }
  if (n == 0) return 0;
  std::vector<char> val(4096);
  bool warned_unsupported = false;
  for (ssize_t off = 0; off < n;) {
    const char* name = names.data() + off;
    off += (ssize_t)strlen(name) + 1;
    ssize_t v;
    for (;;) {
      v = fgetxattr(in, name, val.data(), val.size());
      if (v >= 0 || errno != ERANGE) break;
      ssize_t need = fgetxattr(in, name, nullptr, 0);
      if (need < 0) break;
      val.resize((size_t)need + 1);
    }
    if (v < 0) {
      rec.warnings.push_back(std::string("xattr ") + name + " not read: " + errno_name(errno));
      continue;
    }
    if (fsetxattr(out, name, val.data(), (size_t)v, 0) == 0) {
      copied++;
    } else {
      int e = errno;
      if (e == ENOTSUP || e == EOPNOTSUPP) {
        if (!warned_unsupported) rec.warnings.push_back(std::string("xattrs not kept: the destination does not support them (") + name + ")");
        warned_unsupported = true;
      } else {
        rec.warnings.push_back(std::string("xattr ") + name + " not kept: " + errno_name(e));
      }
    }
  }
  return copied;
}

}  // namespace

void apply_meta_fd(const MetaPolicy& mp, int in, int out, const struct stat& st, Record& rec, const Created* created_as, const Holds& holds) {
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  if (futimens(out, ts) != 0) warn(rec, "times not kept: ", errno);
  bool owner_ok = !holds.owners || (created_as && created_as->uid == st.st_uid && created_as->gid == st.st_gid);
  if (mp.root && !owner_ok && fchown(out, st.st_uid, st.st_gid) != 0) warn(rec, "owner not kept: ", errno);
  int nx = holds.xattrs ? copy_xattrs(in, out, rec) : 0;
  bool mode_ok = !holds.modes || (created_as && created_as->mode_exact && nx == 0 && (st.st_mode & 07000) == 0);
  if (!mode_ok && fchmod(out, st.st_mode & 07777) != 0) warn(rec, "mode not kept: ", errno);
}

void apply_meta_path(const MetaPolicy& mp, int dfd, const std::string& name, const struct stat& st, Record& rec, bool is_link, const Holds& holds) {
  if (!mp.preserve) {
    if (!is_link && holds.modes && fchmodat(dfd, name.c_str(), st.st_mode & 0777 & ~mp.umask, 0) != 0) warn(rec, "mode not set: ", errno);
    return;
  }
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  if (mp.root && holds.owners && fchownat(dfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) warn(rec, "owner not kept: ", errno);
  if (!is_link && holds.modes && fchmodat(dfd, name.c_str(), st.st_mode & 07777, 0) != 0) warn(rec, "mode not kept: ", errno);
  if (utimensat(dfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) warn(rec, "times not kept: ", errno);
}

}  // namespace ferry
