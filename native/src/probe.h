// The copy capabilities of a writable folder's filesystem, probed the way the engine relies on
// them (places list, "what this mount can do"). Any thread.
#pragma once

#include <string>

#include "engine.h"

namespace ferry {

struct CopyProbe {
  // 1 works, 0 does not (errno in *_errno), -1 could not be tested (read-only, no permission).
  int reflink = -1;
  int reflink_errno = 0;
  int tmpfile = -1;
  int tmpfile_errno = 0;
};

// Opens `dir` (following symlinks) and probes it: O_TMPFILE (the engine builds every new file that
// way where it can), then FICLONE between two of them (probe_reflink, cached per device). Returns
// false and fills err when `dir` cannot be opened as a folder.
bool probe_copy(const std::string& dir, CopyProbe& out, WireErr& err);

}  // namespace ferry
