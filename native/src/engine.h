// Ferry's native copy engine: shared types.
//
// Nothing in this header (nor in any .cc except addon.cc) touches Node-API: the engine is plain
// C++ run by native threads; addon.cc converts its records and events into JS values on the JS
// thread. See copy.cc for the per-file method chain, job.cc for trees, threads and events.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

// The four ways the engine moves bytes (contract.ts METHODS, same order).
enum class Method : int { Reflink = 0, CopyFileRange = 1, Splice = 2, Buffered = 3 };
const char* method_name(Method m);
// -1 when the name is not a method ('auto').
int method_from_name(const std::string& s);

enum class EntryType : int { File, Dir, Symlink, Fifo, CharDev, BlockDev, Socket };
const char* entry_type_name(EntryType t);
EntryType entry_type_of(mode_t mode);

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
};

// `CODE: description, syscall 'path' -> 'dest'` for a real errno.
WireErr sys_error(int err, const char* syscall, const std::string& path, const std::string& dest);
// A custom code (ESAMEFILE, EINTOSELF…) with a full message.
WireErr custom_error(const char* code, const std::string& message, const std::string& path, const std::string& dest);

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
  bool ok = false;
  bool skipped = false;
  std::optional<WireErr> error;
  std::vector<std::string> warnings;
};

// errno number (positive) → "ENOSPC". Unknown numbers give "E<number>"... as "UNKNOWN".
const char* errno_name(int err);
// strerror() with a lower-case first letter, like libuv's messages.
std::string errno_desc(int err);

// Path strings for records. Names are raw bytes; JS strings are UTF-8. Bytes that are not valid
// UTF-8 are written as `\xNN` (two upper-case hex digits). To keep the scheme lossless, a literal
// backslash that would read as such an escape (`\x` followed by two hex digits) is written `\x5C`.
// decode_path() reverses it exactly.
std::string escape_name(const char* bytes, size_t len);
// Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes there are not UTF-8.
size_t utf8_seq_len(const unsigned char* p, size_t left);
inline std::string escape_name(const std::string& s) { return escape_name(s.data(), s.size()); }
std::string decode_path(const std::string& s);
std::string join_path(const std::string& dir, const std::string& escaped_name);

// ---- filesystems (fsinfo.cc) ----
struct FsKind {
  uint64_t magic = 0;
  const char* name = "unknown";
  bool pseudo = false;         // st_size cannot be trusted (procfs, sysfs…)
  bool reflink_capable = false;  // FICLONE may work on one superblock
  bool cfr_cross_fs = false;   // copy_file_range works between two mounts of this type
};
FsKind fs_kind_of_magic(uint64_t magic);
FsKind fs_kind_of_fd(int fd);

// ---- explain (explain.cc) ----
struct Explanation {
  std::string src, dest;
  EntryType type = EntryType::File;
  int method = -1;
  std::vector<Method> chain;
  std::string reason;
};
// Returns false and fills err when src cannot be examined.
bool explain_pair(const std::string& src, const std::string& dest, int forced, Explanation& out, WireErr& err);

// ---- helpers (util.cc) ----
// Opens the parent directory of `path` (O_PATH) and returns it; `name` gets the last component.
// Works for paths longer than PATH_MAX by walking the components with openat.
int open_parent(const std::string& path, std::string& name, int& err);
// Opens a directory path of any length (flags added to O_DIRECTORY|O_CLOEXEC).
int open_dir_long(const std::string& path, int flags, int& err);
uint64_t now_ns();

}  // namespace ferry
