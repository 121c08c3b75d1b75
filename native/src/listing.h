// A folder listing for the panes (fs.list): getdents64 once for the names, then one statx per
// entry relative to the folder's descriptor, in batches on a thread that never touches Node-API
// (addon.cc runs each batch as async work and hands the JSON text to JS). The caller pulls the
// next batch when its client has taken the last one, so a 1,000,000-entry folder's rows are never
// all in memory at once (only its names).
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
#include <thread>
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
  bool escaped = false;  // the name is not valid UTF-8: its other bytes are spelled \xNN
  bool link = false;
  bool has_link_target = false;
  std::string link_target;            // escaped
  const char* target_type = nullptr;  // links: null when the target cannot be reached
  std::optional<WireErr> error;
};
void listed_row_json(std::string& out, const ListedRow& r);

// Rows in columns (fs.list's compact form, which our renderer asks for): every name, one after
// the other separated by '/' (a name never holds one), one type letter per row (f d l p c b s),
// and size, mtimeMs and mode as number lists; a row with more to say (a symlink, an error, a name
// that is not UTF-8) is also written whole in `extra`, with its index. listed_column_row() (json.cc)
// adds a row; listed_columns_json() writes the parts, in order, as one JSON object.
struct ListedColumns {
  std::string names, types, size, mtime, mode, extra;
};
void listed_column_row(ListedColumns& c, size_t index, const ListedRow& r);
void listed_columns_json(std::string& out, const ListedColumns* const* parts, size_t n);

// The order rows come in: as the folder gives them (getdents64), or the panes' name order
// (renderer/src/lib/sort.ts: folders and links to folders first, then each name's natural key,
// ascending or descending, ties by the name). The name order is the renderer's, approximated: its
// key folds case with JS toLowerCase (here ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic),
// and it compares UTF-16 units (here code points). The renderer checks the order in one pass and
// sorts only when a row is out of place, so an approximation costs time, never the order.
enum class ListOrder { kFolder, kNameUp, kNameDown };

class DirLister {
 public:
  // `path`: the folder, as JS gave it (UTF-8, or \xNN-escaped bytes).
  explicit DirLister(std::string path, ListOrder order = ListOrder::kFolder) : path_(std::move(path)), order_(order) {}

  // Opens the folder and reads its names (one pass of getdents64, no stat; the names are kept,
  // about 10 bytes an entry: 10 MB for a million) and puts them in the lister's order (a stat only
  // for a link or an entry of unknown type, to tell folders): the count is how many rows next()
  // gives. 0 or an errno.
  int open_and_count(uint64_t& count);
  // Up to `max` entries as a JSON array of rows appended to `out`; `done` once every name has its
  // row. 0 (the folder was read by open_and_count; an entry that cannot be examined is a row with
  // its error).
  int next(size_t max, std::string& out, bool& done);
  // The same rows in columns (ListedColumns: one JSON object, not an array).
  int next_columns(size_t max, std::string& out, bool& done);
  const std::string& path() const { return path_; }

 private:
  // Batches of at least this many rows are stat'ed on two threads.
  static constexpr size_t kSplitRows = 1000;
  // A thread joined when it goes out of scope (also when the caller's part throws).
  struct JoiningThread {
    template <typename F>
    explicit JoiningThread(F f) : t(std::move(f)) {}
    ~JoiningThread() { t.join(); }
    std::thread t;
  };
  // One entry's row (statx; a symlink's target and what it points to) appended to `out`. Touches
  // nothing of the lister: two threads may run it at once.
  static ListedRow examine(int dirfd, const std::string& base, const char* nm, unsigned char dtype);
  // The next `max` names (advancing at_ and pos_), and whether that batch is worth two threads.
  std::vector<const char*> take(size_t max);
  // Puts names_ and types_ in order_ (name order; the folders first).
  void sort_names(int dirfd);
  // Runs `part(from, to)` over [0, n), halves on two threads when n is big; then moves on (done).
  template <typename F>
  void batch(size_t n, F part, bool& done);
  std::string path_;
  ListOrder order_;
  UniqueFd fd_;                       // the folder: entries are stat'ed relative to it
  std::string names_;                 // every name, each ended by a NUL
  std::vector<unsigned char> types_;  // d_type of each name
  size_t at_ = 0;                     // index of the next row
  size_t pos_ = 0;                    // its name's offset in names_
};

}  // namespace ferry
