// Node-API entry: registers startJob, scan, explainTrees, explain, fsInfo, compareExtents,
// probeCopy, mapName, unmapName, tempName, errnoName, the DirLister class (fs.list's rows), and the
// promise-returning findTemps, removeTemp, publishTemp, dropCache (run on libuv's pool).
// The only file that touches N-API.
//
// Threads: everything here runs on the JS thread, except the sink lambda (reporter threads) which
// only builds JSON and calls ThreadSafeFunction::BlockingCall/Release. Events reach JS as one
// JSON.parse per batch, in deliver(), on the JS thread.
#include <dlfcn.h>
#include <napi.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "engine.h"
#include "explain.h"
#include "extents.h"
#include "foreign.h"
#include "fsinfo.h"
#include "job.h"
#include "listing.h"
#include "probe.h"
#include "runs.h"
#include "tempfile.h"
#include "temps.h"

using namespace ferry;

namespace {

// Runs still alive, per environment: when an environment goes away (process.exit(), a worker
// thread ending) its runs are cancelled and given a moment to stop before Node frees things.
struct Live {
  napi_env env;
  std::weak_ptr<Runnable> run;
};
std::mutex g_live_mu;
std::vector<Live> g_live;

void env_cleanup(void* arg) {
  napi_env env = (napi_env)arg;
  std::vector<std::shared_ptr<Runnable>> runs;
  {
    std::lock_guard<std::mutex> lk(g_live_mu);
    for (auto& l : g_live)
      if (l.env == env)
        if (auto r = l.run.lock()) runs.push_back(r);
  }
  for (auto& r : runs) r->cancel();
  for (auto& r : runs) r->wait_ended(2000);
}

void track(napi_env env, const std::shared_ptr<Runnable>& r) {
  std::lock_guard<std::mutex> lk(g_live_mu);
  g_live.erase(std::remove_if(g_live.begin(), g_live.end(), [](const Live& l) { return l.run.expired(); }), g_live.end());
  g_live.push_back({env, r});
}

struct AddonData {
  Napi::FunctionReference handle_ctor;
  Napi::FunctionReference json_parse;  // JSON.parse as it was when the addon loaded
};

Napi::Value parse_json(Napi::Env env, const std::string& s) {
  return env.GetInstanceData<AddonData>()->json_parse.Value().Call({Napi::String::New(env, s)});
}

// A WireErr as a thrown JS Error with Node's fields.
Napi::Value throw_wire(Napi::Env env, const WireErr& err) {
  Napi::Error e = Napi::Error::New(env, err.message);
  e.Set("code", err.code);
  if (err.has_errno) e.Set("errno", Napi::Number::New(env, err.errnum));
  if (!err.syscall.empty()) e.Set("syscall", err.syscall);
  if (!err.path.empty()) e.Set("path", err.path);
  if (!err.dest.empty()) e.Set("dest", err.dest);
  if (!err.side.empty()) e.Set("side", err.side);
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value type_error(Napi::Env env, const char* usage) {
  Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Per-run JS-side state, owned by the ThreadSafeFunction (deleted by its finalizer).
struct TsfnCtx {
  Napi::FunctionReference on_done;
};

// JS thread: hands one batch to onEvents, and on the last one calls onDone(error, result) once.
void deliver(Napi::Env env, Napi::Function on_events, TsfnCtx* ctx, Batch* b) {
  if (env == nullptr) return;  // the environment is going away
  Napi::HandleScope scope(env);
  Napi::Value pending_error;
  if (!b->json.empty()) {
    Napi::Value arr = parse_json(env, b->json);
    if (!env.IsExceptionPending()) {
      if (b->parts.empty()) {
        on_events.Call({arr});
      } else {
        // Handed over as text: native/index.ts parses a files event's records when they are read.
        Napi::Array parts = Napi::Array::New(env, b->parts.size());
        for (size_t i = 0; i < b->parts.size(); i++) parts.Set((uint32_t)i, Napi::String::New(env, b->parts[i]));
        on_events.Call({arr, parts});
      }
    }
    if (env.IsExceptionPending()) pending_error = env.GetAndClearPendingException().Value();
  }
  if (b->done && !ctx->on_done.IsEmpty()) {
    Napi::Value err = b->error ? parse_json(env, wire_error_json(*b->error)) : env.Null();
    Napi::Value result = parse_json(env, b->result_json.empty() ? "null" : b->result_json);
    Napi::Function done = ctx->on_done.Value();
    ctx->on_done.Reset();
    done.Call({err, result});
    if (env.IsExceptionPending() && pending_error.IsEmpty()) pending_error = env.GetAndClearPendingException().Value();
  }
  if (!pending_error.IsEmpty()) Napi::Error(env, pending_error).ThrowAsJavaScriptException();
}

// The sink a run's reporter thread calls: JSON there, JS values on the JS thread.
Sink make_sink(Napi::Env env, Napi::Function on_events, Napi::Function on_done, const char* name) {
  // The TSFN can be finalized by Node while the run still goes (environment teardown): its
  // finalizer marks `gate` closed under the gate's mutex, and the reporter thread only calls
  // into the TSFN while holding that mutex and seeing it open.
  struct Gate {
    std::mutex mu;
    bool closed = false;
  };
  auto gate = std::make_shared<Gate>();
  auto* ctx = new TsfnCtx();
  ctx->on_done = Napi::Persistent(on_done);
  auto* gate_ref = new std::shared_ptr<Gate>(gate);
  Napi::ThreadSafeFunction tsfn = Napi::ThreadSafeFunction::New(
      env, on_events, name, 0, 1, ctx,
      [](Napi::Env, void* g, TsfnCtx* c) {
        auto* gp = static_cast<std::shared_ptr<Gate>*>(g);
        {
          std::lock_guard<std::mutex> lk((*gp)->mu);
          (*gp)->closed = true;
        }
        delete gp;
        delete c;
      },
      (void*)gate_ref);
  return [tsfn, ctx, gate](std::unique_ptr<Batch> b) mutable {
    const bool last = b->done;
    std::lock_guard<std::mutex> lk(gate->mu);
    if (gate->closed) return;
    if (!b->events.empty()) {
      b->json = events_to_json(b->events, &b->parts);  // here, off the JS thread
      b->events.clear();
    }
    Batch* raw = b.release();
    napi_status s = tsfn.BlockingCall(raw, [ctx](Napi::Env env, Napi::Function cb, Batch* data) {
      std::unique_ptr<Batch> own(data);
      deliver(env, cb, ctx, data);
    });
    if (s != napi_ok) {  // napi_closing: never call again
      delete raw;
      gate->closed = true;
      return;
    }
    if (last) {
      gate->closed = true;
      tsfn.Release();
    }
  };
}

// ---- the JS handle of a run: cancel for all, the other controls for copy jobs ----
class Handle : public Napi::ObjectWrap<Handle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRun",
                       {InstanceMethod("pause", &Handle::Pause), InstanceMethod("resume", &Handle::Resume),
                        InstanceMethod("cancel", &Handle::Cancel), InstanceMethod("skipCurrent", &Handle::Skip),
                        InstanceMethod("resolveConflict", &Handle::Resolve)});
  }
  explicit Handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {}
  static Napi::Object New(Napi::Env env, std::shared_ptr<Runnable> run, std::shared_ptr<Job> job) {
    Napi::Object o = env.GetInstanceData<AddonData>()->handle_ctor.New({});
    Handle* h = Unwrap(o);
    h->run_ = std::move(run);
    h->job_ = std::move(job);
    return o;
  }

 private:
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    if (job_) job_->pause();
    return info.Env().Undefined();
  }
  Napi::Value Resume(const Napi::CallbackInfo& info) {
    if (job_) job_->resume();
    return info.Env().Undefined();
  }
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    if (run_) run_->cancel();
    return info.Env().Undefined();
  }
  Napi::Value Skip(const Napi::CallbackInfo& info) {
    if (job_) job_->skip_current();
    return info.Env().Undefined();
  }
  Napi::Value Resolve(const Napi::CallbackInfo& info) {
    if (!job_ || info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) return info.Env().Undefined();
    uint64_t id = (uint64_t)info[0].As<Napi::Number>().Int64Value();
    std::string d = info[1].As<Napi::String>().Utf8Value();
    bool all = info.Length() > 2 && info[2].ToBoolean().Value();
    Decision dec;
    std::string name;
    if (d == "rename" && info.Length() > 3 && info[3].IsString()) {
      dec = Decision::RenameTo;
      name = info[3].As<Napi::String>().Utf8Value();
    } else if (d == "overwrite") dec = Decision::Overwrite;
    else if (d == "skip") dec = Decision::Skip;
    else if (d == "rename") dec = Decision::Rename;
    else if (d == "newer") dec = Decision::Newer;
    else if (d == "cancel") dec = Decision::Cancel;
    else return info.Env().Undefined();
    job_->resolve_conflict(id, dec, all, std::move(name));
    return info.Env().Undefined();
  }

  std::shared_ptr<Runnable> run_;
  std::shared_ptr<Job> job_;
};

bool get_bool(Napi::Object o, const char* k, bool dflt) {
  Napi::Value v = o.Get(k);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt;
}

std::string get_string(Napi::Object o, const char* k, const std::string& dflt) {
  Napi::Value v = o.Get(k);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : dflt;
}

int get_method(Napi::Object o) { return method_from_name(get_string(o, "method", "auto")); }

// [{src, dest}, …] (the wrapper has validated them).
std::vector<std::pair<std::string, std::string>> get_pairs(Napi::Value pv) {
  std::vector<std::pair<std::string, std::string>> out;
  Napi::Array pairs = pv.As<Napi::Array>();
  for (uint32_t i = 0; i < pairs.Length(); i++) {
    Napi::Value e = pairs.Get(i);
    if (!e.IsObject()) continue;
    Napi::Object p = e.As<Napi::Object>();
    out.emplace_back(p.Get("src").ToString().Utf8Value(), p.Get("dest").ToString().Utf8Value());
  }
  return out;
}

bool callbacks_at(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i + 1 && info[i].IsFunction() && info[i + 1].IsFunction(); }

// A run's sink from the onEvents, onDone pair at info[i].
Sink sink_at(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return make_sink(info.Env(), info[i].As<Napi::Function>(), info[i + 1].As<Napi::Function>(), name);
}

// Tracks a run for environment teardown, starts it, and returns its JS handle.
template <class R>
Napi::Value launch(Napi::Env env, const std::shared_ptr<R>& run, std::shared_ptr<Job> job = nullptr) {
  track(env, run);
  Napi::Object handle = Handle::New(env, run, std::move(job));
  run->start();
  return handle;
}

Napi::Value StartJob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || !callbacks_at(info, 1)) return type_error(env, "startJob(spec, onEvents, onDone)");
  Napi::Object so = info[0].As<Napi::Object>();
  if (!so.Get("pairs").IsArray()) return type_error(env, "spec.pairs must be an array");
  Spec spec;
  spec.pairs = get_pairs(so.Get("pairs"));
  spec.recursive = get_bool(so, "recursive", false);
  spec.method = get_method(so);
  spec.preserve = get_bool(so, "preserve", true);
  spec.fsync = get_bool(so, "fsync", false);
  Napi::Value tv = so.Get("threads");
  spec.threads = tv.IsNumber() ? tv.As<Napi::Number>().Int32Value() : 4;
  const std::string c = get_string(so, "conflict", "error");
  spec.conflict = c == "ask" ? Conflict::Ask
                  : c == "overwrite" ? Conflict::Overwrite
                  : c == "skip" ? Conflict::Skip
                  : c == "rename" ? Conflict::Rename
                  : c == "newer" ? Conflict::Newer
                                 : Conflict::Error;
  spec.move = get_bool(so, "move", false);
  spec.scan = get_bool(so, "scan", true);
  spec.space_check = get_bool(so, "spaceCheck", false);
  spec.progress = get_bool(so, "progress", true);
  spec.flush = get_bool(so, "flush", false);
  spec.tag = get_string(so, "tag", "");
  const std::string unfit = get_string(so, "unfit", "fail");
  spec.unfit = unfit == "skip" ? UnfitPolicy::Skip : unfit == "stop" ? UnfitPolicy::Stop : UnfitPolicy::Fail;
  spec.map_names = get_bool(so, "mapNames", false);
  spec.follow_links = get_bool(so, "followLinks", false);
  spec.paused = get_bool(so, "paused", false);
  auto job = std::make_shared<Job>(std::move(spec), sink_at(info, 1, "ferry-copy-job"));
  return launch(env, job, job);
}

// (list, options, onEvents, onDone): scan() and explainTrees().
bool walk_args(const Napi::CallbackInfo& info) { return info.Length() >= 2 && info[0].IsArray() && info[1].IsObject() && callbacks_at(info, 2); }

// scan(sources, {recursive, dest, move, method}, onEvents, onDone)
Napi::Value Scan(const Napi::CallbackInfo& info) {
  if (!walk_args(info)) return type_error(info.Env(), "scan(sources, options, onEvents, onDone)");
  std::vector<std::string> sources;
  Napi::Array arr = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) sources.push_back(arr.Get(i).ToString().Utf8Value());
  Napi::Object o = info[1].As<Napi::Object>();
  ScanOpts opts{get_bool(o, "recursive", true), get_bool(o, "move", false), get_method(o)};
  opts.check_space = get_bool(o, "checkSpace", false);
  opts.map_names = get_bool(o, "mapNames", false);
  opts.follow_links = get_bool(o, "followLinks", false);
  Napi::Value credit = o.Get("spaceCredit");
  if (credit.IsNumber() && credit.As<Napi::Number>().DoubleValue() > 0) opts.space_credit = (uint64_t)credit.As<Napi::Number>().DoubleValue();
  return launch(info.Env(), std::make_shared<ScanRun>(std::move(sources), get_string(o, "dest", ""), opts, sink_at(info, 2, "ferry-scan")));
}

// The explain options from {method, recursive, mapNames, followLinks, problemsOnly}.
ExplainOpts explain_opts(Napi::Object o) {
  ExplainOpts opts{get_method(o), get_bool(o, "recursive", true)};
  opts.map_names = get_bool(o, "mapNames", false);
  opts.follow_links = get_bool(o, "followLinks", false);
  opts.problems_only = get_bool(o, "problemsOnly", false);
  return opts;
}

// explainTrees(pairs, {method, recursive, mapNames, followLinks, problemsOnly}, onEvents, onDone)
Napi::Value ExplainTrees(const Napi::CallbackInfo& info) {
  if (!walk_args(info)) return type_error(info.Env(), "explainTrees(pairs, options, onEvents, onDone)");
  ExplainOpts opts = explain_opts(info[1].As<Napi::Object>());
  return launch(info.Env(), std::make_shared<ExplainRun>(get_pairs(info[0]), opts, sink_at(info, 2, "ferry-explain")));
}

// explain(src, dest, method, recursive, {mapNames, followLinks}?)
Napi::Value Explain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) return type_error(env, "explain(src, dest, method, recursive)");
  ExplainOpts opts = info.Length() > 4 && info[4].IsObject() ? explain_opts(info[4].As<Napi::Object>()) : ExplainOpts{};
  opts.forced = info.Length() > 2 && info[2].IsString() ? method_from_name(info[2].As<Napi::String>().Utf8Value()) : -1;
  opts.recursive = !(info.Length() > 3 && info[3].IsBoolean()) || info[3].As<Napi::Boolean>().Value();
  Explanation ex;
  WireErr err;
  if (!explain_pair(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), opts, ex, err)) return throw_wire(env, err);
  std::string json;
  explanation_json(json, ex);
  return parse_json(env, json);
}

Napi::Value FsInfoOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return type_error(env, "fsInfo(path)");
  FsInfo fi;
  WireErr err;
  if (!fs_info(info[0].As<Napi::String>().Utf8Value(), fi, err)) return throw_wire(env, err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", fi.type);
  o.Set("subtype", fi.subtype.empty() ? env.Null() : Napi::String::New(env, fi.subtype));
  o.Set("magic", Napi::Number::New(env, (double)fi.kind.magic));
  o.Set("known", fi.kind.known);
  o.Set("pseudo", fi.kind.pseudo);
  o.Set("reflink", fi.kind.reflink);
  o.Set("cfrCrossFs", fi.kind.cfr_cross_fs);
  o.Set("mountPoint", fi.mount_point.empty() ? env.Null() : Napi::String::New(env, fi.mount_point));
  o.Set("mountType", fi.mount_type.empty() ? env.Null() : Napi::String::New(env, fi.mount_type));
  o.Set("source", fi.source.empty() ? env.Null() : Napi::String::New(env, fi.source));
  o.Set("readOnly", fi.read_only);
  o.Set("label", fi.kind.label ? Napi::Value(Napi::String::New(env, fi.kind.label)) : env.Null());
  o.Set("foreign", is_foreign(fi.kind));
  o.Set("holds", parse_json(env, holds_json(fi.kind)));
  o.Set("clusterSize", fi.kind.cluster ? Napi::Value(Napi::Number::New(env, fi.kind.cluster)) : env.Null());
  o.Set("totalBytes", Napi::Number::New(env, (double)fi.total_bytes));
  o.Set("freeBytes", Napi::Number::New(env, (double)fi.free_bytes));
  o.Set("availBytes", Napi::Number::New(env, (double)fi.avail_bytes));
  return o;
}

// compareExtents(a, b) → {identical: true|false|null, why}
Napi::Value CompareExtents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) return type_error(env, "compareExtents(a, b)");
  ExtentsAnswer a;
  WireErr err;
  if (!compare_extents(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), a, err)) return throw_wire(env, err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("identical", a.identical < 0 ? env.Null() : Napi::Boolean::New(env, a.identical == 1));
  o.Set("why", a.why);
  return o;
}

// probeCopy(dir): what the folder's filesystem lets the engine do (O_TMPFILE, FICLONE).
Napi::Value ProbeCopy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return type_error(env, "probeCopy(dir)");
  CopyProbe p;
  WireErr err;
  if (!probe_copy(info[0].As<Napi::String>().Utf8Value(), p, err)) return throw_wire(env, err);
  auto tri = [&](int v) -> Napi::Value { return v < 0 ? env.Null() : Napi::Boolean::New(env, v == 1); };
  auto name = [&](int e) -> Napi::Value { return e ? Napi::String::New(env, errno_name(e)) : env.Null(); };
  Napi::Object o = Napi::Object::New(env);
  o.Set("tmpfile", tri(p.tmpfile));
  o.Set("tmpfileErrno", name(p.tmpfile_errno));
  o.Set("reflink", tri(p.reflink));
  o.Set("reflinkErrno", name(p.reflink_errno));
  return o;
}

// A few filesystem calls off the JS thread, answered with a promise: `fn` (libuv worker thread,
// no N-API) fills `json` (the result, "" for undefined) or `err` (the rejection, Node's shape).
class PromiseWork : public Napi::AsyncWorker {
 public:
  using Fn = std::function<bool(std::string& json, WireErr& err)>;
  PromiseWork(Napi::Env env, Fn fn) : Napi::AsyncWorker(env, "ferry-fs"), deferred_(Napi::Promise::Deferred::New(env)), fn_(std::move(fn)) {}
  static Napi::Value Run(Napi::Env env, Fn fn) {
    auto* w = new PromiseWork(env, std::move(fn));  // deleted by node-addon-api after OnOK
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
  }
  void Execute() override { ok_ = fn_(json_, err_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (ok_) deferred_.Resolve(json_.empty() ? env.Undefined() : parse_json(env, json_));
    else deferred_.Reject(parse_json(env, wire_error_json(err_)));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Fn fn_;
  bool ok_ = false;
  std::string json_;
  WireErr err_;
};

// One string argument (a path in the escaped spelling), or a TypeError.
bool path_arg(const Napi::CallbackInfo& info, std::string& out, const char* usage) {
  if (info.Length() < 1 || !info[0].IsString()) {
    type_error(info.Env(), usage);
    return false;
  }
  out = info[0].As<Napi::String>().Utf8Value();
  return true;
}

// findTemps(dir, recursive)
Napi::Value FindTemps(const Napi::CallbackInfo& info) {
  std::string dir;
  if (!path_arg(info, dir, "findTemps(dir, recursive)")) return info.Env().Undefined();
  const bool recursive = info.Length() > 1 && info[1].ToBoolean().Value();
  return PromiseWork::Run(info.Env(), [dir, recursive](std::string& json, WireErr& err) {
    std::vector<TempInfo> temps;
    if (!find_temps(dir, recursive, temps, err)) return false;
    json = temps_json(temps);
    return true;
  });
}

Napi::Value RemoveTemp(const Napi::CallbackInfo& info) {
  std::string path;
  if (!path_arg(info, path, "removeTemp(path)")) return info.Env().Undefined();
  return PromiseWork::Run(info.Env(), [path](std::string&, WireErr& err) { return remove_temp(path, err); });
}

Napi::Value PublishTemp(const Napi::CallbackInfo& info) {
  std::string path;
  if (!path_arg(info, path, "publishTemp(path)")) return info.Env().Undefined();
  return PromiseWork::Run(info.Env(), [path](std::string& json, WireErr& err) {
    std::string dest;
    if (!publish_temp(path, dest, err)) return false;
    json = "{\"dest\":" + wire_string_json(dest) + "}";
    return true;
  });
}

Napi::Value DropCache(const Napi::CallbackInfo& info) {
  std::string path;
  if (!path_arg(info, path, "dropCache(path)")) return info.Env().Undefined();
  return PromiseWork::Run(info.Env(), [path](std::string&, WireErr& err) { return drop_cache(path, err); });
}

// mapName(name) / unmapName(name): foreign.h's reversible mapping of the names Windows forbids.
Napi::Value MapName(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return type_error(info.Env(), "mapName(name)");
  return Napi::String::New(info.Env(), map_name(info[0].As<Napi::String>().Utf8Value(), kAllNameRules));
}
Napi::Value UnmapName(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return type_error(info.Env(), "unmapName(name)");
  return Napi::String::New(info.Env(), escape_name(unmap_name(info[0].As<Napi::String>().Utf8Value())));
}

Napi::Value TempName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), random_tmp_name()); }

Napi::Value ErrnoName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (n < 0) n = -n;
  return Napi::String::New(env, errno_name(n));
}

// new DirLister(path[, order]): open(cb(err, count)) then next(max, cb(err, rows, done)) until done. Each
// call runs as async work off the JS thread (listing.h); one call at a time (the wrapper waits).
class ListWork : public Napi::AsyncWorker {
 public:
  ListWork(Napi::Function cb, std::shared_ptr<DirLister> l, size_t max, bool columns)
      : Napi::AsyncWorker(cb, "ferry-list"), l_(std::move(l)), max_(max), columns_(columns) {}
  void Execute() override {
    err_ = max_ == 0 ? l_->open_and_count(count_) : columns_ ? l_->next_columns(max_, json_, done_) : l_->next(max_, json_, done_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      Callback().Call({parse_json(env, wire_error_json(sys_error(err_, "scandir", l_->path(), "")))});
    } else if (max_ == 0) {
      Callback().Call({env.Null(), Napi::Number::New(env, (double)count_)});
    } else {
      // The rows' JSON text as it is: the wrapper parses it, or passes it on untouched (serve mode).
      Callback().Call({env.Null(), Napi::String::New(env, json_), Napi::Boolean::New(env, done_)});
    }
  }

 private:
  std::shared_ptr<DirLister> l_;
  size_t max_;
  bool columns_;
  int err_ = 0;
  uint64_t count_ = 0;
  std::string json_;
  bool done_ = false;
};

class ListerWrap : public Napi::ObjectWrap<ListerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DirLister", {InstanceMethod("open", &ListerWrap::Open), InstanceMethod("next", &ListerWrap::Next), InstanceMethod("nextColumns", &ListerWrap::NextColumns)});
  }
  explicit ListerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ListerWrap>(info) {
    if (info.Length() < 1 || !info[0].IsString()) {
      Napi::TypeError::New(info.Env(), "new DirLister(path)").ThrowAsJavaScriptException();
      return;
    }
    // A second argument 1 or -1: the rows in the panes' name order, ascending or descending.
    const int order = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    l_ = std::make_shared<DirLister>(info[0].As<Napi::String>().Utf8Value(), order == 1 ? ListOrder::kNameUp : order == -1 ? ListOrder::kNameDown : ListOrder::kFolder);
  }

 private:
  Napi::Value Open(const Napi::CallbackInfo& info) { return queue(info, 0, 0, false); }
  Napi::Value Next(const Napi::CallbackInfo& info) { return next(info, false); }
  // nextColumns(max, cb(err, json, done)): the rows in columns (listing.h ListedColumns).
  Napi::Value NextColumns(const Napi::CallbackInfo& info) { return next(info, true); }
  Napi::Value next(const Napi::CallbackInfo& info, bool columns) {
    if (info.Length() < 2 || !info[0].IsNumber()) return type_error(info.Env(), "next(max, cb)");
    return queue(info, 1, (size_t)std::max(1.0, info[0].As<Napi::Number>().DoubleValue()), columns);
  }
  Napi::Value queue(const Napi::CallbackInfo& info, size_t cb_at, size_t max, bool columns) {
    if (!l_ || info.Length() <= cb_at || !info[cb_at].IsFunction()) return type_error(info.Env(), "a callback is needed");
    (new ListWork(info[cb_at].As<Napi::Function>(), l_, max, columns))->Queue();
    return info.Env().Undefined();
  }
  std::shared_ptr<DirLister> l_;
};

// Engine threads are detached and may outlive the environment that started them by a moment (a
// worker thread ending, process.exit()). Node unloads an addon when its last environment goes
// away; pinning the library (RTLD_NODELETE) keeps their code mapped until they return.
void pin_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    if (dladdr((void*)&pin_library, &info) && info.dli_fname) dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pin_library();
  auto* data = new AddonData();
  data->handle_ctor = Napi::Persistent(Handle::Define(env));
  data->json_parse = Napi::Persistent(env.Global().Get("JSON").As<Napi::Object>().Get("parse").As<Napi::Function>());
  env.SetInstanceData(data);
  napi_add_env_cleanup_hook(env, env_cleanup, (napi_env)env);
  exports.Set("startJob", Napi::Function::New(env, StartJob, "startJob"));
  exports.Set("scan", Napi::Function::New(env, Scan, "scan"));
  exports.Set("explainTrees", Napi::Function::New(env, ExplainTrees, "explainTrees"));
  exports.Set("explain", Napi::Function::New(env, Explain, "explain"));
  exports.Set("fsInfo", Napi::Function::New(env, FsInfoOf, "fsInfo"));
  exports.Set("compareExtents", Napi::Function::New(env, CompareExtents, "compareExtents"));
  exports.Set("probeCopy", Napi::Function::New(env, ProbeCopy, "probeCopy"));
  exports.Set("tempName", Napi::Function::New(env, TempName, "tempName"));
  exports.Set("mapName", Napi::Function::New(env, MapName, "mapName"));
  exports.Set("unmapName", Napi::Function::New(env, UnmapName, "unmapName"));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoName, "errnoName"));
  exports.Set("DirLister", ListerWrap::Define(env));
  exports.Set("findTemps", Napi::Function::New(env, FindTemps, "findTemps"));
  exports.Set("removeTemp", Napi::Function::New(env, RemoveTemp, "removeTemp"));
  exports.Set("publishTemp", Napi::Function::New(env, PublishTemp, "publishTemp"));
  exports.Set("dropCache", Napi::Function::New(env, DropCache, "dropCache"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ferry_engine, Init)
