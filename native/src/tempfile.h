// Where new entries are built before they get their final name, and how they get it.
//
// A new file's data goes into an O_TMPFILE in the destination folder (no name at all), or, where
// the filesystem has none, into a hidden `.ferry-<16 hex>.tmp` (kTmpPrefix + hex + kTmpSuffix;
// native/types.ts ENGINE_TEMP_NAME matches it). Only a complete file gets a name: linkat() when
// the name is free (atomic: EEXIST if someone took it meanwhile), or a hidden name then
// renameat() over the old file when overwriting. Whatever is not committed is discarded by the
// destructor, so no path through the engine can leave a temp behind.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <string>

#include "fd.h"

namespace ferry {

extern const char* const kTmpPrefix;  // ".ferry-"
extern const char* const kTmpSuffix;  // ".tmp"
// A fresh hidden name: ".ferry-" + 16 hex digits + ".tmp".
std::string random_tmp_name();

// "name (1).ext": the extension stays at the end; dotfiles have no extension.
std::string numbered_name(const std::string& name, int n);
// Tries "base (1)", "base (2)"… with `take` while it answers EEXIST. Returns take's last answer
// (*got is the name it took, or the one it failed on), or EEXIST when `limit` names were all taken.
int take_numbered(const std::string& base, int limit, const std::function<int(const std::string&)>& take, std::string* got);

// Gives an O_TMPFILE a name. Root can use AT_EMPTY_PATH; others go through /proc/self/fd.
int link_tmpfile(int fd, int dfd, const char* name, bool root);
// rename without replacing (0 or an errno). Filesystems without RENAME_NOREPLACE (FUSE, some
// network ones) answer EINVAL: then a hard link (atomic, EEXIST) plus unlink for files, else a
// check and a plain rename (the only way left; the window is tiny).
int rename_noreplace(int odfd, const char* oname, int ndfd, const char* nname, bool is_file);
// fsync() of a folder held by an O_PATH descriptor (fsync needs a readable one). 0 or an errno.
int fsync_dir(int dfd);

// Does `name` have the shape of an engine temp (".ferry-" + 16 lower-case hex digits + ".tmp")?
bool is_temp_name(const std::string& name);

// The owner record of a hidden tree (xattr user.ferry.temp on its top folder): what findTemps()
// reports after a crash. Stored as NUL-separated fields ("ferry.temp.1", final name, source, tag,
// "1"/"0" preserve): names and paths never hold a NUL, and may hold anything else.
struct TempOwner {
  std::string final_name;  // escaped, in the same folder
  std::string src;         // escaped source folder
  std::string tag;
  bool preserve = true;
};
// Best effort (a filesystem without user xattrs keeps no record; findTemps() then says unknown).
void write_temp_owner(int dirfd, const TempOwner& o);
// 1 read, 0 no record, -1 a record that is not the engine's (another program's xattr).
int read_temp_owner(int fd, TempOwner& o);
// The tree got its final name: it is an ordinary folder now.
void clear_temp_owner(int dirfd);

// Removes `name` in folder `pdfd`, a folder with everything in it, by descriptors (any depth, any
// names). 0 or the first errno met (it goes on with the rest).
int remove_tree(int pdfd, const std::string& name);

// A name in a folder that is removed when this goes out of scope, unless released.
class TempName {
 public:
  TempName() = default;
  TempName(int dfd, std::string name, bool is_dir = false) : dfd_(dfd), name_(std::move(name)), is_dir_(is_dir) {}
  TempName(const TempName&) = delete;
  TempName& operator=(const TempName&) = delete;
  TempName(TempName&& o) noexcept { *this = std::move(o); }
  TempName& operator=(TempName&& o) noexcept;
  ~TempName() { remove(); }
  const std::string& name() const { return name_; }
  bool armed() const { return dfd_ >= 0; }
  void release() { dfd_ = -1; }  // the name now belongs to something that stays
  void remove();

 private:
  int dfd_ = -1;  // borrowed
  std::string name_;
  bool is_dir_ = false;
};

// A new file being written in a destination folder (see the top of this file).
class TempFile {
 public:
  struct Err {
    int err = 0;
    const char* syscall = "";
  };
  // In folder `dfd` (borrowed: it outlives this). `direct`: create it under its final name `dname`
  // at once (inside a tree that is itself still hidden; created with `mode & 0777`). Sets
  // `no_tmpfile` when the filesystem refuses O_TMPFILE, and uses hidden names from then on.
  // 0 or an errno.
  int open(int dfd, bool direct, const std::string& dname, mode_t mode, std::atomic<bool>& no_tmpfile);
  int fd() const { return fd_.get(); }
  bool direct() const { return direct_; }
  // Created with `mode & 0777` (the umask, or a default ACL, applied): direct, or an O_TMPFILE
  // (unnamed, so its bits show nowhere until it is complete). A hidden-name fallback is 0600.
  bool with_mode() const { return with_mode_; }
  // Names the complete file `name` where that name is free (EEXIST when it is taken).
  Err publish_new(const std::string& name, bool root);
  // Puts the complete file in place of what is called `name` (atomic rename over it).
  Err publish_over(const std::string& name, bool root);
  // A direct file is already where it belongs: keep it.
  void keep();
  // Once the file is published or kept, its descriptor goes to `*out` instead of being closed (a
  // move keeps it until its batch is flushed: write-back errors reach descriptors open before them).
  void hand_fd_to(UniqueFd* out) { out_ = out; }
  // Removes whatever was written (also done by the destructor when not published or kept).
  void discard();
  ~TempFile() { discard(); }

 private:
  int dfd_ = -1;
  UniqueFd fd_;
  TempName name_;  // armed while the file has a hidden (or, direct, its final) name
  bool direct_ = false;
  bool with_mode_ = false;
  UniqueFd* out_ = nullptr;
  void done_with_fd();
};

}  // namespace ferry
