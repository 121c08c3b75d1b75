// Predictions without copying: which method the engine will use for an entry, and why. The
// planner (plan.h) decides; this file gathers the facts it needs by looking at the source and the
// destination folder (and probing FICLONE there).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "foreign.h"

namespace ferry {

struct Explanation {
  std::string src, dest;
  EntryType type = EntryType::File;
  bool type_known = true;  // false: the entry could not even be looked at (error set)
  int method = -1;
  std::vector<Method> chain;
  std::string reason;
  std::optional<WireErr> error;  // tree walks: this entry could not be examined
  // What the destination cannot hold of this entry, or changes (foreign filesystems).
  std::vector<Problem> problems;
};

struct ExplainOpts {
  int forced = -1;  // -1 auto, else a Method
  // As the copy will run: without recursive a top-level FIFO or device has its data copied.
  bool recursive = true;
  // The job's choices for foreign destinations: names as they will be written (mapped), links
  // copied as what they point to. A problem a choice settles is reported as a change.
  bool map_names = false;
  bool follow_links = false;
  // Tree walks: only the entries that have problems (the copy dialog's list).
  bool problems_only = false;
};

// One pair. Returns false and fills err when src cannot be examined. JS thread (a few syscalls).
bool explain_pair(const std::string& src, const std::string& dest, const ExplainOpts& opts, Explanation& out, WireErr& err);

// `src` and, with recursive, every entry below it, in walk order (pre-order, names in byte order),
// each with the path it gets below `dest`. Names that are not UTF-8 are spelled \xNN like records.
// An entry that cannot be examined comes with its error. Any thread; `stopped` is polled.
void explain_tree(const std::string& src, const std::string& dest, const ExplainOpts& opts,
                  const std::function<void(Explanation&&)>& out, const std::function<bool()>& stopped);

}  // namespace ferry
