// Metadata of a copied entry, in the order ENGINE-FACTS.md gives: data → (fsync, by the caller)
// → futimens (times last among writes) → fchown (root; before xattrs, since chown clears file
// capabilities) → xattrs (unsupported on the destination is a warning) → fchmod. What cannot be
// kept becomes a warning on the record, never a failure.
#pragma once

#include <errno.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include "engine.h"
#include "fsinfo.h"

namespace ferry {

// The owner and mode a new file already has (it was created with them), so that the per-file
// syscalls that would change nothing are left out (small-file trees are bound by them).
struct Created {
  uid_t uid = 0;
  gid_t gid = 0;
  bool mode_exact = false;
};

// Who copies, once per job.
struct MetaPolicy {
  bool preserve = true;
  bool root = false;
  mode_t umask = 022;
};

// A file or folder through its descriptors (preserve). `holds`: what the destination can keep (a
// foreign filesystem's missing modes, owners or xattrs are not even tried: the job reports them
// once, not each file).
void apply_meta_fd(const MetaPolicy& mp, int in, int out, const struct stat& st, Record& rec, const Created* created_as, const Holds& holds = Holds{});
// A recreated symlink or node, by name (preserve: owner, mode, times; else the mode minus umask).
void apply_meta_path(const MetaPolicy& mp, int dfd, const std::string& name, const struct stat& st, Record& rec, bool is_link,
                     const Holds& holds = Holds{});
// Without preserve: the source's permission bits minus the umask. 0 or an errno.
inline int set_plain_mode(const MetaPolicy& mp, int fd, mode_t src_mode) { return fchmod(fd, src_mode & 0777 & ~mp.umask) == 0 ? 0 : errno; }

}  // namespace ferry
