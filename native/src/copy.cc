// Per-file data copy: the four methods and the chain (see copy.h for the contract).
// Runs on worker threads only; no Node-API here.
#include "copy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "plan.h"

namespace ferry {

namespace {

constexpr uint64_t kToEof = UINT64_MAX;
// Each copy_file_range call moves at most this much: keeps pause/cancel responsive (< 100 ms at
// ordinary disk speeds) and stays far below glibc's INT_MAX trouble (sourceware PR33245).
constexpr size_t kCfrChunk = 8u << 20;
// The buffered loop's buffer and the splice pipe: 128 KiB, cp's own size. With 1 MiB, a 1 GiB
// ext4→xfs copy took 1.5-2.3 s in 4-6 of 8 warm runs (the rest ~350 ms); with 128 KiB every run
// took 374-539 ms, and cold runs 744-1,194 ms against 759-1,871 ms (10 alternating runs each).
constexpr size_t kBufSize = 128u << 10;
constexpr int kPipeSize = 128 << 10;

enum class K { Done, Fallback, Error };
struct Step {
  K k;
  int err;
  const char* sys;
  uint64_t bytes;
};

inline Step done(uint64_t b) { return {K::Done, 0, "", b}; }
inline Step fallback(int e, const char* sys) { return {K::Fallback, e, sys, 0}; }
inline Step error(int e, const char* sys, uint64_t b) { return {K::Error, e, sys, b}; }

inline void add_progress(CopyHooks& h, uint64_t n) {
  if (h.progress) h.progress->fetch_add(n, std::memory_order_relaxed);
}

// Writes all of buf (positional when off >= 0). Returns 0 or an errno.
int write_all(int fd, const char* buf, size_t n, off_t off) {
  while (n > 0) {
    ssize_t w = off >= 0 ? pwrite(fd, buf, n, off) : write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;  // a regular file never accepts 0 bytes: stop rather than spin
    buf += w;
    n -= (size_t)w;
    if (off >= 0) off += w;
  }
  return 0;
}

// FICLONE: one ioctl shares all extents (holes included). The result is checked: a clone that
// "succeeded" with a different size than the source is a failure (openzfs #15526).
Step do_reflink(int in, int out) {
  if (ioctl(out, FICLONE, in) != 0) {
    int e = errno;
    return is_clone_unsupported(e) ? fallback(e, "ioctl") : error(e, "ioctl", 0);
  }
  struct stat ss, ds;
  if (fstat(in, &ss) != 0) return error(errno, "fstat", 0);
  if (fstat(out, &ds) != 0) return error(errno, "fstat", 0);
  if (ss.st_size != ds.st_size) return error(EIO, "ioctl", 0);
  return done((uint64_t)ds.st_size);
}

// copy_file_range from off for len bytes (kToEof: until it returns 0). `whole`: a whole-file copy
// (len is kToEof, or the size of a file whose size is exact: see size_is_exact()). Returns
// Fallback with err 0 when it copied nothing at all on a whole-file copy ("size lied").
Step do_cfr(int in, int out, off_t off, uint64_t len, bool whole, CopyHooks& h) {
  uint64_t total = 0;
  while (total < len) {
    if (int c = h.check()) return error(c, "copy_file_range", total);
    size_t want = (size_t)std::min<uint64_t>(len - total, kCfrChunk);
    loff_t io = off + (off_t)total, oo = off + (off_t)total;
    ssize_t n = copy_file_range(in, &io, out, &oo, want, 0);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (total == 0 && is_cfr_fallback(e)) return fallback(e, "copy_file_range");
      return error(e, "copy_file_range", total);
    }
    if (n == 0) {
      if (total == 0 && whole) return fallback(0, "copy_file_range");
      break;  // EOF (the caller compares with what fstat said)
    }
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  return done(total);
}

// The worker's aligned buffer (kBufSize), allocated on first use.
bool ensure_buf(WorkerRes& r) {
  if (r.buf) return true;
  void* p = nullptr;
  if (posix_memalign(&p, 4096, kBufSize) != 0) return false;
  r.buf.reset((char*)p);
  r.buf_size = kBufSize;
  return true;
}

bool ensure_pipe(WorkerRes& r) {
  if (r.pipe_r) return true;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  r.pipe_r.reset(fds[0]);
  r.pipe_w.reset(fds[1]);
  // A bigger pipe means fewer syscalls; unprivileged users may be capped by pipe-max-size.
  if (fcntl(r.pipe_w.get(), F_SETPIPE_SZ, kPipeSize) < 0) {
    int sz = fcntl(r.pipe_w.get(), F_GETPIPE_SZ);
    r.pipe_size = sz > 0 ? (size_t)sz : 65536;
  } else {
    r.pipe_size = kPipeSize;
  }
  return true;
}

// file → pipe → file with splice: the zero-copy route when copy_file_range refuses (EXDEV).
Step do_splice(WorkerRes& r, int in, int out, off_t off, uint64_t len, bool whole, CopyHooks& h) {
  if (!ensure_pipe(r)) return fallback(errno, "pipe2");
  uint64_t total = 0;
  while (total < len) {
    if (int c = h.check()) return error(c, "splice", total);
    size_t want = (size_t)std::min<uint64_t>(len - total, r.pipe_size);
    loff_t io = off + (off_t)total;
    ssize_t n = splice(in, &io, r.pipe_w.get(), nullptr, want, SPLICE_F_MOVE | SPLICE_F_MORE);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (total == 0 && is_splice_fallback(e)) return fallback(e, "splice");
      return error(e, "splice", total);
    }
    if (n == 0) {
      if (total == 0 && whole) return fallback(0, "splice");
      break;
    }
    loff_t oo = off + (off_t)total;
    size_t left = (size_t)n;
    uint64_t written = 0;
    while (left > 0) {
      ssize_t m = splice(r.pipe_r.get(), nullptr, out, &oo, left, SPLICE_F_MOVE | SPLICE_F_MORE);
      if (m < 0) {
        int e = errno;
        if (e == EINTR) continue;
        r.reset_pipe();  // the pipe still holds data: never reuse it
        if (total == 0 && written == 0 && is_splice_fallback(e)) return fallback(e, "splice");
        return error(e, "splice", total + written);
      }
      if (m == 0) {
        r.reset_pipe();
        return error(EIO, "splice", total + written);
      }
      left -= (size_t)m;
      written += (uint64_t)m;
    }
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  return done(total);
}

// read/write with the worker's aligned buffer. Whole-file: read() until it returns 0 (len kToEof,
// whatever st_size said) or len bytes were read. Extents: pread/pwrite at the offsets.
Step do_buffered(WorkerRes& r, int in, int out, off_t off, uint64_t len, bool whole, CopyHooks& h) {
  if (!ensure_buf(r)) return error(ENOMEM, "read", 0);
  bool positional = !whole;
  uint64_t total = 0;
  while (total < len) {
    if (int c = h.check()) return error(c, "read", total);
    size_t want = (size_t)std::min<uint64_t>(len - total, r.buf_size);
    ssize_t n = positional ? pread(in, r.buf.get(), want, off + (off_t)total) : read(in, r.buf.get(), want);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      return error(e, "read", total);
    }
    if (n == 0) break;
    if (int e = write_all(out, r.buf.get(), (size_t)n, positional ? off + (off_t)total : -1)) return error(e, "write", total);
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  return done(total);
}

bool all_zero(const char* p, size_t n) {
  if (n == 0) return true;
  if (p[0] != 0) return false;
  size_t head = n < 16 ? n : 16;
  for (size_t i = 0; i < head; i++)
    if (p[i]) return false;
  return n <= 16 || memcmp(p, p + 16, n - 16) == 0;
}

// read() until EOF, writing only the blocks that are not all zero (pwrite at their offsets), then
// ftruncate to the length read. For sources whose st_blocks say "sparse" but whose filesystem
// cannot say where the holes are (SEEK_HOLE finds none, e.g. FUSE without lseek): cp's
// --sparse=auto does the same.
Step do_buffered_zero(WorkerRes& r, int in, int out, uint64_t len, CopyHooks& h, bool& made_hole) {
  if (!ensure_buf(r)) return error(ENOMEM, "read", 0);
  constexpr size_t kBlock = 4096;
  made_hole = false;
  uint64_t total = 0;
  const char* buf = r.buf.get();
  while (total < len) {
    if (int c = h.check()) return error(c, "read", total);
    ssize_t n = read(in, r.buf.get(), (size_t)std::min<uint64_t>(r.buf_size, len - total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return error(errno, "read", total);
    }
    if (n == 0) break;
    size_t i = 0;
    while (i < (size_t)n) {
      size_t blk = std::min(kBlock, (size_t)n - i);
      if (all_zero(buf + i, blk)) {
        made_hole = true;
        i += blk;
        continue;
      }
      size_t j = i + blk;
      while (j < (size_t)n) {
        size_t b2 = std::min(kBlock, (size_t)n - j);
        if (all_zero(buf + j, b2)) break;
        j += b2;
      }
      if (int e = write_all(out, buf + i, j - i, (off_t)(total + i))) return error(e, "write", total);
      i = j;
    }
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  if (ftruncate(out, (off_t)total) != 0) return error(errno, "ftruncate", total);
  return done(total);
}

Step run_method(Method m, WorkerRes& r, int in, int out, off_t off, uint64_t len, bool whole, CopyHooks& h) {
  switch (m) {
    case Method::CopyFileRange: return do_cfr(in, out, off, len, whole, h);
    case Method::Splice: return do_splice(r, in, out, off, len, whole, h);
    default: return do_buffered(r, in, out, off, len, whole, h);
  }
}

// Local filesystems whose st_size is the file's length when it was opened: a whole-file copy of
// a regular file stops at that size instead of one more call to see EOF (fuc and cp do the same;
// one syscall less per file). A file that grows meanwhile is copied as it was at open. Pseudo
// files (their size lies), FUSE and network filesystems (a daemon or another machine answers)
// read on until EOF.
bool size_is_exact(const FsKind& k) {
  switch (k.magic) {
    case 0xEF53:       // ext4 (and ext2/3)
    case 0x58465342:   // xfs
    case 0x9123683E:   // btrfs
    case 0xca451a4e:   // bcachefs
    case 0x2fc12fc1:   // zfs
    case 0xF2F52010:   // f2fs
    case 0x01021994:   // tmpfs
    case 0x858458f6:   // ramfs
      return !k.pseudo;
    default:
      return false;
  }
}

// After a copy_file_range/splice error: does the source itself fail when read from `off` (up to
// one chunk)? Then the error is the source's (a damaged block), and says so.
bool source_unreadable(WorkerRes& r, int in, uint64_t off) {
  if (!ensure_buf(r)) return false;
  for (uint64_t done = 0; done < kCfrChunk;) {
    ssize_t n = pread(in, r.buf.get(), std::min<uint64_t>(r.buf_size, kCfrChunk - done), (off_t)(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;
    if (n == 0) return false;
    done += (uint64_t)n;
  }
  return false;
}

// Copies the data extents of a sparse source with method m and leaves holes as holes.
// `plain` is set (and nothing done) when the source has no hole after all or cannot say.
Step copy_extents(Method m, WorkerRes& r, const CopyInput& ci, CopyHooks& h, bool& plain, bool& shrank) {
  plain = false;
  shrank = false;
  const off_t size = ci.st.st_size;
  off_t off = 0, end = size;
  uint64_t total = 0;
  bool first = true;
  while (off < size) {
    off_t d = lseek(ci.in, off, SEEK_DATA);
    if (d < 0) {
      int e = errno;
      if (e == ENXIO) break;  // only a hole remains
      if (first && (e == EINVAL || e == EOPNOTSUPP)) { plain = true; return done(0); }
      return error(e, "lseek", total);
    }
    off_t hole = lseek(ci.in, d, SEEK_HOLE);
    if (hole < 0) return error(errno, "lseek", total);
    if (hole > size) hole = size;
    if (first && d == 0 && hole >= size) { plain = true; return done(0); }  // no hole (compressed fs…)
    if (d >= hole) break;
    Step s = run_method(m, r, ci.in, ci.out, d, (uint64_t)(hole - d), false, h);
    if (s.k == K::Fallback) {
      if (total == 0) return s;
      return error(s.err ? s.err : EIO, s.sys, total);
    }
    if (s.k == K::Error) {
      s.bytes += total;
      return s;
    }
    total += s.bytes;
    if (s.bytes < (uint64_t)(hole - d)) {  // source shrank under us
      shrank = true;
      end = d + (off_t)s.bytes;
      break;
    }
    off = hole;
    first = false;
  }
  if (ftruncate(ci.out, end) != 0) return error(errno, "ftruncate", total);
  return done(total);
}

// Waits until `fd` is readable. Returns 1 readable, 0 EOF (hang-up with nothing to read),
// or an interruption code from the hooks.
int wait_readable(int fd, CopyHooks& h) {
  for (;;) {
    if (int c = h.check()) return c;
    struct pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n < 0 && errno != EINTR) return 1;  // let the read report the error
    if (n <= 0) continue;
    if (p.revents & POLLIN) return 1;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return 0;
  }
}

Step stream_splice(WorkerRes& r, int in, int out, bool fifo, CopyHooks& h) {
  if (!fifo && !ensure_pipe(r)) return fallback(errno, "pipe2");
  uint64_t total = 0;
  loff_t oo = 0;
  for (;;) {
    int w = wait_readable(in, h);
    if (w < 0) return error(w, "splice", total);
    if (w == 0) break;
    ssize_t n;
    if (fifo) {
      n = splice(in, nullptr, out, &oo, 1u << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } else {
      n = splice(in, nullptr, r.pipe_w.get(), nullptr, r.pipe_size, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    }
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN) {  // poll said readable but nothing came: wait a little, never spin
        usleep(1000);
        continue;
      }
      if (total == 0 && is_splice_fallback(e)) return fallback(e, "splice");
      return error(e, "splice", total);
    }
    if (n == 0) break;
    if (!fifo) {
      size_t left = (size_t)n;
      while (left > 0) {
        ssize_t m = splice(r.pipe_r.get(), nullptr, out, &oo, left, SPLICE_F_MOVE);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) {
          int e = m < 0 ? errno : EIO;
          r.reset_pipe();
          return error(e, "splice", total);
        }
        left -= (size_t)m;
      }
    }
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  return done(total);
}

Step stream_read(WorkerRes& r, int in, int out, CopyHooks& h) {
  if (!ensure_buf(r)) return error(ENOMEM, "read", 0);
  uint64_t total = 0;
  for (;;) {
    int w = wait_readable(in, h);
    if (w < 0) return error(w, "read", total);
    if (w == 0) break;
    ssize_t n = read(in, r.buf.get(), r.buf_size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        usleep(1000);
        continue;
      }
      return error(errno, "read", total);
    }
    if (n == 0) break;
    if (int e = write_all(out, r.buf.get(), (size_t)n, -1)) return error(e, "write", total);
    total += (uint64_t)n;
    add_progress(h, (uint64_t)n);
  }
  return done(total);
}

}  // namespace

// Does the filesystem report a hole in this file? (SEEK_DATA/SEEK_HOLE; false when it cannot say)
bool reports_hole(int in, off_t size) {
  off_t d = lseek(in, 0, SEEK_DATA);
  bool hole;
  if (d < 0) hole = errno == ENXIO;  // all hole
  else if (d > 0) hole = true;
  else {
    off_t h = lseek(in, 0, SEEK_HOLE);
    hole = h >= 0 && h < size;
  }
  lseek(in, 0, SEEK_SET);
  return hole;
}

namespace {

// A forced method that cannot apply: nothing copied, the entry fails with `m not possible: why`.
CopyResult& refuse(CopyResult& r, Method m, int e, const char* sys, const std::string& why) {
  r.ok = false;
  r.err = e;
  r.syscall = sys;
  r.custom_code = e ? errno_name(e) : "ENOTSUP";
  r.custom_message = std::string(method_name(m)) + " not possible: " + why;
  return r;
}

}  // namespace

CopyResult copy_stream(WorkerRes& res, const CopyInput& ci, CopyHooks& hooks) {
  CopyResult r;
  PlanFacts facts;
  facts.type = entry_type_of(ci.st.st_mode);
  facts.stream = true;
  facts.forced = ci.forced;
  const Plan plan = plan_copy(facts);
  if (plan.refused) {
    r.attempts.push_back({plan.chain[0], Outcome::Unsupported, plan.refuse_err, 0});
    return refuse(r, plan.chain[0], plan.refuse_err, plan.refuse_syscall, plan.refuse_why);
  }
  const bool fifo = S_ISFIFO(ci.st.st_mode);
  for (Method m : plan.chain) {
    if (hooks.method) hooks.method->store((int)m, std::memory_order_relaxed);
    Step s = m == Method::Splice ? stream_splice(res, ci.in, ci.out, fifo, hooks) : stream_read(res, ci.in, ci.out, hooks);
    if (s.k == K::Done) {
      r.attempts.push_back({m, Outcome::Ok, 0, s.bytes});
      r.ok = true;
      r.method = (int)m;
      r.bytes = s.bytes;
      return r;
    }
    if (s.k == K::Fallback) {
      r.attempts.push_back({m, Outcome::Unsupported, s.err, 0});
      if (ci.forced >= 0) return refuse(r, m, s.err, s.sys, std::string(errno_name(s.err)) + " (" + errno_desc(s.err) + ")");
      continue;
    }
    if (s.err > 0) r.attempts.push_back({m, Outcome::Error, s.err, s.bytes});
    r.err = s.err;
    r.syscall = s.sys;
    r.bytes = s.bytes;
    return r;
  }
  r.err = EIO;
  r.syscall = "read";
  return r;
}

bool is_clone_unsupported(int e) {
  switch (e) {
    case ENOSYS: case ENOTTY: case EOPNOTSUPP: case EINVAL: case EXDEV: case EBADF:
    case ETXTBSY: case EPERM: case EACCES: case EAGAIN:
      return true;
    default:
      return false;  // EIO, ENOSPC, EDQUOT, ENOMEM…: real errors
  }
}

bool is_clone_fs_level(int e) { return e == ENOSYS || e == ENOTTY || e == EOPNOTSUPP || e == EXDEV; }

bool is_cfr_fallback(int e) {
  switch (e) {
    case ENOSYS: case ENOTTY: case EOPNOTSUPP: case EINVAL: case EBADF: case EXDEV: case ETXTBSY:
    case EPERM: case EACCES: case EIO: case ENOENT: case EOVERFLOW: case EFBIG:
      return true;
    default:
      return false;
  }
}

bool is_cfr_fs_level(int e) { return e == ENOSYS || e == EOPNOTSUPP || e == EXDEV; }

bool is_splice_fallback(int e) { return e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == EBADF || e == ESPIPE; }

bool cfr_available(int* why) {
  // 0 unknown, 1 available, else -errno of the probe. Races only repeat the probe.
  static std::atomic<int> state{0};
  int s = state.load(std::memory_order_relaxed);
  if (s == 0) {
    long rc = syscall(SYS_copy_file_range, -1, nullptr, -1, nullptr, 1, 0);
    int e = rc < 0 ? errno : 0;
    s = (rc < 0 && e == EBADF) ? 1 : -(e ? e : ENOSYS);
    state.store(s, std::memory_order_relaxed);
  }
  if (s == 1) return true;
  if (why) *why = -s;
  return false;
}

CopyResult copy_data(WorkerRes& res, const CopyInput& ci, CopyHooks& hooks) {
  CopyResult r;
  auto attempt = [&](Method m, Outcome o, int e, uint64_t b) { r.attempts.push_back({m, o, e, b}); };
  const bool forced = ci.forced >= 0;

  if (!res.cache_valid || res.cache_src != ci.st.st_dev || res.cache_dst != ci.dst_dev) {
    res.cache_valid = true;
    res.cache_src = ci.st.st_dev;
    res.cache_dst = ci.dst_dev;
    res.clone_err = 0;
    res.cfr_err = 0;
  }

  // The facts this worker has: the file, both filesystems, what the kernel answered before.
  PlanFacts facts;
  facts.size = (uint64_t)ci.st.st_size;
  facts.blocks = (uint64_t)ci.st.st_blocks;
  facts.src_fs = ci.src_fs;
  facts.dst_fs = ci.dst_fs;
  facts.reflink = res.clone_err ? Tri::No : Tri::Unknown;
  facts.reflink_err = res.clone_err;
  facts.forced = ci.forced;
  if (sparse_by_blocks(ci.src_fs, facts.size, facts.blocks)) facts.holes = reports_hole(ci.in, ci.st.st_size) ? Tri::Yes : Tri::No;
  const Plan plan = plan_copy(facts);
  if (plan.refused) return refuse(r, plan.chain[0], plan.refuse_err, plan.refuse_syscall, plan.refuse_why);
  r.warnings = plan.warnings;
  const bool sparse_src = plan.sparse;
  const bool zero_detect = plan.zero_detect;
  const bool pseudo = ci.src_fs.pseudo;
  // What the file was when it was opened, where st_size is exact (size_is_exact: one call less
  // per file, no EOF probe); pseudo files, FUSE and network filesystems (and an empty file where
  // sizes may lie: empty_size_trusted) are read to EOF.
  const bool to_eof = pseudo || !S_ISREG(ci.st.st_mode) || !size_is_exact(ci.src_fs) || (ci.st.st_size == 0 && !empty_size_trusted(ci.src_fs));
  const uint64_t limit = to_eof ? kToEof : (uint64_t)ci.st.st_size;

  // Sparse by st_blocks, but the filesystem shows no hole: the holes are found by reading
  // (buffered, zero blocks skipped) unless a reflink shares the extents as they are.
  bool size_lied = false;
  for (Method m : plan.chain) {
    if (size_lied && m != Method::Buffered) continue;
    if (hooks.method) hooks.method->store((int)m, std::memory_order_relaxed);
    Step s{K::Done, 0, "", 0};
    bool extents = false, shrank = false;
    if (zero_detect && m == Method::Buffered) {
      bool made_hole = false;
      s = do_buffered_zero(res, ci.in, ci.out, size_lied ? kToEof : limit, hooks, made_hole);
      if (s.k == K::Done) {
        attempt(m, Outcome::Ok, 0, s.bytes);
        r.ok = true;
        r.method = (int)m;
        r.bytes = s.bytes;
        r.sparse = made_hole;
        return r;
      }
      if (s.err > 0) attempt(m, Outcome::Error, s.err, s.bytes);
      r.err = s.err;
      r.syscall = s.sys;
      r.bytes = s.bytes;
      r.method = (int)m;
      return r;
    }
    if (m == Method::Reflink) {
      if (!forced && res.clone_err) {
        attempt(m, Outcome::Unsupported, res.clone_err, 0);
        continue;
      }
      s = do_reflink(ci.in, ci.out);
      if (s.k == K::Fallback && is_clone_fs_level(s.err)) res.clone_err = s.err;
      // The clone shares the file as it is now: a file that grew since it was opened is cut back.
      if (s.k == K::Done && limit != kToEof && s.bytes > limit) {
        if (ftruncate(ci.out, (off_t)limit) != 0) s = error(errno, "ftruncate", 0);
        else s.bytes = limit;
      }
    } else {
      if (m == Method::CopyFileRange) {
        int why = 0;
        if (!cfr_available(&why)) {
          attempt(m, Outcome::Unsupported, why, 0);
          if (forced) return refuse(r, m, why, "copy_file_range", errno_desc(why) + " (blocked or missing)");
          continue;
        }
        if (!forced && res.cfr_err) {
          attempt(m, Outcome::Unsupported, res.cfr_err, 0);
          continue;
        }
      }
      if (sparse_src) {
        bool plain = false;
        s = copy_extents(m, res, ci, hooks, plain, shrank);
        if (plain) {
          lseek(ci.in, 0, SEEK_SET);
          s = run_method(m, res, ci.in, ci.out, 0, size_lied ? kToEof : limit, true, hooks);
        } else {
          extents = true;
        }
      } else {
        s = run_method(m, res, ci.in, ci.out, 0, size_lied ? kToEof : limit, true, hooks);
      }
      if (m == Method::CopyFileRange && s.k == K::Fallback && is_cfr_fs_level(s.err)) res.cfr_err = s.err;
    }

    if (s.k == K::Done) {
      attempt(m, Outcome::Ok, 0, s.bytes);
      r.ok = true;
      r.method = (int)m;
      r.bytes = s.bytes;
      r.sparse = sparse_src && (extents || m == Method::Reflink);
      if (m != Method::Reflink && !extents && s.bytes < (uint64_t)ci.st.st_size && !pseudo)
        r.warnings.push_back("source shrank: copied " + std::to_string(s.bytes) + " of " + std::to_string((uint64_t)ci.st.st_size) + " bytes");
      if (shrank) r.warnings.push_back("source shrank while its extents were copied");
      return r;
    }
    if (s.k == K::Fallback) {
      if (s.err == 0) {
        // copy_file_range/splice copied nothing at all: the size cannot be trusted.
        if (forced && ci.st.st_size == 0) {
          attempt(m, Outcome::Ok, 0, 0);
          r.ok = true;
          r.method = (int)m;
          return r;
        }
        attempt(m, Outcome::Unsupported, 0, 0);
        if (forced) return refuse(r, m, 0, s.sys, "it copied 0 bytes of a file that reports " + std::to_string((uint64_t)ci.st.st_size) + " bytes");
        if (ci.st.st_size > 0) r.warnings.push_back(std::string(method_name(m)) + " copied nothing although st_size is " + std::to_string((uint64_t)ci.st.st_size) + ": buffered read until EOF");
        size_lied = true;
        lseek(ci.in, 0, SEEK_SET);
        continue;
      }
      attempt(m, Outcome::Unsupported, s.err, 0);
      if (forced) return refuse(r, m, s.err, s.sys, std::string(errno_name(s.err)) + " (" + errno_desc(s.err) + ")");
      continue;
    }
    // Error (real, or cancelled/skipped)
    if (s.err > 0) attempt(m, Outcome::Error, s.err, s.bytes);
    r.ok = false;
    r.err = s.err;
    r.syscall = s.sys;
    if (s.err > 0 && (m == Method::CopyFileRange || m == Method::Splice) && source_unreadable(res, ci.in, s.bytes)) r.syscall = "read";
    r.bytes = s.bytes;
    r.method = (int)m;
    return r;
  }
  // Unreachable in auto mode: buffered never falls back.
  r.ok = false;
  r.err = EIO;
  r.syscall = "read";
  return r;
}

}  // namespace ferry
