// FlushSet (see flush.h).
#include "flush.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

namespace ferry {

int checked_syncfs(int fd, bool wrote) {
  if (syncfs(fd) != 0) return errno;
  struct statvfs v;
  if (wrote && fstatvfs(fd, &v) == 0 && (v.f_flag & ST_RDONLY)) return EROFS;
  return 0;
}

int writeback_result(int fd) {
  return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0 ? 0 : errno;
}

void FlushSet::watch(dev_t dev, int dirfd, const std::string& folder) {
  std::lock_guard<std::mutex> lk(mu_);
  for (const Fs& f : fss_)
    if (f.dev == dev) return;
  Fs f;
  f.dev = dev;
  f.folder = folder;
  // syncfs needs a real descriptor (an O_PATH one is refused): open the folder itself for reading.
  f.fd.reset(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!f.fd) f.open_err = errno;
  fss_.push_back(std::move(f));
}

void FlushSet::Fs::add(const std::string& dest) {
  size_t k = 0;
  const size_t max = std::min(last.size(), dest.size());
  while (k < max && last[k] == dest[k]) k++;
  for (size_t v = k;; v >>= 7) {
    dests.push_back((char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
    if (v <= 0x7f) break;
  }
  dests.append(dest, k, std::string::npos);
  dests.push_back('\0');
  last = dest;
  any = true;
}

void FlushSet::Fs::take_all(std::vector<std::string>& out, const std::set<std::string>& except) {
  std::string cur;
  for (size_t i = 0; i < dests.size();) {
    size_t k = 0;
    for (int shift = 0; i < dests.size(); shift += 7) {
      const unsigned char c = (unsigned char)dests[i++];
      k |= (size_t)(c & 0x7f) << shift;
      if (!(c & 0x80)) break;
    }
    const size_t end = dests.find('\0', i);
    cur.resize(std::min(k, cur.size()));
    cur.append(dests, i, end - i);
    i = end + 1;
    if (!except.count(cur)) out.push_back(cur);
  }
  std::string().swap(dests);
  std::string().swap(last);
}

void FlushSet::pending(dev_t dev, const std::string& dest) {
  std::lock_guard<std::mutex> lk(mu_);
  for (Fs& f : fss_) {
    if (f.dev != dev) continue;
    f.add(dest);
    return;
  }
  // A filesystem nobody watched (cannot happen: every folder the job writes in is watched): its
  // entries cannot be vouched for.
  Fs f;
  f.dev = dev;
  f.open_err = EBADF;
  f.folder = parent_of(dest);
  f.add(dest);
  fss_.push_back(std::move(f));
}

void FlushSet::retire(const std::string& dest) {
  std::lock_guard<std::mutex> lk(mu_);
  retired_.insert(dest);
}

std::optional<WireErr> FlushSet::sync(std::vector<std::string>& not_on_disk) {
  std::lock_guard<std::mutex> lk(mu_);
  std::optional<WireErr> first;
  for (Fs& f : fss_) {
    int e = f.open_err;
    const char* sys = e ? "open" : "syncfs";
    if (!e) e = checked_syncfs(f.fd.get(), f.any);
    if (!e) continue;
    if (!first) first = sys_error(e, sys, f.folder, "");
    f.take_all(not_on_disk, retired_);
  }
  return first;
}

}  // namespace ferry
