// Node-API entry: registers startJob, explain, errnoName. The only file that touches N-API.
//
// Threads: everything here runs on the JS thread, except the sink lambda (reporter thread) which
// only calls ThreadSafeFunction::BlockingCall/Release. Records and events are converted to JS
// values in deliver(), on the JS thread.
#include <dlfcn.h>
#include <napi.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "engine.h"
#include "job.h"

using namespace ferry;

namespace {

Napi::Value method_value(Napi::Env env, int m) {
  if (m < 0) return env.Null();
  return Napi::String::New(env, method_name((Method)m));
}

// Jobs still alive, per environment: when an environment goes away (process.exit(), a worker
// thread ending) its jobs are cancelled and given a moment to stop before Node frees things.
struct Live {
  napi_env env;
  std::weak_ptr<Job> job;
};
std::mutex g_live_mu;
std::vector<Live> g_live;

void env_cleanup(void* arg) {
  napi_env env = (napi_env)arg;
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lk(g_live_mu);
    for (auto& l : g_live)
      if (l.env == env)
        if (auto j = l.job.lock()) jobs.push_back(j);
  }
  for (auto& j : jobs) j->cancel();
  for (auto& j : jobs) j->wait_ended(2000);
}

struct AddonData {
  Napi::FunctionReference job_ctor;
  Napi::FunctionReference json_parse;  // JSON.parse as it was when the addon loaded
};

// Per-job JS-side state, owned by the ThreadSafeFunction (deleted by its finalizer).
struct TsfnCtx {
  Napi::FunctionReference on_done;
};

// JS thread: hands one batch to onEvents, and on the last one calls onDone exactly once.
void deliver(Napi::Env env, Napi::Function on_events, TsfnCtx* ctx, Batch* b) {
  if (env == nullptr) return;  // the environment is going away
  Napi::HandleScope scope(env);
  Napi::Value pending_error;
  if (!b->json.empty()) {
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Value arr = data->json_parse.Value().Call({Napi::String::New(env, b->json)});
    if (!env.IsExceptionPending()) on_events.Call({arr});
    if (env.IsExceptionPending()) pending_error = env.GetAndClearPendingException().Value();
  }
  if (b->done && !ctx->on_done.IsEmpty()) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("filesDone", (double)b->result.files_done);
    r.Set("filesFailed", (double)b->result.files_failed);
    r.Set("bytesDone", (double)b->result.bytes_done);
    r.Set("cancelled", b->result.cancelled);
    Napi::Function done = ctx->on_done.Value();
    ctx->on_done.Reset();
    done.Call({env.Null(), r});
    if (env.IsExceptionPending() && pending_error.IsEmpty()) pending_error = env.GetAndClearPendingException().Value();
  }
  if (!pending_error.IsEmpty()) Napi::Error(env, pending_error).ThrowAsJavaScriptException();
}

// ---- the JS handle of a job ----
class JobHandle : public Napi::ObjectWrap<JobHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeJob",
                       {InstanceMethod("pause", &JobHandle::Pause), InstanceMethod("resume", &JobHandle::Resume),
                        InstanceMethod("cancel", &JobHandle::Cancel), InstanceMethod("skipCurrent", &JobHandle::Skip),
                        InstanceMethod("resolveConflict", &JobHandle::Resolve)});
  }
  explicit JobHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JobHandle>(info) {}
  std::shared_ptr<Job> job;

 private:
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    if (job) job->pause();
    return info.Env().Undefined();
  }
  Napi::Value Resume(const Napi::CallbackInfo& info) {
    if (job) job->resume();
    return info.Env().Undefined();
  }
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    if (job) job->cancel();
    return info.Env().Undefined();
  }
  Napi::Value Skip(const Napi::CallbackInfo& info) {
    if (job) job->skip_current();
    return info.Env().Undefined();
  }
  Napi::Value Resolve(const Napi::CallbackInfo& info) {
    if (!job || info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) return info.Env().Undefined();
    uint64_t id = (uint64_t)info[0].As<Napi::Number>().Int64Value();
    std::string d = info[1].As<Napi::String>().Utf8Value();
    bool all = info.Length() > 2 && info[2].ToBoolean().Value();
    Decision dec;
    if (d == "overwrite") dec = Decision::Overwrite;
    else if (d == "skip") dec = Decision::Skip;
    else if (d == "rename") dec = Decision::Rename;
    else if (d == "newer") dec = Decision::Newer;
    else if (d == "cancel") dec = Decision::Cancel;
    else return info.Env().Undefined();
    job->resolve_conflict(id, dec, all);
    return info.Env().Undefined();
  }
};


bool get_bool(Napi::Object o, const char* k, bool dflt) {
  Napi::Value v = o.Get(k);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt;
}

Napi::Value StartJob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "startJob(spec, onEvents, onDone)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object so = info[0].As<Napi::Object>();
  Spec spec;
  Napi::Value pv = so.Get("pairs");
  if (!pv.IsArray()) {
    Napi::TypeError::New(env, "spec.pairs must be an array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array pairs = pv.As<Napi::Array>();
  for (uint32_t i = 0; i < pairs.Length(); i++) {
    Napi::Value e = pairs.Get(i);
    if (!e.IsObject()) continue;
    Napi::Object p = e.As<Napi::Object>();
    spec.pairs.emplace_back(p.Get("src").ToString().Utf8Value(), p.Get("dest").ToString().Utf8Value());
  }
  spec.recursive = get_bool(so, "recursive", false);
  Napi::Value mv = so.Get("method");
  spec.method = mv.IsString() ? method_from_name(mv.As<Napi::String>().Utf8Value()) : -1;
  spec.preserve = get_bool(so, "preserve", true);
  spec.fsync = get_bool(so, "fsync", false);
  Napi::Value tv = so.Get("threads");
  spec.threads = tv.IsNumber() ? tv.As<Napi::Number>().Int32Value() : 4;
  std::string c = so.Get("conflict").IsString() ? so.Get("conflict").As<Napi::String>().Utf8Value() : "error";
  spec.conflict = c == "ask" ? Conflict::Ask
                  : c == "overwrite" ? Conflict::Overwrite
                  : c == "skip" ? Conflict::Skip
                  : c == "rename" ? Conflict::Rename
                  : c == "newer" ? Conflict::Newer
                                 : Conflict::Error;
  spec.move = get_bool(so, "move", false);
  spec.scan = get_bool(so, "scan", true);
  spec.progress = get_bool(so, "progress", true);

  // The TSFN can be finalized by Node while the job still runs (environment teardown): its
  // finalizer marks `gate` closed under the gate's mutex, and the reporter thread only calls
  // into the TSFN while holding that mutex and seeing it open.
  struct Gate {
    std::mutex mu;
    bool closed = false;
  };
  auto gate = std::make_shared<Gate>();
  auto* ctx = new TsfnCtx();
  ctx->on_done = Napi::Persistent(info[2].As<Napi::Function>());
  auto* gate_ref = new std::shared_ptr<Gate>(gate);
  Napi::ThreadSafeFunction tsfn = Napi::ThreadSafeFunction::New(
      env, info[1].As<Napi::Function>(), "ferry-copy-job", 0, 1, ctx,
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

  // Reporter thread only.
  Job::Sink sink = [tsfn, ctx, gate](Batch* b) mutable {
    bool last = b->done;
    std::lock_guard<std::mutex> lk(gate->mu);
    if (gate->closed) {
      delete b;
      return;
    }
    if (!b->events.empty()) {
      b->json = events_to_json(b->events);  // here, off the JS thread
      b->events.clear();
    }
    napi_status s = tsfn.BlockingCall(b, [ctx](Napi::Env env, Napi::Function cb, Batch* data) {
      deliver(env, cb, ctx, data);
      delete data;
    });
    if (s != napi_ok) {  // napi_closing: never call again
      delete b;
      gate->closed = true;
      return;
    }
    if (last) {
      gate->closed = true;
      tsfn.Release();
    }
  };
  auto job = std::make_shared<Job>(std::move(spec), std::move(sink));
  {
    std::lock_guard<std::mutex> lk(g_live_mu);
    g_live.erase(std::remove_if(g_live.begin(), g_live.end(), [](const Live& l) { return l.job.expired(); }), g_live.end());
    g_live.push_back({env, job});
  }
  auto* data = env.GetInstanceData<AddonData>();
  Napi::Object handle = data->job_ctor.New({});
  JobHandle::Unwrap(handle)->job = job;
  job->start();
  return handle;
}

Napi::Value Explain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "explain(src, dest, method)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int forced = info.Length() > 2 && info[2].IsString() ? method_from_name(info[2].As<Napi::String>().Utf8Value()) : -1;
  Explanation ex;
  WireErr err;
  if (!explain_pair(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), forced, ex, err)) {
    Napi::Error e = Napi::Error::New(env, err.message);
    e.Set("code", err.code);
    if (err.has_errno) e.Set("errno", Napi::Number::New(env, err.errnum));
    e.Set("syscall", err.syscall);
    e.Set("path", err.path);
    if (!err.dest.empty()) e.Set("dest", err.dest);
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("src", ex.src);
  o.Set("dest", ex.dest);
  o.Set("type", entry_type_name(ex.type));
  o.Set("method", method_value(env, ex.method));
  Napi::Array ch = Napi::Array::New(env, ex.chain.size());
  for (size_t i = 0; i < ex.chain.size(); i++) ch.Set((uint32_t)i, method_name(ex.chain[i]));
  o.Set("chain", ch);
  o.Set("reason", ex.reason);
  return o;
}

Napi::Value ErrnoName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (n < 0) n = -n;
  return Napi::String::New(env, errno_name(n));
}

// Job threads are detached and may outlive the environment that started them by a moment (a
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
  data->job_ctor = Napi::Persistent(JobHandle::Define(env));
  data->json_parse = Napi::Persistent(env.Global().Get("JSON").As<Napi::Object>().Get("parse").As<Napi::Function>());
  env.SetInstanceData(data);
  napi_add_env_cleanup_hook(env, env_cleanup, (napi_env)env);
  exports.Set("startJob", Napi::Function::New(env, StartJob, "startJob"));
  exports.Set("explain", Napi::Function::New(env, Explain, "explain"));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoName, "errnoName"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ferry_engine, Init)
