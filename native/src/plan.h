// The one planner (like coreutils' infer_scantype): from what is known about a file and the two
// filesystems, plan_copy() decides once which methods the copy tries, in which order, and which
// one is expected to move the bytes, with the reason in words. copy.cc runs the chain it returns;
// explain.cc and scan.cc report its expectation; so a prediction cannot drift from what happens.
//
// Pure logic: no system calls here. The callers gather the facts (copy.cc from the open file and
// what the kernel already answered, explain.cc by probing the destination).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine.h"
#include "fsinfo.h"

namespace ferry {

enum class Tri : signed char { No = 0, Yes = 1, Unknown = -1 };

struct PlanFacts {
  EntryType type = EntryType::File;
  // A FIFO or device given as a top-level pair without recursive: its data is read (like cp),
  // instead of the node being recreated.
  bool stream = false;
  uint64_t size = 0, blocks = 0;  // st_size, st_blocks (512-byte units)
  FsKind src_fs, dst_fs;
  Tri same_fs = Tri::Unknown;      // one filesystem (same device, or btrfs subvolumes of one fsid)
  bool other_subvol = false;       // ...as two btrfs subvolumes
  Tri reflink = Tri::Unknown;      // FICLONE works between them (a probe, or an earlier answer)
  int reflink_err = 0;             // what FICLONE answered when No
  Tri holes = Tri::Unknown;        // sparse by st_blocks: does SEEK_HOLE find a hole
  bool cfr_usable = true;          // copy_file_range exists and is not blocked (seccomp)
  int cfr_err = 0;                 // ...what the probe answered when it is not
  int forced = -1;                 // -1 auto, else the Method asked for
};

struct Plan {
  // The methods the copy tries, in order (it records an attempt for each it reaches).
  std::vector<Method> chain;
  // The method expected to move the bytes; -1 for entries that are recreated (symlinks, nodes)
  // and for a forced method that cannot apply.
  int method = -1;
  bool sparse = false;       // st_blocks say sparse: copy data extents, keep holes
  bool zero_detect = false;  // ...but SEEK_HOLE finds none: buffered read, zero blocks left as holes
  // A forced method that cannot apply: nothing is copied, the entry fails with this.
  bool refused = false;
  int refuse_err = 0;
  const char* refuse_syscall = "";
  std::string refuse_why;  // "source is on procfs, its size cannot be trusted…"
  std::string reason;      // the whole prediction in words (explain)
  std::vector<std::string> warnings;  // what the record says up front (pseudo source, no holes found)
};

Plan plan_copy(const PlanFacts& f);

// Sparse by st_blocks (the planner's rule; callers use it to know when SEEK_HOLE is worth asking).
inline bool sparse_by_blocks(const FsKind& fs, uint64_t size, uint64_t blocks) { return !fs.pseudo && size > 0 && blocks * 512 < size; }

}  // namespace ferry
