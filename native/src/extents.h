// Whether two files share all their data extents (FIEMAP): a reflinked copy and its source do,
// until either is written to. Then their contents are identical without reading a byte; the
// conflict dialog says so. Anything else (different extents, inline or delayed-allocation data,
// FIEMAP not supported) is "cannot tell without reading": hashing both is the caller's next step.
#pragma once

#include <string>

#include "engine.h"

namespace ferry {

struct ExtentsAnswer {
  // 1: identical content (the same extents, or both empty); 0: different (sizes differ);
  // -1: cannot tell from the extents.
  int identical = -1;
  std::string why;
};

// JS thread (a few ioctls; no data is read or flushed). False and err when a file cannot be opened.
bool compare_extents(const std::string& a, const std::string& b, ExtentsAnswer& out, WireErr& err);

}  // namespace ferry
