// plan_copy(): see plan.h. The rules, in order:
//   not a data copy (symlink, FIFO/device/socket in a tree) → recreated, no method;
//   a FIFO/device's data (top-level pair without recursive) → splice, else read/write, until EOF;
//   pseudo source (procfs, sysfs…) → buffered only: st_size lies;
//   one filesystem → reflink where FICLONE works, else copy_file_range;
//   two filesystems → copy_file_range only between two mounts of a type that implements it
//     (NFS, CIFS, Ceph, FUSE, overlayfs), else EXDEV since Linux 5.19 and splice;
//   copy_file_range blocked (seccomp) → splice;
//   an empty file on a filesystem whose sizes may lie (not in the table, or FUSE) ends in buffered
//     (a kernel copy of 0 bytes cannot tell "empty" from "size lied", so read() confirms EOF);
//     elsewhere an empty file is empty, and nothing is read;
//   sparse by st_blocks → data extents only; where SEEK_HOLE finds no hole, buffered with zero
//     blocks left as holes (the chain then skips copy_file_range and splice);
//   a forced method is the whole chain, or a refusal when it cannot apply.
#include "plan.h"

#include <errno.h>

namespace ferry {

namespace {

const char* recreated_phrase(EntryType t) {
  switch (t) {
    case EntryType::Symlink: return "symlink: recreated with symlinkat (its target is not followed)";
    case EntryType::Fifo: return "FIFO: recreated with mknodat, never opened or read";
    case EntryType::CharDev: return "character device: recreated with mknodat, never opened or read";
    case EntryType::BlockDev: return "block device: recreated with mknodat, never opened or read";
    case EntryType::Socket: return "socket: recreated with mknodat(S_IFSOCK)";
    default: return "";
  }
}

void refuse(Plan& p, Method m, int err, const char* syscall, const std::string& why) {
  p.refused = true;
  p.refuse_err = err;
  p.refuse_syscall = syscall;
  p.refuse_why = why;
  p.method = -1;
  p.reason = std::string(method_name(m)) + " not possible: " + why;
}

void force(Plan& p, Method m) {
  p.method = (int)m;
  p.reason = std::string("forced: ") + method_name(m) + " (" + p.reason + ")";
}

// A FIFO's or device's data, read until EOF into a regular file.
Plan plan_stream(const PlanFacts& f) {
  Plan p;
  const bool fifo = f.type == EntryType::Fifo;
  p.chain = {Method::Splice, Method::Buffered};
  p.method = (int)Method::Splice;
  p.reason = fifo ? "FIFO without recursive: its data is copied until the writer closes it (splice straight into the file), like cp"
                  : "device without recursive: its data is copied until EOF (splice through a pipe, else read/write), like cp";
  if (f.forced < 0) return p;
  const Method m = (Method)f.forced;
  p.chain = {m};
  if (m == Method::Reflink || m == Method::CopyFileRange)
    refuse(p, m, EINVAL, m == Method::Reflink ? "ioctl" : "copy_file_range",
           std::string("the source is a ") + (fifo ? "FIFO" : "device") + ", not a regular file");
  else
    force(p, m);
  return p;
}

}  // namespace

Plan plan_copy(const PlanFacts& f) {
  if (f.stream) return plan_stream(f);
  Plan p;
  const bool file = f.type == EntryType::File;
  if (!file && f.type != EntryType::Dir) {
    p.reason = recreated_phrase(f.type);
    return p;
  }
  const char* sname = f.src_fs.name;
  const std::string pair = std::string(sname) + " → " + f.dst_fs.name;
  const bool forced = f.forced >= 0;
  const Method fm = forced ? (Method)f.forced : Method::Buffered;

  if (f.src_fs.pseudo) {
    p.chain = {Method::Buffered};
    p.method = (int)Method::Buffered;
    p.reason = std::string("source is on ") + sname + ": size cannot be trusted, buffered read until EOF";
    if (!forced) {
      p.warnings.push_back(p.reason);
    } else if (fm != Method::Buffered) {
      p.chain = {fm};
      refuse(p, fm, 0, "", std::string("source is on ") + sname + ", its size cannot be trusted (only buffered reads it right)");
    } else {
      force(p, fm);
    }
    if (f.type == EntryType::Dir) p.reason = "folder: created with mkdirat, each file in it: " + p.reason;
    return p;
  }

  p.sparse = file && sparse_by_blocks(f.src_fs, f.size, f.blocks);
  p.zero_detect = p.sparse && f.holes == Tri::No;
  if (forced) p.chain = {fm};
  else if (p.zero_detect) p.chain = {Method::Reflink, Method::Buffered};
  else p.chain = {Method::Reflink, Method::CopyFileRange, Method::Splice, Method::Buffered};
  if (p.zero_detect && !forced) p.warnings.push_back("st_blocks says sparse but SEEK_HOLE finds no hole: buffered copy, zero blocks left as holes");

  // The method expected to work.
  int m = -1;
  std::string reason;
  const bool cross_cfr = f.src_fs.magic == f.dst_fs.magic && f.src_fs.cfr_cross_fs;
  if (f.same_fs == Tri::Yes) {
    if (f.reflink == Tri::Yes || (f.reflink == Tri::Unknown && f.src_fs.reflink)) {
      m = (int)Method::Reflink;
      reason = std::string("same ") + sname + " filesystem" + (f.other_subvol ? " (another subvolume)" : "") +
               ": reflink shares extents (no data is copied)";
      if (f.reflink == Tri::Unknown) reason += " (if the filesystem has reflink enabled)";
    } else {
      m = (int)Method::CopyFileRange;
      if (f.src_fs.reflink)
        reason = std::string("same ") + sname + " filesystem without reflink (FICLONE answers " +
                 errno_name(f.reflink_err ? f.reflink_err : EOPNOTSUPP) + "): copy_file_range copies inside the kernel";
      else
        reason = std::string("same ") + sname + " filesystem, which has no reflink (FICLONE answers EOPNOTSUPP): copy_file_range copies inside the kernel";
    }
  } else if (f.same_fs == Tri::No) {
    if (cross_cfr) {
      m = (int)Method::CopyFileRange;
      reason = std::string("different ") + sname + " mounts: " + sname + " implements copy_file_range across them";
    } else {
      m = (int)Method::Splice;
      reason = "different filesystems (" + pair + "): copy_file_range answers EXDEV since Linux 5.19, so splice (file → pipe → file, no copy to user space)";
    }
  }
  if (m == (int)Method::CopyFileRange && !f.cfr_usable) {
    m = (int)Method::Splice;
    reason += std::string("; but copy_file_range is blocked here (") + errno_name(f.cfr_err ? f.cfr_err : ENOSYS) + "), so splice";
  }
  if (file && f.size == 0 && !empty_size_trusted(f.src_fs) && (m == (int)Method::CopyFileRange || m == (int)Method::Splice)) {
    m = (int)Method::Buffered;
    reason = "empty file: a kernel copy of 0 bytes cannot tell empty from a size that lies, so read() confirms EOF (" + reason + ")";
  }
  if (p.sparse && m >= 0 && m != (int)Method::Reflink) {
    if (!p.zero_detect) {
      reason += "; sparse: only data extents are copied (SEEK_DATA/SEEK_HOLE), holes stay holes";
    } else {
      m = (int)Method::Buffered;
      reason += std::string("; sparse by st_blocks but SEEK_HOLE finds no hole (") + sname + "): buffered, zero blocks left as holes";
    }
  }
  p.method = m;
  p.reason = reason;

  if (forced) {
    if (fm == Method::Reflink && f.same_fs != Tri::Unknown && m != (int)Method::Reflink) {
      refuse(p, fm, 0, "", f.same_fs == Tri::Yes ? std::string(sname) + " has no reflink (EOPNOTSUPP)" : "different filesystems (" + pair + "): FICLONE answers EXDEV");
    } else if (fm == Method::CopyFileRange && f.same_fs == Tri::No && !cross_cfr) {
      refuse(p, fm, 0, "", "different filesystems (" + pair + "): copy_file_range answers EXDEV");
    } else {
      force(p, fm);
    }
  }
  if (f.type == EntryType::Dir) p.reason = "folder: created with mkdirat, each file in it: " + p.reason;
  return p;
}

}  // namespace ferry
