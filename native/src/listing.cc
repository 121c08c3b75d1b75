// DirLister (see listing.h). Runs on a worker thread (Node-API async work): no Node-API here.
#include "listing.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <thread>

#include "engine.h"
#include "walk.h"

namespace ferry {

namespace {

const char* type_name(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "chardev";
    case S_IFBLK: return "blockdev";
    case S_IFSOCK: return "socket";
    default: return "file";
  }
}

const char* dtype_name(unsigned char t) {
  switch (t) {
    case DT_DIR: return "dir";
    case DT_LNK: return "symlink";
    case DT_FIFO: return "fifo";
    case DT_CHR: return "chardev";
    case DT_BLK: return "blockdev";
    case DT_SOCK: return "socket";
    default: return "file";
  }
}

bool valid_utf8(const char* s, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    size_t k = utf8_seq_len(p + i, n - i);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

// JS toLowerCase() of one code point, where that is one code point and needs no context, in the
// blocks names use most (Latin, Greek, Cyrillic); any other code point as it is (the renderer's
// check catches what that puts out of place).
uint32_t lower_cp(uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
  if (c >= 0xC0 && c <= 0xDE) return c == 0xD7 ? c : c + 0x20;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;  // İ becomes two
    if (c == 0x178) return 0xFF;
    const bool upper_even = c < 0x139 || (c >= 0x14A && c < 0x178);
    return (c % 2 == 0) == upper_even ? c + 1 : c;
  }
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x391 && c <= 0x3AB) return c == 0x3A2 || c == 0x3A3 ? c : c + 0x20;  // Σ: final ς by context
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF)) return c % 2 == 0 ? c + 1 : c;
  if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c % 2 == 0 ? c + 1 : c;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

// `name` (valid UTF-8) case folded as lower_cp() does, into `out` (cleared first).
void fold_case(std::string_view name, std::string& out) {
  out.clear();
  const unsigned char* p = (const unsigned char*)name.data();
  const size_t n = name.size();
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      out += (char)lower_cp(p[i++]);
      continue;
    }
    const size_t k = utf8_seq_len(p + i, n - i);
    put_utf8(out, lower_cp(code_point(p + i, k)));
    i += k;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The renderer's naturalKey() (sort.ts) of `name` (as JS sees it: UTF-8, or \xNN-escaped),
// appended to `out`: case folded, each digit run without its leading zeros (a run of zeros keeps
// one) and prefixed by its length as the character '0' + length (at most 60). `lower`: scratch.
void append_natural_key(std::string& out, std::string_view name, std::string& lower) {
  fold_case(name, lower);
  const size_t n = lower.size();
  for (size_t i = 0; i < n;) {
    if (!is_digit(lower[i])) {
      out += lower[i++];
      continue;
    }
    size_t s = i;
    while (s + 1 < n && lower[s] == '0' && is_digit(lower[s + 1])) s++;
    size_t end = s;
    while (end < n && is_digit(lower[end])) end++;
    out += (char)('0' + std::min<size_t>(end - s, 60));
    out.append(lower, s, end - s);
    i = end;
  }
}

// Whether the renderer puts this entry with the folders (isDirLike: a folder, or a link to one).
// d_type says so for most; a link, or an entry the filesystem gives no type for, is stat'ed.
bool folder_like(int dirfd, const char* nm, unsigned char dtype) {
  if (dtype == DT_DIR) return true;
  if (dtype != DT_LNK && dtype != DT_UNKNOWN) return false;
  struct stat st;
  if (dtype == DT_UNKNOWN) {
    if (fstatat(dirfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    if (!S_ISLNK(st.st_mode)) return S_ISDIR(st.st_mode);
  }
  return fstatat(dirfd, nm, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

void DirLister::sort_names(int dirfd) {
  // Per name: its natural key then the name as JS sees it (the tie-break), in a buffer of keys;
  // the key's first 8 bytes as a number, so most comparisons are one integer compare.
  struct Item {
    uint64_t head;
    const char* key;  // key_len bytes of key, then tie_len bytes of name
    uint32_t name_at;
    uint16_t key_len, tie_len;
    unsigned char type;
    bool folder;
  };
  const size_t n = types_.size();
  // Name offsets are 32-bit: a folder whose names take gigabytes comes in the folder's order (the
  // renderer sorts it).
  if (names_.size() > (1u << 31)) return;
  const bool down = order_ == ListOrder::kNameDown;
  auto before = [down](const Item& a, const Item& b) {
    if (a.folder != b.folder) return a.folder;
    if (a.head != b.head) return down ? a.head > b.head : a.head < b.head;
    int c = std::string_view(a.key, a.key_len).compare(std::string_view(b.key, b.key_len));
    if (c == 0) c = std::string_view(a.key + a.key_len, a.tie_len).compare(std::string_view(b.key + b.key_len, b.tie_len));
    return down ? c > 0 : c < 0;
  };
  // The names from `pos` on, [from, to) of them, keyed into `keys` and sorted in `items`.
  auto keyed = [&](size_t pos, size_t from, size_t to, std::vector<Item>& items, std::string& keys) {
    items.resize(to - from);
    keys.reserve((names_.size() * 2 + n * 2) * (to - from) / std::max<size_t>(n, 1) + 64);
    std::string lower, escaped;
    std::vector<size_t> at(to - from);
    for (size_t i = from; i < to; i++) {
      const char* nm = names_.data() + pos;
      const size_t len = strlen(nm);
      std::string_view js(nm, len);
      if (!valid_utf8(nm, len)) {
        escaped = escape_name(nm, len);
        js = escaped;
      }
      Item& it = items[i - from];
      it.name_at = (uint32_t)pos;
      it.type = types_[i];
      it.folder = folder_like(dirfd, nm, types_[i]);
      at[i - from] = keys.size();
      append_natural_key(keys, js, lower);
      it.key_len = (uint16_t)(keys.size() - at[i - from]);
      keys.append(js);
      it.tie_len = (uint16_t)js.size();
      pos += len + 1;
    }
    // Pointers only now: `keys` no longer grows.
    for (size_t k = 0; k < items.size(); k++) {
      Item& it = items[k];
      it.key = keys.data() + at[k];
      it.head = 0;
      for (size_t b = 0; b < 8; b++) it.head = (it.head << 8) | (b < it.key_len ? (unsigned char)it.key[b] : 0);
    }
    std::sort(items.begin(), items.end(), before);
  };
  std::vector<Item> items[2];
  std::string keys[2];
  if (n >= kSplitRows * 10) {
    // A big folder's halves are keyed and sorted on two threads, then merged.
    size_t mid_pos = 0;
    for (size_t i = 0; i < n / 2; i++) mid_pos += strlen(names_.data() + mid_pos) + 1;
    {
      JoiningThread helper([&] { keyed(mid_pos, n / 2, n, items[1], keys[1]); });
      keyed(0, 0, n / 2, items[0], keys[0]);
    }
    std::vector<Item> all(n);
    std::merge(items[0].begin(), items[0].end(), items[1].begin(), items[1].end(), all.begin(), before);
    items[0].swap(all);
  } else {
    keyed(0, 0, n, items[0], keys[0]);
  }
  std::string names;
  names.reserve(names_.size());
  for (size_t i = 0; i < n; i++) {
    const char* nm = names_.data() + items[0][i].name_at;
    names.append(nm, strlen(nm) + 1);
    types_[i] = items[0][i].type;
  }
  names_.swap(names);
}

int DirLister::open_and_count(uint64_t& count) {
  int err = 0;
  UniqueFd fd = open_dir_long(decode_path(path_), O_RDONLY, err);
  if (!fd) return err;
  // One pass of getdents64 keeps every name (NUL-ended, one after the other) and its d_type: the
  // count is exact, and the rows are stat'ed from these names without reading the folder again.
  std::vector<char> buf(256 * 1024);
  for (;;) {
    long n = syscall(SYS_getdents64, fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    for (long p = 0; p < n;) {
      auto* d = (LinuxDirent64*)(buf.data() + p);
      p += d->d_reclen;
      if (is_dot_name(d->d_name)) continue;
      names_.append(d->d_name, strlen(d->d_name) + 1);
      types_.push_back(d->d_type);
    }
  }
  if (order_ != ListOrder::kFolder) sort_names(fd.get());
  names_.shrink_to_fit();
  types_.shrink_to_fit();
  fd_ = std::move(fd);
  count = types_.size();
  return 0;
}

ListedRow DirLister::examine(int dirfd, const std::string& base, const char* nm, unsigned char dtype) {
  const size_t nlen = strlen(nm);
  ListedRow r;
  r.name = escape_name(nm, nlen);
  r.path = base;
  r.path += '/';
  r.path += r.name;
  r.hidden = nm[0] == '.';
  r.type = dtype_name(dtype);
  struct statx sx;
  if (statx(dirfd, nm, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME, &sx) != 0) {
    r.error = sys_error(errno, "lstat", r.path, "");
  } else {
    r.type = type_name(sx.stx_mode);
    r.size = sx.stx_size;
    r.mtime_ms = (double)sx.stx_mtime.tv_sec * 1000.0 + (double)sx.stx_mtime.tv_nsec / 1e6;
    r.mode = sx.stx_mode;
    if (S_ISLNK(sx.stx_mode)) {
      r.link = true;
      std::vector<char> t((size_t)std::max<uint64_t>(sx.stx_size, 255) + 1);
      ssize_t k = readlinkat(dirfd, nm, t.data(), t.size());
      if (k >= 0 && (size_t)k < t.size()) {
        r.has_link_target = true;
        r.link_target = escape_name(t.data(), (size_t)k);
      }
      struct stat ts;
      if (fstatat(dirfd, nm, &ts, 0) == 0) {
        r.target_type = type_name(ts.st_mode);
        if (S_ISREG(ts.st_mode)) r.size = (uint64_t)ts.st_size;
      } else {
        const int e = errno;
        r.error = sys_error(e, "stat", r.path, "");
        r.error->message = e == ELOOP ? "broken symlink: loops" : "broken symlink: target missing";
      }
    }
  }
  // The name is kept exactly (\xNN); every request takes paths in that spelling.
  r.escaped = !valid_utf8(nm, nlen);
  return r;
}

std::vector<const char*> DirLister::take(size_t max) {
  const size_t end = std::min(types_.size(), at_ + max);
  std::vector<const char*> names;
  names.reserve(end - at_);
  for (size_t i = at_; i < end; i++) {
    names.push_back(names_.data() + pos_);
    pos_ += strlen(names_.data() + pos_) + 1;
  }
  return names;
}

template <typename F>
void DirLister::batch(size_t n, F part, bool& done) {
  if (n >= kSplitRows) {
    // statx is most of a row's cost: a big batch's second half is stat'ed on a second thread.
    JoiningThread helper([&] { part(1, n / 2, n); });
    part(0, 0, n / 2);
  } else {
    part(0, 0, n);
  }
  at_ += n;
  done = at_ >= types_.size();
  if (done) {
    fd_.reset();
    std::string().swap(names_);
    std::vector<unsigned char>().swap(types_);
  }
}

int DirLister::next(size_t max, std::string& out, bool& done) {
  const std::string base = path_ == "/" ? std::string() : path_;
  const std::vector<const char*> names = take(max);
  // Each half's rows, comma-separated.
  std::string half[2];
  batch(
      names.size(),
      [&](int h, size_t from, size_t to) {
        for (size_t k = from; k < to; k++) {
          if (k > from) half[h] += ',';
          listed_row_json(half[h], examine(fd_.get(), base, names[k], types_[at_ + k]));
        }
      },
      done);
  out += '[';
  out += half[0];
  if (!half[0].empty() && !half[1].empty()) out += ',';
  out += half[1];
  out += ']';
  return 0;
}

int DirLister::next_columns(size_t max, std::string& out, bool& done) {
  const std::string base = path_ == "/" ? std::string() : path_;
  const std::vector<const char*> names = take(max);
  ListedColumns half[2];
  batch(
      names.size(),
      [&](int h, size_t from, size_t to) {
        for (size_t k = from; k < to; k++) listed_column_row(half[h], k, examine(fd_.get(), base, names[k], types_[at_ + k]));
      },
      done);
  const ListedColumns* parts[] = {&half[0], &half[1]};
  listed_columns_json(out, parts, 2);
  return 0;
}

}  // namespace ferry
