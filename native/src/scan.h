// Totals of what a copy will do, from the one walker, and the free-space check they drive.
//
// For each regular file the planner's prediction decides whether it costs the destination space:
// a reflink shares extents, a same-filesystem move renames; everything else needs its allocated
// bytes (st_blocks*512: what a copy really needs when holes are kept; hard links count once).
// One thread runs a Scanner; totals() may be read from any thread while it runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine.h"
#include "fsinfo.h"
#include "reporter.h"

namespace ferry {

struct ScanOpts {
  bool recursive = true;
  bool move = false;
  int forced = -1;  // -1 auto, else a Method
  // scan() only: end with check_space()'s refusal as the run's error.
  bool check_space = false;
  // Bytes already written to the destination by an earlier run of the same copy (a resumed job):
  // they need no room again, so check_space() does not count them.
  uint64_t space_credit = 0;
};

class Scanner {
 public:
  Scanner(ScanOpts o, const std::atomic<bool>& stop) : opts_(o), stop_(stop) {}

  // Counts `src` and, with recursive, everything below it. With a destination (the path `src`
  // will have), its folder's filesystem is planned against; "" counts without predicting.
  void add(const std::string& src, const std::string& dest);
  ScanTotals totals() const;
  // Per destination filesystem: do the bytes that must be written (less opts.space_credit) fit in
  // its free space? An ENOSPC error (not enough space: needs X, Y free…, statfs '<folder>') when
  // they do not.
  std::optional<WireErr> check_space() const;
  const ScanOpts& opts() const { return opts_; }

 private:
  struct Dest {
    dev_t dev = 0;
    std::string folder;  // the destination folder (nearest existing), for the message
    UniqueFd fd;
    FsSide side;
    uint64_t needed = 0, reflinked = 0, renamed = 0;
  };
  struct SNode {
    UniqueFd fd;
    dev_t dev = 0;
    // The folder this one lands in when it exists already (merged into): its entries' names are
    // looked up there to count conflicts. Invalid when the destination folder is new.
    UniqueFd dfd;
    std::string path;  // the source folder (escaped), for the samples
  };
  // One kind of pair (see ScanKind); counters are atomic so totals() can read them while the
  // walk adds. A deque: elements never move.
  struct KindCount {
    ScanKind k;
    std::atomic<uint64_t> files{0}, bytes{0};
  };
  class Walk;
  friend class Walk;
  enum class Cost { Needed, Reflinked, Renamed };
  struct Costed {
    Cost cost = Cost::Needed;
    KindCount* kind = nullptr;
  };
  Costed cost_of(dev_t src_dev, int src_dirfd);
  void count_file(const struct stat& st, int dirfd);
  void count_type(unsigned char dtype);
  // The destination name `name` in `dfd` is taken by something the copy cannot merge into.
  void taken(int dfd, const std::string& name, bool src_is_dir, const std::string& src_path);
  void unreadable(const std::string& src_path);

  const ScanOpts opts_;
  const std::atomic<bool>& stop_;
  std::vector<Dest> dests_;
  static constexpr size_t kNoDest = ~(size_t)0;
  size_t cur_ = kNoDest;  // dests_ index of the pair being counted
  std::map<std::pair<dev_t, size_t>, Costed> costs_;  // (source device, destination) → cost
  std::set<std::pair<dev_t, ino_t>> linked_;  // multiply-linked inodes already counted
  std::atomic<uint64_t> files_{0}, dirs_{0}, symlinks_{0}, specials_{0}, bytes_{0}, allocated_{0}, reflink_bytes_{0}, needed_{0};
  std::atomic<uint64_t> existing_{0}, unreadable_{0};
  mutable std::mutex mu_;  // guards kinds_'s structure and the samples
  std::deque<KindCount> kinds_;
  std::vector<std::string> existing_sample_, unreadable_sample_;
  static constexpr size_t kSamples = 5;
};

}  // namespace ferry
