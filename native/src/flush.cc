// FlushSet (see flush.h).
#include "flush.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace ferry {

int checked_syncfs(int fd, bool wrote) {
  if (syncfs(fd) != 0) return errno;
  struct statvfs v;
  if (wrote && fstatvfs(fd, &v) == 0 && (v.f_flag & ST_RDONLY)) return EROFS;
  return 0;
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

void FlushSet::pending(dev_t dev, const std::string& dest) {
  std::lock_guard<std::mutex> lk(mu_);
  for (Fs& f : fss_) {
    if (f.dev != dev) continue;
    f.dests.push_back(dest);
    return;
  }
  // A filesystem nobody watched (cannot happen: every folder the job writes in is watched): its
  // entries cannot be vouched for.
  Fs f;
  f.dev = dev;
  f.open_err = EBADF;
  f.folder = parent_of(dest);
  f.dests.push_back(dest);
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
    if (!e) e = checked_syncfs(f.fd.get(), !f.dests.empty());
    if (!e) continue;
    if (!first) first = sys_error(e, sys, f.folder, "");
    for (std::string& d : f.dests)
      if (!retired_.count(d)) not_on_disk.push_back(std::move(d));
    f.dests.clear();
  }
  return first;
}

}  // namespace ferry
