// Ferry's native copy engine: the shared vocabulary.
//
// Nothing in this header (nor in any .cc except addon.cc) touches Node-API: the engine is plain
// C++ run by native threads; addon.cc hands its events to JS on the JS thread. Map of the files:
//   plan.cc     the one planner: which methods a file's copy tries, and which one should work
//   copy.cc     the per-file data copy (the methods and the chain that drives them)
//   explain.cc  predictions without copying (one pair, or every entry of a tree)
//   scan.cc     totals of a tree and the free-space check
//   walk.h      the one tree walker (copy, scan and explain all use it)
//   job.cc      a copy job: lifecycle, controls, folders; entry.cc copies one entry of it
//   conflict.cc, meta.cc, tempfile.cc, queue.h, reporter.cc: the parts a job is made of
//   fsinfo.cc   the one filesystem table; json.cc events as JSON; util.cc errors, names, paths
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fd.h"

namespace ferry {

// The four ways the engine moves bytes (native/types.ts METHODS, same order).
enum class Method : int { Reflink = 0, CopyFileRange = 1, Splice = 2, Buffered = 3 };
const char* method_name(Method m);
// -1 when the name is not a method ('auto').
int method_from_name(const std::string& s);

enum class EntryType : int { File, Dir, Symlink, Fifo, CharDev, BlockDev, Socket };
const char* entry_type_name(EntryType t);
EntryType entry_type_of(mode_t mode);

// How one try of one method ended.
enum class Outcome : int { Ok, Unsupported, Error };

struct Attempt {
  Method method;
  Outcome outcome;
  int err;  // 0 = null
  uint64_t bytes;
};

// Node's system-error shape. errno is stored negative (Node's convention) when has_errno.
struct WireErr {
  std::string code;
  std::string message;
  int errnum = 0;
  bool has_errno = false;
  std::string syscall;
  std::string path;
  std::string dest;
  // Which file of the pair failed: "source", "destination", or "" when the call cannot tell (a
  // kernel copy between the two). The message keeps Node's shape; the UI words it by side.
  std::string side;
};

// `CODE: description, syscall 'path' -> 'dest'` (the parts that exist; errno when err > 0).
WireErr node_error(const std::string& code, int err, const std::string& description, const char* syscall, const std::string& path,
                   const std::string& dest);
// The same for a real errno: its name and strerror().
WireErr sys_error(int err, const char* syscall, const std::string& path, const std::string& dest);
inline WireErr at_source(WireErr e) {
  e.side = "source";
  return e;
}
inline WireErr at_dest(WireErr e) {
  e.side = "destination";
  return e;
}
// The side of a failed data copy: reads and seeks on the source, writes and space on the
// destination; a kernel copy's other errors (EIO from copy_file_range…) name neither.
WireErr copy_side(WireErr e, int err);
// A custom code (ESAMEFILE, EINTOSELF…) with a full message.
WireErr custom_error(const char* code, const std::string& message, const std::string& path, const std::string& dest);

// How an entry ended. The record's `ok` and `skipped` are derived from it. Cancelled is an
// entry stopped by the job's cancel: it is reported as skipped with the reason 'cancel'.
enum class Result : int { Failed, Copied, Renamed, Linked, Skipped, Cancelled };

// Why an entry was skipped (native/types.ts SKIP_REASONS, same order).
enum class SkipReason : int { Conflict, Newer, SkipCurrent, Cancel };
const char* skip_reason_name(SkipReason r);

struct Record {
  std::string src;
  std::string dest;
  EntryType type = EntryType::File;
  uint64_t size = 0;
  uint64_t bytes = 0;
  int method = -1;  // -1 = null, else Method
  std::vector<Attempt> attempts;
  bool sparse = false;
  double ms = 0;
  Result result = Result::Failed;
  SkipReason skip_reason = SkipReason::Conflict;  // with Skipped
  std::optional<WireErr> error;
  std::vector<std::string> warnings;
  bool changed = false;               // the source changed while it was read
  uint64_t not_started_files = 0;     // a folder's entries the job never started
  uint64_t not_started_bytes = 0;
  uint64_t ino = 0;                   // what this job created under dest (0: nothing / not known)
  uint64_t contains_files = 0;        // a folder moved whole by one rename: what it holds
  uint64_t contains_bytes = 0;
  std::optional<std::string> replaces;  // a correction of the record for this dest
  // Not reported: where dest is, for the final flush, and whether it was made durable already.
  dev_t dest_dev = 0;
  bool durable = false;

  bool ok() const { return result == Result::Copied || result == Result::Renamed || result == Result::Linked; }
  bool skipped() const { return result == Result::Skipped || result == Result::Cancelled; }
  bool failed() const { return result == Result::Failed; }
  void fail(WireErr e) {
    result = Result::Failed;
    error = std::move(e);
    ino = 0;
  }
  void skip(SkipReason why) {
    result = Result::Skipped;
    skip_reason = why;
    ino = 0;
  }
  // The reason the record reports: a cancelled entry is skipped because of the cancel.
  SkipReason reported_skip_reason() const { return result == Result::Cancelled ? SkipReason::Cancel : skip_reason; }
};

// errno number (positive) → "ENOSPC"; "UNKNOWN" for a number Linux does not define.
const char* errno_name(int err);
// strerror() with a lower-case first letter, like libuv's messages.
std::string errno_desc(int err);
// Sizes as people read them, exactly like native/format.ts formatSize: 1536 → "1.5 KiB".
std::string format_size(uint64_t bytes);

// Path strings for records. Names are raw bytes; JS strings are UTF-8. Bytes that are not valid
// UTF-8 are written as `\xNN` (two upper-case hex digits). To keep the scheme lossless, a literal
// backslash that would read as such an escape (`\x` followed by two hex digits) is written `\x5C`.
// decode_path() reverses it exactly.
std::string escape_name(const char* bytes, size_t len);
// Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes there are not UTF-8.
size_t utf8_seq_len(const unsigned char* p, size_t left);
// The code point of the UTF-8 sequence at p (of n = utf8_seq_len bytes), and its encoding appended.
uint32_t code_point(const unsigned char* p, size_t n);
void put_utf8(std::string& out, uint32_t cp);
inline std::string escape_name(const std::string& s) { return escape_name(s.data(), s.size()); }
std::string decode_path(const std::string& s);
std::string join_path(const std::string& dir, const std::string& escaped_name);
std::string parent_of(const std::string& p);

// ---- helpers (util.cc) ----
// Opens the parent directory of `path` (O_PATH); `name` gets the last component. `path` is in the
// escaped spelling (decode_path: every path JS hands the engine is), `name` comes back as raw
// bytes. Works for paths longer than PATH_MAX by walking the components with openat. Invalid (and
// err set) on failure.
UniqueFd open_parent(const std::string& path, std::string& name, int& err);
// Opens a directory path of any length (flags added to O_DIRECTORY|O_CLOEXEC).
UniqueFd open_dir_long(const std::string& path, int flags, int& err);
// The folder a copy to `dest` lands in: `dest` itself when `into_existing` and it is an existing
// folder, else its parent; for a destination inside folders that do not exist yet, the nearest
// existing one (the same filesystem: nothing is mounted on a path that does not exist).
// `found` gets that folder's path. O_PATH; invalid (and err set) when none can be opened.
UniqueFd dest_folder(const std::string& dest, bool into_existing, int& err, std::string* found = nullptr);
uint64_t now_ns();
inline double ms_since(uint64_t t0) { return (double)(now_ns() - t0) / 1e6; }

}  // namespace ferry
