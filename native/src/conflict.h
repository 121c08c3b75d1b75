// Conflicts: what to do when a destination name is taken. The job's policy decides, or, with
// 'ask', the person: the worker raises a conflict event and waits until the answer comes back
// (resolve_conflict from the JS thread, optionally "apply to all"); cancel wakes it too.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ferry {

enum class Conflict : int { Ask, Overwrite, Skip, Rename, Newer, Error };
enum class Decision : int { Overwrite, Skip, Rename, Newer, Cancel, Error, RenameTo };

// A person's answer: the decision, and for RenameTo the name they chose (the engine's path
// spelling: `\xNN` for bytes that are not UTF-8), used in the same folder.
struct Answer {
  Decision d = Decision::Error;
  std::string name;
};

struct ConflictInfo {
  uint64_t id = 0;
  std::string src, dest;
  uint64_t src_size = 0, dest_size = 0;
  double src_mtime_ms = 0, dest_mtime_ms = 0;
};

double mtime_ms(const struct stat& st);
bool newer_than(const struct stat& a, const struct stat& b);

class Conflicts {
 public:
  // raise: hands the conflict event to the reporter. cancel: cancels the whole job (an unanswered
  // question or the answer "cancel").
  Conflicts(Conflict policy, std::function<void(const ConflictInfo&)> raise, std::function<void()> cancel)
      : policy_(policy), raise_(std::move(raise)), cancel_(std::move(cancel)) {}
  Conflict policy() const { return policy_; }

  // The decision for one taken name: the policy's, or the person's. `asked` keeps an entry's answer
  // so that it is asked once however often its name turns out to be taken (a RenameTo answer is
  // dropped again by its user when the chosen name is taken too: that is a new question). May
  // block (ask).
  Decision decide(const ConflictInfo& c, std::optional<Answer>& asked);

  // Any thread. `name` goes with RenameTo (never applied to all).
  void answer(uint64_t id, Decision d, bool apply_to_all, std::string name = {});
  void wake_all();  // the job was cancelled: waiting workers return Cancel

 private:
  Answer ask(ConflictInfo c);

  const Conflict policy_;
  std::function<void(const ConflictInfo&)> raise_;
  std::function<void()> cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::optional<Answer>> pending_;
  std::optional<Decision> all_;
};

}  // namespace ferry
