// What a killed job can leave behind, found and dealt with after the fact: the engine's temps
// (findTemps, removeTemp, publishTemp), and the page cache of a file to verify (dropCache).
// Plain C++ run on a libuv worker thread by addon.cc; every path is in the escaped spelling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "tempfile.h"

namespace ferry {

// native/types.ts TempInfo.
struct TempInfo {
  std::string path;
  bool dir = false;
  std::optional<TempOwner> owner;
  std::string final_path;  // with owner
  uint64_t files = 0, bytes = 0;
  double mtime_ms = 0;
  bool partial_known = false;
  std::vector<std::string> partial;
};

// The temps in `dir` (recursive: in its subfolders too, never inside a temp).
bool find_temps(const std::string& dir, bool recursive, std::vector<TempInfo>& out, WireErr& err);
// Removes one temp and all it holds; EINVAL for anything that is not an engine temp.
bool remove_temp(const std::string& path, WireErr& err);
// Gives a temp folder its recorded final name (RENAME_NOREPLACE); `dest` gets the new path.
bool publish_temp(const std::string& path, std::string& dest, WireErr& err);
// fdatasync, then POSIX_FADV_DONTNEED: the next read of the file comes from the device.
bool drop_cache(const std::string& path, WireErr& err);

std::string temps_json(const std::vector<TempInfo>& temps);

}  // namespace ferry
