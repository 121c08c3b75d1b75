// A folder listing for the panes (fs.list): getdents64 and one statx per entry, relative to the
// folder's descriptor, read in batches on a thread that never touches Node-API (addon.cc runs each
// batch as async work and hands the JSON to JS). The caller pulls the next batch when its client
// has taken the last one, so a 1,000,000-entry folder is never all in memory at once.
//
// Each entry is a pane row (electron/contract.ts DirEntry; native/types.ts ListedEntry): name and
// path (bytes that are not UTF-8 spelled `\xNN`, like records: lossless, decodeEnginePath()), type,
// size, mtimeMs, mode, hidden; a symlink also its target text and the type of what it points to
// (a broken or looping link: targetType null and an error). An entry that cannot be examined (gone
// meanwhile) is a row with its error, never a failed listing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "fd.h"

namespace ferry {

// One row, as listed_row_json() (json.cc) writes it.
struct ListedRow {
  std::string name, path;  // escaped
  const char* type = "file";
  uint64_t size = 0;
  double mtime_ms = 0;
  uint32_t mode = 0;
  bool hidden = false;
  bool link = false;
  bool has_link_target = false;
  std::string link_target;            // escaped
  const char* target_type = nullptr;  // links: null when the target cannot be reached
  std::optional<WireErr> error;
};
void listed_row_json(std::string& out, const ListedRow& r);

class DirLister {
 public:
  // `path`: the folder, as JS gave it (UTF-8, or \xNN-escaped bytes).
  explicit DirLister(std::string path) : path_(std::move(path)) {}

  // Opens the folder and counts its entries (one pass of getdents64, no stat). 0 or an errno.
  int open_and_count(uint64_t& count);
  // Up to `max` entries as a JSON array of rows appended to `out`; `done` once the folder is read.
  // 0 or an errno of reading the folder itself.
  int next(size_t max, std::string& out, bool& done);
  const std::string& path() const { return path_; }

 private:
  bool fill();  // reads the next getdents64 buffer; false at the end or on error (err_ set)
  std::string path_;
  UniqueFd fd_;
  std::vector<char> buf_;
  long pos_ = 0, len_ = 0;
  int err_ = 0;
  bool eof_ = false;
};

}  // namespace ferry
