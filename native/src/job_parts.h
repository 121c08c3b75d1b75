// What a job's walker and workers share (job.cc, entry.cc): folders, tasks, worker slots.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "copy.h"
#include "engine.h"
#include "fsinfo.h"

namespace ferry {

// A source folder being copied, or an anchor (the parents of a top-level pair). Holds the two
// directory fds its children are opened against. `pending` counts the walker's hold plus every
// queued child and child folder; at zero the folder gets its final metadata and its fds are
// closed (the memory goes with the last shared_ptr: tasks and child folders hold one).
struct DirNode {
  std::shared_ptr<DirNode> parent;
  UniqueFd sfd, dfd;
  std::string src_path, dest_path;  // escaped, for records
  std::string sname, dname;         // raw names in the parents
  struct stat st {};                 // source folder (for anchors: the source parent)
  dev_t ddev = 0;
  FsKind sfs, dfs;
  bool anchor = false;
  bool fresh = false;  // created by this job: it was empty, so no per-file existence check
  // Inside a tree that is being built under a hidden temp name (see Job::open_dir): files are
  // created directly under their names, the whole tree appears at once when the top is renamed.
  bool direct = false;
  std::string tmp_top;  // the hidden name of that top folder while it fills
  uint64_t dino = 0;    // the destination folder's inode when this job created it (else 0)
  bool no_default_acl = false;  // the destination folder has no default ACL (creation modes are exact)
  bool dst_setgid = false;
  gid_t dst_gid = 0;
  uint64_t t0 = 0;
  std::atomic<int> pending{1};
  std::atomic<bool> child_failed{false};
  std::atomic<bool> rename_exdev{false};
  std::atomic<bool> no_tmpfile{false};
  std::vector<std::string> warnings;
  // Foreign destinations: names of this folder that are another's on a case-folding destination
  // (→ that one), set by the walker before any child is queued.
  std::map<std::string, std::string> clash;
  // Reached through a link whose target is copied: nothing below it is the moved tree's own, so a
  // move removes nothing there.
  bool followed = false;
};

struct Task {
  std::shared_ptr<DirNode> dir;
  std::string sname, dname;
  std::string src_path, dest_path;
  unsigned char dtype = DT_UNKNOWN;
  bool top = false;  // an explicit pair (not found by walking a folder)
  bool mapped = false;  // dname is sname with the characters the destination forbids replaced
  UniqueFd data;  // a move's copy: the descriptor that wrote it, open until its batch is flushed
};

struct Worker {
  WorkerRes res;
  uint64_t gen = 0;  // skip generation at the start of the current file
  // Progress slot: the file in flight, read by the reporter thread (Job::progress_event) under
  // slot_mu. Its own lock (not one for the whole job), and pointers to the record's paths rather
  // than copies: a small-file tree sets it 50,000 times, progress is read 20 times a second.
  std::mutex slot_mu;
  const std::string* src = nullptr;  // null: no file in flight
  const std::string* dest = nullptr;
  uint64_t size = 0;
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> method{-1};
  // Shows a record's paths while it lives (the record must outlive it).
  class Shown {
   public:
    Shown(Worker& w, const std::string& src, const std::string& dest, uint64_t size) : w_(w) {
      std::lock_guard<std::mutex> lk(w_.slot_mu);
      w_.src = &src;
      w_.dest = &dest;
      w_.size = size;
    }
    Shown(const Shown&) = delete;
    Shown& operator=(const Shown&) = delete;
    ~Shown() {
      std::lock_guard<std::mutex> lk(w_.slot_mu);
      w_.src = w_.dest = nullptr;
    }

   private:
    Worker& w_;
  };
};

inline bool same_inode(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

inline Record base_record(const std::string& src, const std::string& dest, EntryType type) {
  Record r;
  r.src = src;
  r.dest = dest;
  r.type = type;
  return r;
}

}  // namespace ferry
