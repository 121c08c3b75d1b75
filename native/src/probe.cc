// Probing what a folder's filesystem lets the engine do: unnamed temporary files (O_TMPFILE) and
// shared extents (FICLONE, through fsinfo.cc's cached probe).
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fd.h"
#include "fsinfo.h"

namespace ferry {

namespace {

// errno values that mean "this filesystem cannot", as opposed to "not allowed here".
bool is_unsupported(int e) { return e == EOPNOTSUPP || e == EISDIR || e == EINVAL || e == ENOSYS; }

}  // namespace

bool probe_copy(const std::string& dir, CopyProbe& out, WireErr& err) {
  UniqueFd d(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) {
    err = sys_error(errno, "open", dir, "");
    return false;
  }
  struct stat st;
  if (fstat(d.get(), &st) != 0) {
    err = sys_error(errno, "fstat", dir, "");
    return false;
  }
  UniqueFd t(openat(d.get(), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (t) {
    out.tmpfile = 1;
  } else {
    out.tmpfile_errno = errno;
    out.tmpfile = is_unsupported(errno) ? 0 : -1;
  }
  t.reset();
  if (out.tmpfile == 1) {
    int why = 0;
    out.reflink = probe_reflink(d.get(), st.st_dev, &why);
    out.reflink_errno = out.reflink == 0 ? why : 0;
  }
  return true;
}

}  // namespace ferry
