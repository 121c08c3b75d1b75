// The per-file data copy: one small function per method, and the chain that drives them.
//
// Chain (Rust std's kernel_copy habit): each method returns Done, Fallback(errno) or Error(errno,
// syscall) with the bytes it moved, and never falls back by itself; copy_data() runs the chain
// that plan_copy() (plan.h) decided:
//
//   reflink (FICLONE)  → copy_file_range (≤ 8 MiB a call, until it returns 0)
//                      → splice through a pipe (when copy_file_range says EXDEV & co.)
//                      → buffered read/write with a 128 KiB aligned buffer, until read() returns 0.
//
// A method may only fall back while it has written nothing; after progress an error is an error.
// Sources on pseudo filesystems (procfs, sysfs…) go straight to buffered: their st_size lies.
// Every other source is copied as it was when it was opened: never more than the st_size seen
// then (a file that grows meanwhile is not followed; the caller sees the change by fstat). A
// method that copies nothing at all from the start says the size lied: buffered reads to EOF.
// An error after progress that the source gives again when read directly is reported as a read
// error (syscall 'read'): the source is what could not be read.
// Sparse sources (st_blocks*512 < st_size) are copied extent by extent (SEEK_DATA/SEEK_HOLE) with
// the chosen method, then the destination is ftruncate'd to the full size.
//
// After any failure the destination fd holds garbage: the caller discards it (it is an O_TMPFILE
// or a hidden temp, never the final name).
#pragma once

#include <sys/stat.h>

#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine.h"
#include "fsinfo.h"

namespace ferry {

// Pseudo errno values for interruptions (negative so they never collide with real ones).
constexpr int kErrCancelled = -1;
constexpr int kErrSkipped = -2;

// Called between bounded chunks: blocks while paused, returns 0 to go on or kErrCancelled /
// kErrSkipped. Also receives the bytes just copied (for progress).
struct CopyHooks {
  std::function<int()> check;
  std::atomic<uint64_t>* progress = nullptr;
  std::atomic<int>* method = nullptr;  // the method being tried (for progress events)
};

// Per worker thread: reusable buffer and pipe, and the answers the kernel gave for the last
// (source device, destination device) pair so that each later file need not ask again.
struct WorkerRes {
  struct Free {
    void operator()(char* p) const { free(p); }
  };
  std::unique_ptr<char, Free> buf;  // 4 KiB aligned (posix_memalign)
  size_t buf_size = 0;
  UniqueFd pipe_r, pipe_w;
  size_t pipe_size = 0;
  // Cache of filesystem-level answers, keyed by device pair.
  dev_t cache_src = 0, cache_dst = 0;
  bool cache_valid = false;
  int clone_err = 0;  // EOPNOTSUPP / EXDEV / ENOSYS / ENOTTY once seen
  int cfr_err = 0;    // EXDEV / EOPNOTSUPP / ENOSYS once seen
  // The pipe may still hold data after an error: never reuse it.
  void reset_pipe() {
    pipe_r.reset();
    pipe_w.reset();
  }
};

struct CopyInput {
  int in = -1, out = -1;  // borrowed
  struct stat st;       // fstat of the source fd
  FsKind src_fs, dst_fs;
  dev_t dst_dev = 0;
  int forced = -1;      // -1 auto, else Method
};

struct CopyResult {
  bool ok = false;
  int method = -1;
  std::vector<Attempt> attempts;
  uint64_t bytes = 0;
  bool sparse = false;
  int err = 0;                 // real errno, or kErrCancelled/kErrSkipped
  const char* syscall = "";
  std::string custom_code;     // for refusals of a forced method
  std::string custom_message;  // "reflink not possible: …"
  std::vector<std::string> warnings;
};

CopyResult copy_data(WorkerRes& res, const CopyInput& ci, CopyHooks& hooks);

// Data from a FIFO or a device (explicit, non-recursive pairs only, like cp without -r): splice
// (a FIFO straight into the file, a device through the worker's pipe), else read/write; until EOF.
// `in` must be O_NONBLOCK: waiting is done with poll() in 100 ms steps so cancel/pause/skip work
// even when no writer ever comes.
CopyResult copy_stream(WorkerRes& res, const CopyInput& ci, CopyHooks& hooks);

// Does the filesystem report a hole in this file? (SEEK_DATA/SEEK_HOLE; false when it cannot say.)
// Leaves the offset at 0.
bool reports_hole(int fd, off_t size);

// Named errno sets (ENGINE-FACTS.md).
bool is_clone_unsupported(int e);
bool is_clone_fs_level(int e);  // answers that hold for every file of a device pair
bool is_cfr_fallback(int e);
bool is_cfr_fs_level(int e);
bool is_splice_fallback(int e);
// Probe, once per process, whether copy_file_range exists and is not blocked by seccomp.
bool cfr_available(int* why);

}  // namespace ferry
