// Small helpers shared by the engine: errno names and messages, Node-shaped errors, path escaping,
// opening paths of any length. Pure C++, callable from any thread.
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cmath>

#include "engine.h"

namespace ferry {

const char* method_name(Method m) {
  switch (m) {
    case Method::Reflink: return "reflink";
    case Method::CopyFileRange: return "copy_file_range";
    case Method::Splice: return "splice";
    case Method::Buffered: return "buffered";
  }
  return "buffered";
}

int method_from_name(const std::string& s) {
  if (s == "reflink") return 0;
  if (s == "copy_file_range") return 1;
  if (s == "splice") return 2;
  if (s == "buffered") return 3;
  return -1;
}

const char* entry_type_name(EntryType t) {
  switch (t) {
    case EntryType::File: return "file";
    case EntryType::Dir: return "dir";
    case EntryType::Symlink: return "symlink";
    case EntryType::Fifo: return "fifo";
    case EntryType::CharDev: return "chardev";
    case EntryType::BlockDev: return "blockdev";
    case EntryType::Socket: return "socket";
  }
  return "file";
}

EntryType entry_type_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return EntryType::Dir;
    case S_IFLNK: return EntryType::Symlink;
    case S_IFIFO: return EntryType::Fifo;
    case S_IFCHR: return EntryType::CharDev;
    case S_IFBLK: return EntryType::BlockDev;
    case S_IFSOCK: return EntryType::Socket;
    default: return EntryType::File;
  }
}

// One entry per errno Linux defines. Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) share a number with
// the name listed here, which is the kernel's own.
#define FERRY_ERRNOS(X)                                                                                 \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD)           \
  X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR)   \
  X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS)    \
  X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOLCK) X(ENOSYS) X(ENOTEMPTY)      \
  X(ELOOP) X(ENOMSG) X(EIDRM) X(ECHRNG) X(EL2NSYNC) X(EL3HLT) X(EL3RST) X(ELNRNG) X(EUNATCH) X(ENOCSI)  \
  X(EL2HLT) X(EBADE) X(EBADR) X(EXFULL) X(ENOANO) X(EBADRQC) X(EBADSLT) X(EBFONT) X(ENOSTR) X(ENODATA)  \
  X(ETIME) X(ENOSR) X(ENONET) X(ENOPKG) X(EREMOTE) X(ENOLINK) X(EADV) X(ESRMNT) X(ECOMM) X(EPROTO)      \
  X(EMULTIHOP) X(EDOTDOT) X(EBADMSG) X(EOVERFLOW) X(ENOTUNIQ) X(EBADFD) X(EREMCHG) X(ELIBACC)           \
  X(ELIBBAD) X(ELIBSCN) X(ELIBMAX) X(ELIBEXEC) X(EILSEQ) X(ERESTART) X(ESTRPIPE) X(EUSERS) X(ENOTSOCK)  \
  X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT)        \
  X(EOPNOTSUPP) X(EPFNOSUPPORT) X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN)              \
  X(ENETUNREACH) X(ENETRESET) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN)           \
  X(ESHUTDOWN) X(ETOOMANYREFS) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) X(EALREADY)    \
  X(EINPROGRESS) X(ESTALE) X(EUCLEAN) X(ENOTNAM) X(ENAVAIL) X(EISNAM) X(EREMOTEIO) X(EDQUOT)            \
  X(ENOMEDIUM) X(EMEDIUMTYPE) X(ECANCELED) X(ENOKEY) X(EKEYEXPIRED) X(EKEYREVOKED) X(EKEYREJECTED)      \
  X(EOWNERDEAD) X(ENOTRECOVERABLE) X(ERFKILL) X(EHWPOISON)

const char* errno_name(int err) {
  switch (err) {
#define X(e) \
  case e: return #e;
    FERRY_ERRNOS(X)
#undef X
    default: return "UNKNOWN";
  }
}

std::string errno_desc(int err) {
  char buf[256];
  const char* s = strerror_r(err, buf, sizeof buf);
  std::string out = s ? s : "unknown error";
  if (!out.empty() && out.size() > 1 && std::isupper((unsigned char)out[0]) && std::islower((unsigned char)out[1]))
    out[0] = (char)std::tolower((unsigned char)out[0]);
  return out;
}

WireErr node_error(const std::string& code, int err, const std::string& description, const char* syscall, const std::string& path,
                   const std::string& dest) {
  WireErr w;
  w.code = code;
  if (err > 0) {
    w.errnum = -err;
    w.has_errno = true;
  }
  w.syscall = syscall ? syscall : "";
  w.path = path;
  w.dest = dest;
  w.message = w.code + ": " + description + ", " + w.syscall;
  if (!path.empty()) w.message += " '" + path + "'";
  if (!dest.empty()) w.message += " -> '" + dest + "'";
  return w;
}

WireErr sys_error(int err, const char* syscall, const std::string& path, const std::string& dest) {
  return node_error(errno_name(err), err, errno_desc(err), syscall, path, dest);
}

WireErr copy_side(WireErr e, int err) {
  const std::string& s = e.syscall;
  if (s == "read" || s == "pread" || s == "lseek") return at_source(std::move(e));
  if (s == "write" || s == "pwrite" || s == "ftruncate" || s == "fallocate" || err == ENOSPC || err == EDQUOT || err == EFBIG || err == EROFS)
    return at_dest(std::move(e));
  return e;
}

std::string format_size(uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = (double)bytes;
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    u++;
  }
  // JS: v < 10 ? v.toFixed(1) : Math.round(v) (ties go up in both).
  char buf[64];
  if (v < 10) {
    const double tenths = std::floor(v * 10);
    const double n = (v * 10 - tenths) >= 0.5 ? tenths + 1 : tenths;
    snprintf(buf, sizeof buf, "%.1f %s", n / 10, units[u]);
  } else {
    snprintf(buf, sizeof buf, "%.0f %s", std::floor(v + 0.5), units[u]);
  }
  return buf;
}

WireErr custom_error(const char* code, const std::string& message, const std::string& path, const std::string& dest) {
  WireErr w;
  w.code = code;
  w.message = std::string(code) + ": " + message;
  w.path = path;
  w.dest = dest;
  return w;
}

// ---- path escaping ----
size_t utf8_seq_len(const unsigned char* p, size_t left) {
  unsigned char c = p[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (left < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range code points are not valid UTF-8.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp > 0x10FFFF) return 0;
  return n;
}

uint32_t code_point(const unsigned char* p, size_t n) {
  if (n == 1) return p[0];
  uint32_t cp = p[0] & (0xFF >> (n + 1));
  for (size_t i = 1; i < n; i++) cp = (cp << 6) | (p[i] & 0x3F);
  return cp;
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += (char)cp;
  } else if (cp < 0x800) {
    out += (char)(0xC0 | (cp >> 6));
    out += (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += (char)(0xE0 | (cp >> 12));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  } else {
    out += (char)(0xF0 | (cp >> 18));
    out += (char)(0x80 | ((cp >> 12) & 0x3F));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  }
}

static bool is_hex(unsigned char c) { return std::isxdigit(c) != 0; }

std::string escape_name(const char* bytes, size_t len) {
  static const char* hex = "0123456789ABCDEF";
  const unsigned char* p = (const unsigned char*)bytes;
  std::string out;
  out.reserve(len);
  size_t i = 0;
  while (i < len) {
    if (p[i] == '\\' && i + 3 < len && p[i + 1] == 'x' && is_hex(p[i + 2]) && is_hex(p[i + 3])) {
      out += "\\x5C";
      i++;
      continue;
    }
    size_t n = utf8_seq_len(p + i, len - i);
    if (n == 0) {
      out += "\\x";
      out += hex[p[i] >> 4];
      out += hex[p[i] & 15];
      i++;
    } else {
      out.append((const char*)p + i, n);
      i += n;
    }
  }
  return out;
}

std::string decode_path(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && is_hex(s[i + 2]) && is_hex(s[i + 3])) {
      out += (char)std::stoi(s.substr(i + 2, 2), nullptr, 16);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string join_path(const std::string& dir, const std::string& escaped_name) {
  if (!dir.empty() && dir.back() == '/') return dir + escaped_name;
  return dir + "/" + escaped_name;
}

std::string parent_of(const std::string& p) {
  size_t s = p.rfind('/');
  if (s == std::string::npos) return "";
  if (s == 0) return "/";
  return p.substr(0, s);
}

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// ---- opening paths of any length ----
UniqueFd open_dir_long(const std::string& path, int flags, int& err) {
  if (path.size() < PATH_MAX - 1) {
    UniqueFd fd(open(path.c_str(), flags | O_DIRECTORY | O_CLOEXEC));
    if (!fd) err = errno;
    return fd;
  }
  // Walk component by component: each openat sees one name, never the whole path.
  UniqueFd cur(open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur) {
    err = errno;
    return cur;
  }
  std::vector<std::string> comps;
  for (size_t i = 0; i < path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) comps.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (comps.empty()) {
    UniqueFd fd(open("/", flags | O_DIRECTORY | O_CLOEXEC));
    if (!fd) err = errno;
    return fd;
  }
  for (size_t k = 0; k < comps.size(); k++) {
    const bool last = k + 1 == comps.size();
    UniqueFd next(openat(cur.get(), comps[k].c_str(), (last ? flags : O_PATH) | O_DIRECTORY | O_CLOEXEC));
    if (!next) {
      err = errno;
      return next;
    }
    cur = std::move(next);
  }
  return cur;
}

const char* skip_reason_name(SkipReason r) {
  switch (r) {
    case SkipReason::Conflict: return "conflict";
    case SkipReason::Newer: return "newer";
    case SkipReason::SkipCurrent: return "skip-current";
    case SkipReason::Cancel: return "cancel";
  }
  return "conflict";
}

UniqueFd open_parent(const std::string& escaped, std::string& name, int& err) {
  const std::string path0 = decode_path(escaped);
  size_t end = path0.size();
  while (end > 1 && path0[end - 1] == '/') end--;
  const size_t slash = path0.rfind('/', end - 1);
  const std::string dir = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path0.substr(0, slash);
  const size_t from = slash == std::string::npos ? 0 : slash + 1;
  name = end > from ? path0.substr(from, end - from) : std::string(".");
  return open_dir_long(dir, O_PATH, err);
}

UniqueFd dest_folder(const std::string& dest, bool into_existing, int& err, std::string* found) {
  std::string dname;
  int e = 0;
  UniqueFd pfd = open_parent(dest, dname, e);
  if (pfd && into_existing) {
    struct stat ds;
    if (fstatat(pfd.get(), dname.c_str(), &ds, 0) == 0 && S_ISDIR(ds.st_mode)) {
      UniqueFd d(openat(pfd.get(), dname.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (d) {
        if (found) *found = dest;
        return d;
      }
    }
  }
  std::string up = dest;
  while (!pfd && e == ENOENT) {
    const size_t k = up.find_last_of('/');
    if (k == std::string::npos || k == 0) break;
    up.resize(k);
    std::string ignored;
    e = 0;
    pfd = open_parent(up, ignored, e);
  }
  if (!pfd) err = e ? e : ENOENT;
  else if (found) *found = parent_of(up).empty() ? "." : parent_of(up);
  return pfd;
}

}  // namespace ferry
