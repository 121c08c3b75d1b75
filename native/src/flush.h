// The job's final flush (JobSpec.flush): one descriptor per destination filesystem, opened before
// the job writes there, syncfs(2)ed at the end, its answer checked.
//
// Why a descriptor opened first: write-back errors are recorded per superblock and reported to a
// descriptor only for errors after it was opened (errseq, Linux >= 5.8 for syncfs). A fresh
// `sync -f` at the end misses an error that background write-back met during the job.
// (ENGINE-FACTS.md, "Durability".)
//
// Every ok record whose durability rests on that flush is remembered per filesystem (records that
// were made durable one by one, e.g. a move's copies, are not); when a flush fails those are the
// entries "not known to be on disk". Any thread.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine.h"

namespace ferry {

// syncfs(2) on `fd`, checked: 0 or the errno. A filesystem that turned read-only meanwhile (ext4's
// errors=remount-ro after a write-back error) answers syncfs with 0 without writing anything, so
// when `wrote` (this job left data there to flush) a read-only filesystem is EROFS: what it had
// not written yet is lost.
int checked_syncfs(int fd, bool wrote);

// A move's copy, through the descriptor that wrote it, after its filesystem's syncfs: its own
// write-back result, 0 or the errno of a write-back error met since `fd` was opened
// (sync_file_range waits and reads the file's errseq, as fsync does, but asks the device for no
// cache flush: the syncfs did that).
int writeback_result(int fd);

class FlushSet {
 public:
  // Watches the filesystem of folder `dirfd` (device `dev`; `folder` is its escaped path, for the
  // error) unless it is watched already. Cheap when it is.
  void watch(dev_t dev, int dirfd, const std::string& folder);
  // An ok record on `dev` that the final flush must make durable.
  void pending(dev_t dev, const std::string& dest);
  // A record that a correction replaced: it is no longer the job's word on `dest`.
  void retire(const std::string& dest);
  // syncfs on every watched filesystem. The first failure, if any; `not_on_disk` gets the pending
  // records of every filesystem whose flush failed.
  std::optional<WireErr> sync(std::vector<std::string>& not_on_disk);

 private:
  struct Fs {
    dev_t dev = 0;
    UniqueFd fd;
    int open_err = 0;  // the descriptor could not be opened: nothing can be known
    std::string folder;
    // Its pending records' destinations, front-coded (a 200,000-file job's paths as strings took
    // about 24 MiB; as the length each shares with the one before plus the rest, a few bytes each):
    // per entry a varint shared length, the rest of the path, a NUL.
    std::string dests;
    std::string last;  // the latest destination added
    bool any = false;
    void add(const std::string& dest);
    void take_all(std::vector<std::string>& out, const std::set<std::string>& except);
  };
  std::mutex mu_;
  std::vector<Fs> fss_;  // a handful
  std::set<std::string> retired_;
};

}  // namespace ferry
