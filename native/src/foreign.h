// Foreign destinations (FAT, exFAT, NTFS: USB sticks, disks shared with Windows and cameras):
// what an entry runs into there, in plain words; the reversible name mapping; and the plain
// reading of the generic errors their FUSE drivers give. The facts come from the filesystem table
// and its probe (fsinfo.h). Pure logic: no system calls; any thread.
//
// The name mapping (README, "USB sticks and foreign filesystems") is the one Cygwin and Linux's
// cifs `mapchars` use: each character Windows forbids becomes U+F000 + its code, so ':' is U+F03A
// and '?' U+F03F; a byte that is not UTF-8 becomes U+F000 + the byte (U+F080-U+F0FF); a trailing
// '.' or ' ' becomes U+F02E / U+F020; a device name (CON, nul.txt) gets its last letter mapped
// (CO U+F04E). unmap_name() reverses it: every U+F001-U+F0FF back to its byte.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine.h"
#include "fsinfo.h"
#include "walk.h"

namespace ferry {

// Kinds of problem (native/types.ts PROBLEM_KINDS, same order).
enum class Unfit : int { Name, Case, Symlink, Special, TooLarge, Holes, HardLink };
const char* unfit_name(Unfit k);

struct Problem {
  Unfit kind;
  // The entry is not copied as it is: it fails, or a choice (skip, map names, copy the link's
  // target) must decide. Else it is copied with a change people should know of.
  bool fails = true;
  std::string reason;  // plain words: "name contains ':' which exFAT does not allow"
};

// The Windows rules (NameRule bits, fsinfo.h) `name` breaks, and the first character that breaks
// kNameChars.
struct NameFault {
  uint8_t rules = 0;
  unsigned char ch = 0;
};
NameFault name_fault(const std::string& name);

// The name with every fault of `rules` mapped (see the top of this file); the name itself when it
// has none. unmap_name() restores the original.
std::string map_name(const std::string& name, uint8_t rules);
std::string unmap_name(const std::string& name);
// For comparing names on a filesystem that folds case (Unicode simple upper case, like the upcase
// tables of exFAT and NTFS). Bytes that are not UTF-8 stay as they are.
std::string fold_name(const std::string& name);

constexpr uint8_t kAllNameRules = kNameChars | kNameTrailing | kNameReserved | kNameEncoding;

// The name an entry gets on `dst`: with `map` (the job's choice), a name that breaks one of
// Windows' rules is mapped; otherwise the name as it is.
inline std::string dest_name(const FsKind& dst, const std::string& name, bool map) {
  return map && dst.holds.win_names ? map_name(name, kAllNameRules) : name;
}

// One folder's names (as they will be written) that are the same name as another on a folding
// filesystem: each later one in byte order → the first.
std::map<std::string, std::string> case_clashes(std::vector<std::string> names);

// The same for a folder's listing, on `dst` (nothing where Windows' rules do not apply): each
// source name whose destination name (mapped with `map`) clashes → the source name of the first.
std::map<std::string, std::string> listing_clashes(const FsKind& dst, const std::vector<Dirent>& ents, bool map);

// The name problem of `name` on `dst`, if any (none when the destination has no name rules).
bool name_problem(const FsKind& dst, const std::string& name, Problem& out);
// The problem of a name that the job's choice maps: copied under the mapped name.
Problem mapped_problem(const FsKind& dst, const std::string& name);
// "'Case' and 'case' are the same name on exFAT" (a failure where names fold, else Windows').
Problem case_problem(const FsKind& dst, const std::string& first, const std::string& name);
// The problems of one entry, by its lstat (name and case problems are the caller's: they need the
// destination name and the folder). `top_stream`: a FIFO/device whose data is copied.
void type_problems(const FsKind& dst, const struct stat& st, bool top_stream, std::vector<Problem>& out);
// Every problem of one entry called `name` on `dst` (nothing on a Linux filesystem): its name,
// a clash with `clash_with` (when not null), and its type. With the job's choices `map` and
// `follow`, the problems they settle are reported as changes.
void entry_problems(const FsKind& dst, const std::string& name, const std::string* clash_with, const struct stat& st, bool top_stream, bool map,
                    bool follow, std::vector<Problem>& out);
// "symbolic links cannot be stored on exFAT" and the like, for an entry type the destination lacks.
std::string type_reason(const FsKind& dst, EntryType t);

// An error the destination answered while Ferry made `dname` (a `type` entry of `size` bytes),
// in plain words when what is known of the destination explains it: "name contains ':' which
// exFAT does not allow (exFAT answered: no such file or directory)". The code and errno stay the
// raw ones. Otherwise sys_error() as it is.
WireErr dest_error(const FsKind& dst, int err, const char* syscall, const std::string& dname, EntryType type, uint64_t size,
                   const std::string& src, const std::string& dest);

// What a foreign destination cannot keep of a file's metadata, as one sentence for the job's
// warning ("permissions, owners and extended attributes are not kept on exFAT, and file times
// only to the second"), or "" when it keeps everything.
std::string lost_metadata(const FsKind& dst);

}  // namespace ferry
