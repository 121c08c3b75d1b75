// Conflict decisions (see conflict.h). Worker and walker threads; answer() on the JS thread.
#include "conflict.h"

namespace ferry {

double mtime_ms(const struct stat& st) { return (double)st.st_mtim.tv_sec * 1000.0 + (double)st.st_mtim.tv_nsec / 1e6; }

bool newer_than(const struct stat& a, const struct stat& b) {
  if (a.st_mtim.tv_sec != b.st_mtim.tv_sec) return a.st_mtim.tv_sec > b.st_mtim.tv_sec;
  return a.st_mtim.tv_nsec > b.st_mtim.tv_nsec;
}

Decision Conflicts::decide(const ConflictInfo& c, std::optional<Answer>& asked) {
  if (asked) return asked->d;
  switch (policy_) {
    case Conflict::Ask: asked = ask(c); return asked->d;
    case Conflict::Overwrite: return Decision::Overwrite;
    case Conflict::Skip: return Decision::Skip;
    case Conflict::Rename: return Decision::Rename;
    case Conflict::Newer: return Decision::Newer;
    case Conflict::Error: break;
  }
  return Decision::Error;
}

Answer Conflicts::ask(ConflictInfo c) {
  std::unique_lock<std::mutex> lk(mu_);
  if (all_) return Answer{*all_, {}};
  c.id = ++next_id_;
  pending_[c.id] = std::nullopt;
  lk.unlock();
  raise_(c);
  lk.lock();
  cv_.wait(lk, [&] { return pending_[c.id].has_value() || woken_; });
  std::optional<Answer> a = pending_[c.id];
  pending_.erase(c.id);
  lk.unlock();
  if (!a || a->d == Decision::Cancel) cancel_();
  return a ? *a : Answer{Decision::Cancel, {}};
}

void Conflicts::answer(uint64_t id, Decision d, bool apply_to_all, std::string name) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (apply_to_all && d != Decision::RenameTo) {
      all_ = d;
      for (auto& [k, v] : pending_)
        if (!v) v = Answer{d, {}};
    } else {
      auto it = pending_.find(id);
      if (it != pending_.end()) it->second = Answer{d, std::move(name)};
    }
  }
  cv_.notify_all();
}

void Conflicts::wake_all() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace ferry
