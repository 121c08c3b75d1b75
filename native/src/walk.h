// The one tree walker. Copying (job.cc), counting (scan.cc) and explaining (explain.cc) all walk
// a tree with walk_tree(): depth first with an explicit stack (trees deeper than any C stack are
// fine), one open folder per level, names read with getdents64 relative to directory fds (so
// names are bytes and paths may exceed PATH_MAX). Runs on the caller's thread.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ferry {

struct Dirent {
  std::string name;
  unsigned char type;  // DT_* (never DT_UNKNOWN once walk_tree hands it over)
  bool via_link = false;  // a symlink the visitor's listed() made a folder (its target is walked)
  uint64_t ino = 0;       // d_ino as listed
};

// One record of getdents64's buffer (the kernel's struct linux_dirent64).
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};
inline bool is_dot_name(const char* n) { return n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)); }

// Reads a whole directory with getdents64 (no DIR*, no full paths). 0 or an errno.
int list_dir(int fd, std::vector<Dirent>& out);
unsigned char dtype_of(mode_t m);

// Optional in a visitor: `static constexpr bool kInodeOrder = true;` visits each folder's entries
// in inode order (as cp does): on disk filesystems inode order is close to the order of the
// inodes (and often the data) on disk, so a cold tree is read with fewer seeks.
template <class V, class = void>
struct InodeOrder : std::false_type {};
template <class V>
struct InodeOrder<V, std::void_t<decltype(V::kInodeOrder)>> : std::bool_constant<V::kInodeOrder> {};

// V, the visitor, provides:
//   using Node = …;                          a folder being walked (movable)
//   static constexpr bool kSorted;           visit names in byte order (else as listed, or by inode)
//   int dir_fd(const Node&);                 the folder's fd (listing, fstatat)
//   void unlisted(Node&, int err);           its listing failed (what was read is still walked)
//   void listed(Node&, std::vector<Dirent>&);  a folder's whole listing, before its entries (names
//                                            that clash on a case-folding destination; links whose
//                                            folder is walked instead: type DT_DIR, via_link)
//   bool stopped();                          cancelled: leave every folder now
//   bool pace(size_t depth);                 before each entry; may block (pause); false: look again
//   bool enter(Node& parent, const Dirent&, size_t depth, Node& child);  a folder: true to descend
//   void entry(Node& parent, Dirent&&);      anything that is not a folder
//   void leave(Node&&);                      a folder is done (or the walk stopped)
template <class V>
void walk_tree(V& v, typename V::Node root) {
  using Node = typename V::Node;
  struct Frame {
    Node node;
    std::vector<Dirent> ents;
    size_t i = 0;
  };
  std::vector<Frame> stack;
  auto push = [&](Node n) {
    Frame f{std::move(n), {}, 0};
    if (int e = list_dir(v.dir_fd(f.node), f.ents)) v.unlisted(f.node, e);
    if (V::kSorted) std::sort(f.ents.begin(), f.ents.end(), [](const Dirent& a, const Dirent& b) { return a.name < b.name; });
    else if (InodeOrder<V>::value) std::sort(f.ents.begin(), f.ents.end(), [](const Dirent& a, const Dirent& b) { return a.ino < b.ino; });
    v.listed(f.node, f.ents);
    stack.push_back(std::move(f));
  };
  push(std::move(root));
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (v.stopped() || f.i >= f.ents.size()) {
      Node n = std::move(f.node);
      stack.pop_back();
      v.leave(std::move(n));
      continue;
    }
    if (!v.pace(stack.size())) continue;
    Dirent e = std::move(f.ents[f.i++]);
    if (e.type == DT_UNKNOWN) {
      struct stat s;
      if (fstatat(v.dir_fd(f.node), e.name.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0) e.type = dtype_of(s.st_mode);
    }
    if (e.type == DT_DIR) {
      Node child{};
      if (v.enter(f.node, e, stack.size(), child)) push(std::move(child));  // invalidates f
      continue;
    }
    v.entry(f.node, std::move(e));
  }
}

}  // namespace ferry
