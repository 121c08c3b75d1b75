// Events → JSON text, built on the reporter thread (no Node-API here). The JS thread then only
// runs JSON.parse on it, which V8 does far faster than building 50k records with one N-API call
// per field — and on a 2-core machine the JS thread's time is taken from the copy workers.
#include <stdio.h>

#include <charconv>
#include <initializer_list>
#include <utility>

#include "job.h"
#include "listing.h"
#include "reporter.h"
#include "temps.h"

namespace ferry {

namespace {

struct W {
  std::string& o;
  void raw(const char* s) { o += s; }
  void str(const std::string& s) {
    static const char* hex = "0123456789abcdef";
    o += '"';
    const unsigned char* p = (const unsigned char*)s.data();
    size_t len = s.size();
    for (size_t i = 0; i < len;) {
      unsigned char c = p[i];
      if (c == '"') { o += "\\\""; i++; }
      else if (c == '\\') { o += "\\\\"; i++; }
      else if (c < 0x20) {
        o += "\\u00";
        o += hex[c >> 4];
        o += hex[c & 15];
        i++;
      } else if (c < 0x80) {
        o += (char)c;
        i++;
      } else {
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 0) {  // not UTF-8 (paths are escaped before; this is for other raw bytes)
          o += "\\ufffd";
          i++;
        } else {
          o.append((const char*)p + i, n);
          i += n;
        }
      }
    }
    o += '"';
  }
  void key(const char* k) {
    o += '"';
    o += k;
    o += "\":";
  }
  // Numbers through std::to_chars: the text printf gives ("%llu", "%lld", "%.3f"), several times
  // faster (a listing writes three per row).
  void u64(uint64_t v) { num(v); }
  void i64(int64_t v) { num(v); }
  void dbl(double v) {
    char b[48];
    auto r = std::to_chars(b, b + sizeof b, v, std::chars_format::fixed, 3);
    o.append(b, r.ptr);
  }
  template <typename T>
  void num(T v) {
    char b[32];
    auto r = std::to_chars(b, b + sizeof b, v);
    o.append(b, r.ptr);
  }
  void boolean(bool v) { o += v ? "true" : "false"; }
  // A name from the engine's own tables (no escaping needed), or null.
  void name_or_null(const char* s) {
    if (!s) {
      o += "null";
      return;
    }
    o += '"';
    o += s;
    o += '"';
  }
  void method(int m) { name_or_null(m < 0 ? nullptr : method_name((Method)m)); }
  // `[a,b,…]`, each item written by f.
  template <class T, class F>
  void array(const std::vector<T>& v, F f) {
    o += '[';
    for (size_t i = 0; i < v.size(); i++) {
      if (i) o += ',';
      f(v[i]);
    }
    o += ']';
  }
};

void wire_error(W& w, const WireErr& e) {
  w.raw("{");
  w.key("code");
  w.str(e.code);
  w.raw(",");
  w.key("message");
  w.str(e.message);
  if (e.has_errno) {
    w.raw(",");
    w.key("errno");
    w.i64(e.errnum);
  }
  if (!e.syscall.empty()) {
    w.raw(",");
    w.key("syscall");
    w.str(e.syscall);
  }
  if (!e.path.empty()) {
    w.raw(",");
    w.key("path");
    w.str(e.path);
  }
  if (!e.dest.empty()) {
    w.raw(",");
    w.key("dest");
    w.str(e.dest);
  }
  if (!e.side.empty()) {
    w.raw(",");
    w.key("side");
    w.str(e.side);
  }
  w.raw("}");
}

// "k":n,"k":n… (no braces).
void u64_fields(W& w, std::initializer_list<std::pair<const char*, uint64_t>> fields) {
  bool first = true;
  for (const auto& [k, v] : fields) {
    if (!first) w.raw(",");
    first = false;
    w.key(k);
    w.u64(v);
  }
}

void record(W& w, const Record& r) {
  w.raw("{\"src\":");
  w.str(r.src);
  w.raw(",\"dest\":");
  w.str(r.dest);
  w.raw(",\"type\":\"");
  w.raw(entry_type_name(r.type));
  w.raw("\",\"size\":");
  w.u64(r.size);
  w.raw(",\"bytes\":");
  w.u64(r.bytes);
  w.raw(",\"method\":");
  w.method(r.method);
  w.raw(",\"attempts\":[");
  for (size_t i = 0; i < r.attempts.size(); i++) {
    const Attempt& a = r.attempts[i];
    if (i) w.raw(",");
    w.raw("{\"method\":");
    w.method((int)a.method);
    w.raw(",\"outcome\":\"");
    w.raw(a.outcome == Outcome::Ok ? "ok" : a.outcome == Outcome::Unsupported ? "unsupported" : "error");
    w.raw("\",\"errno\":");
    w.name_or_null(a.err > 0 ? errno_name(a.err) : nullptr);
    w.raw(",\"bytes\":");
    w.u64(a.bytes);
    w.raw("}");
  }
  w.raw("],\"sparse\":");
  w.boolean(r.sparse);
  w.raw(",\"ms\":");
  w.dbl(r.ms);
  w.raw(",\"ok\":");
  w.boolean(r.ok());
  w.raw(",\"skipped\":");
  w.boolean(r.skipped());
  w.raw(",\"error\":");
  if (r.error) wire_error(w, *r.error);
  else w.raw("null");
  w.raw(",\"warnings\":");
  w.array(r.warnings, [&](const std::string& x) { w.str(x); });
  // Optional fields: only when they say something (the common record stays as small as it was).
  if (r.skipped()) {
    w.raw(",\"skipReason\":");
    w.name_or_null(skip_reason_name(r.reported_skip_reason()));
  }
  if (r.changed) w.raw(",\"changed\":true");
  if (r.not_started_files) {
    w.raw(",\"notStarted\":{");
    u64_fields(w, {{"files", r.not_started_files}, {"bytes", r.not_started_bytes}});
    w.raw("}");
  }
  if (r.contains_files || r.contains_bytes) {
    w.raw(",\"contains\":{");
    u64_fields(w, {{"files", r.contains_files}, {"bytes", r.contains_bytes}});
    w.raw("}");
  }
  if (r.ino && r.ok()) {
    w.raw(",\"ino\":");
    w.u64(r.ino);
  }
  if (r.replaces) {
    w.raw(",\"replaces\":");
    w.str(*r.replaces);
  }
  w.raw("}");
}

void totals(W& w, const ScanTotals& t) {
  u64_fields(w, {{"files", t.files},
                 {"bytes", t.bytes},
                 {"dirs", t.dirs},
                 {"symlinks", t.symlinks},
                 {"specials", t.specials},
                 {"allocated", t.allocated},
                 {"reflinkBytes", t.reflink_bytes},
                 {"needed", t.needed},
                 {"existing", t.existing},
                 {"unreadable", t.unreadable}});
  w.raw(",\"existingSample\":");
  w.array(t.existing_sample, [&](const std::string& x) { w.str(x); });
  w.raw(",\"unreadableSample\":");
  w.array(t.unreadable_sample, [&](const std::string& x) { w.str(x); });
  w.raw(",\"kinds\":");
  w.array(t.kinds, [&](const ScanKind& k) {
    w.raw("{\"srcFs\":");
    w.str(k.src_fs);
    w.raw(",\"destFs\":");
    w.str(k.dest_fs);
    w.raw(",\"op\":");
    w.raw(k.rename ? "\"rename\"" : "\"copy\"");
    w.raw(",\"method\":");
    w.method(k.method);
    w.raw(",\"chain\":");
    w.array(k.chain, [&](Method m) { w.method((int)m); });
    w.raw(",\"reason\":");
    w.str(k.reason);
    w.raw(",");
    u64_fields(w, {{"files", k.files}, {"bytes", k.bytes}});
    w.raw("}");
  });
}

// {"kind":"name","fails":true,"reason":"…","fix":"map"}: the choice that settles it, if any.
void problem(W& w, const Problem& p) {
  w.raw("{\"kind\":");
  w.name_or_null(unfit_name(p.kind));
  w.raw(",\"fails\":");
  w.boolean(p.fails);
  w.raw(",\"reason\":");
  w.str(p.reason);
  w.raw(",\"fix\":");
  w.name_or_null(p.kind == Unfit::Name ? "map" : p.kind == Unfit::Symlink ? "follow" : nullptr);
  w.raw("}");
}

void holds(W& w, const FsKind& k) {
  const Holds& h = k.holds;
  w.raw("{\"winNames\":");
  w.boolean(h.win_names);
  w.raw(",\"refuses\":[");
  bool first = true;
  for (auto [bit, name] : {std::pair<uint8_t, const char*>{kNameChars, "chars"}, {kNameTrailing, "trailing"}, {kNameReserved, "reserved"}, {kNameEncoding, "encoding"}}) {
    if (!(h.refuses & bit)) continue;
    if (!first) w.raw(",");
    first = false;
    w.name_or_null(name);
  }
  w.raw("],\"foldCase\":");
  w.boolean(h.fold_case);
  for (auto [key, v] : {std::pair<const char*, bool>{"symlinks", h.symlinks}, {"specials", h.specials}, {"hardlinks", h.hardlinks}, {"modes", h.modes},
                        {"owners", h.owners}, {"xattrs", h.xattrs}, {"holes", h.holes}, {"probed", h.probed}}) {
    w.raw(",");
    w.key(key);
    w.boolean(v);
  }
  w.raw(",\"maxFileSize\":");
  if (h.max_file) w.u64(h.max_file);
  else w.raw("null");
  w.raw(",\"timeGranularityNs\":");
  w.u64(h.time_ns);
  w.raw("}");
}

}  // namespace

std::string holds_json(const FsKind& k) {
  std::string out;
  W w{out};
  holds(w, k);
  return out;
}

void explanation_json(std::string& out, const Explanation& x) {
  W w{out};
  w.raw("{\"src\":");
  w.str(x.src);
  w.raw(",\"dest\":");
  w.str(x.dest);
  w.raw(",\"type\":");
  w.name_or_null(x.type_known ? entry_type_name(x.type) : nullptr);
  w.raw(",\"method\":");
  w.method(x.method);
  w.raw(",\"chain\":");
  w.array(x.chain, [&](Method m) { w.method((int)m); });
  w.raw(",\"reason\":");
  w.str(x.reason);
  w.raw(",\"problems\":");
  w.array(x.problems, [&](const Problem& p) { problem(w, p); });
  if (x.error) {
    w.raw(",\"error\":");
    wire_error(w, *x.error);
  }
  w.raw("}");
}

void listed_row_json(std::string& out, const ListedRow& r) {
  W w{out};
  w.raw("{\"name\":");
  w.str(r.name);
  w.raw(",\"path\":");
  w.str(r.path);
  w.raw(",\"type\":");
  w.name_or_null(r.type);
  w.raw(",\"size\":");
  w.u64(r.size);
  w.raw(",\"mtimeMs\":");
  w.dbl(r.mtime_ms);
  w.raw(",\"mode\":");
  w.u64(r.mode);
  w.raw(",\"hidden\":");
  w.boolean(r.hidden);
  if (r.escaped) w.raw(",\"escaped\":true");
  if (r.has_link_target) {
    w.raw(",\"linkTarget\":");
    w.str(r.link_target);
  }
  if (r.link) {
    w.raw(",\"targetType\":");
    w.name_or_null(r.target_type);
  }
  if (r.error) {
    w.raw(",\"error\":");
    wire_error(w, *r.error);
  }
  w.raw("}");
}

void listed_column_row(ListedColumns& c, size_t index, const ListedRow& r) {
  const bool first = c.types.empty();
  if (!first) {
    c.names += '/';
    c.size += ',';
    c.mtime += ',';
    c.mode += ',';
  }
  c.names += r.name;
  const char t = r.type[0] == 's' ? (r.type[1] == 'y' ? 'l' : 's') : r.type[0] == 'f' && r.type[1] == 'i' && r.type[2] == 'f' ? 'p' : r.type[0];
  c.types += t;  // file dir symlink→l fifo→p chardev blockdev socket
  W{c.size}.u64(r.size);
  W{c.mtime}.dbl(r.mtime_ms);
  W{c.mode}.u64(r.mode);
  if (r.escaped || r.link || r.error) {
    if (!c.extra.empty()) c.extra += ',';
    W w{c.extra};
    w.raw("[");
    w.u64(index);
    w.raw(",");
    listed_row_json(c.extra, r);
    w.raw("]");
  }
}

void listed_columns_json(std::string& out, const ListedColumns* const* parts, size_t n) {
  // A column: the parts' texts joined by `sep` (a part without rows is left out).
  auto joined = [&](std::string ListedColumns::*field, const char* sep) {
    std::string s;
    for (size_t i = 0; i < n; i++) {
      const std::string& p = parts[i]->*field;
      if (p.empty()) continue;
      if (!s.empty()) s += sep;
      s += p;
    }
    return s;
  };
  W w{out};
  w.raw("{\"names\":");
  w.str(joined(&ListedColumns::names, "/"));
  w.raw(",\"types\":\"");
  out += joined(&ListedColumns::types, "");
  w.raw("\",\"size\":[");
  out += joined(&ListedColumns::size, ",");
  w.raw("],\"mtimeMs\":[");
  out += joined(&ListedColumns::mtime, ",");
  w.raw("],\"mode\":[");
  out += joined(&ListedColumns::mode, ",");
  w.raw("],\"extra\":[");
  out += joined(&ListedColumns::extra, ",");
  w.raw("]}");
}

std::string scan_totals_json(const ScanTotals& t) {
  std::string out;
  W w{out};
  w.raw("{");
  totals(w, t);
  w.raw("}");
  return out;
}

std::string scan_result_json(const ScanTotals& t, const std::vector<DestFit>& fit) {
  std::string out;
  W w{out};
  w.raw("{");
  totals(w, t);
  w.raw(",\"destinations\":");
  w.array(fit, [&](const DestFit& f) {
    w.raw("{\"folder\":");
    w.str(f.folder);
    w.raw(",\"type\":");
    w.str(f.fs.name);
    w.raw(",\"label\":");
    w.str(fs_label(f.fs));
    w.raw(",\"foreign\":");
    w.boolean(is_foreign(f.fs));
    w.raw(",\"holds\":");
    holds(w, f.fs);
    w.raw(",\"lost\":");
    const std::string lost = lost_metadata(f.fs);
    if (lost.empty()) w.raw("null");
    else w.str(lost);
    w.raw(",");
    u64_fields(w, {{"cluster", f.cluster}, {"needed", f.needed}, {"free", f.free}, {"holes", f.holes}, {"count", f.count}, {"failing", f.failing}});
    w.raw(",\"space\":");
    if (f.space) wire_error(w, *f.space);
    else w.raw("null");
    w.raw(",\"kinds\":{");
    bool first = true;
    for (int k = 0; k < 7; k++) {
      if (!f.kinds[k]) continue;
      if (!first) w.raw(",");
      first = false;
      w.key(unfit_name((Unfit)k));
      w.u64(f.kinds[k]);
    }
    w.raw("},\"items\":");
    w.array(f.items, [&](const FitItem& it) {
      w.raw("{\"src\":");
      w.str(it.src);
      w.raw(",\"dest\":");
      w.str(it.dest);
      w.raw(",\"type\":\"");
      w.raw(entry_type_name(it.type));
      w.raw("\",\"problem\":");
      problem(w, it.problem);
      w.raw("}");
    });
    w.raw("}");
  });
  w.raw("}");
  return out;
}

std::string job_result_json(const JobResult& r) {
  std::string out;
  W w{out};
  w.raw("{");
  u64_fields(w, {{"filesDone", r.files_done}, {"filesFailed", r.files_failed}, {"bytesDone", r.bytes_done}});
  w.raw(",\"cancelled\":");
  w.boolean(r.cancelled);
  w.raw(",\"counts\":{");
  u64_fields(w, {{"copied", r.copied}, {"skipped", r.skipped}, {"failed", r.failed}, {"notStarted", r.not_started}});
  w.raw("},\"incomplete\":");
  w.array(r.incomplete, [&](const JobResult::Incomplete& i) {
    w.raw("{\"path\":");
    w.str(i.path);
    w.raw(i.temp ? ",\"where\":\"temp\"}" : ",\"where\":\"final\"}");
  });
  if (r.flushed) {
    w.raw(",\"flush\":{\"ok\":");
    w.boolean(!r.flush_error);
    w.raw(",\"error\":");
    if (r.flush_error) wire_error(w, *r.flush_error);
    else w.raw("null");
    w.raw(",\"notOnDisk\":");
    w.array(r.not_on_disk, [&](const std::string& d) { w.str(d); });
    w.raw("}");
  }
  w.raw(",\"warnings\":");
  w.array(r.warnings, [&](const std::string& x) { w.str(x); });
  w.raw("}");
  return out;
}

std::string temps_json(const std::vector<TempInfo>& temps) {
  std::string out;
  W w{out};
  w.array(temps, [&](const TempInfo& t) {
    w.raw("{\"path\":");
    w.str(t.path);
    w.raw(t.dir ? ",\"type\":\"dir\"" : ",\"type\":\"file\"");
    auto str_or_null = [&](const char* k, bool has, const std::string& v) {
      w.raw(",");
      w.key(k);
      if (has) w.str(v);
      else w.raw("null");
    };
    str_or_null("finalName", t.owner.has_value(), t.owner ? t.owner->final_name : "");
    str_or_null("finalPath", t.owner.has_value(), t.final_path);
    str_or_null("src", t.owner && !t.owner->src.empty(), t.owner ? t.owner->src : "");
    str_or_null("tag", t.owner && !t.owner->tag.empty(), t.owner ? t.owner->tag : "");
    w.raw(",");
    u64_fields(w, {{"files", t.files}, {"bytes", t.bytes}});
    w.raw(",\"mtimeMs\":");
    w.dbl(t.mtime_ms);
    w.raw(",\"partial\":");
    if (t.partial_known) w.array(t.partial, [&](const std::string& p) { w.str(p); });
    else w.raw("null");
    w.raw("}");
  });
  return out;
}

std::string wire_string_json(const std::string& s) {
  std::string out;
  W w{out};
  w.str(s);
  return out;
}

std::string wire_error_json(const WireErr& e) {
  std::string out;
  W w{out};
  wire_error(w, e);
  return out;
}

std::string events_to_json(const std::vector<Event>& evs, std::vector<std::string>* parts) {
  std::string out;
  size_t guess = 2;
  for (const auto& e : evs) guess += 64 + (parts ? 0 : e.records.size() * 400);
  out.reserve(guess);
  W w{out};
  w.raw("[");
  for (size_t i = 0; i < evs.size(); i++) {
    const Event& e = evs[i];
    if (i) w.raw(",");
    switch (e.type) {
      case Event::Progress:
        w.raw("{\"type\":\"progress\",\"filesDone\":");
        w.u64(e.files_done);
        w.raw(",\"bytesDone\":");
        w.u64(e.bytes_done);
        w.raw(",\"current\":[");
        for (size_t j = 0; j < e.current.size(); j++) {
          const Current& c = e.current[j];
          if (j) w.raw(",");
          w.raw("{\"src\":");
          w.str(c.src);
          w.raw(",\"dest\":");
          w.str(c.dest);
          w.raw(",\"size\":");
          w.u64(c.size);
          w.raw(",\"bytes\":");
          w.u64(c.bytes);
          w.raw(",\"method\":");
          w.method(c.method);
          w.raw("}");
        }
        w.raw("],\"paused\":");
        w.boolean(e.paused);
        w.raw("}");
        break;
      case Event::Scan:
        w.raw("{\"type\":\"scan\",");
        totals(w, e.scan);
        w.raw(",\"done\":");
        w.boolean(e.scan_done);
        w.raw("}");
        break;
      case Event::Explained:
        w.raw("{\"type\":\"explain\",\"items\":");
        w.array(e.explained, [&](const Explanation& x) { explanation_json(out, x); });
        w.raw("}");
        break;
      case Event::Files:
        if (parts) {
          // The records apart, as their own JSON array: JS parses them only when a consumer reads
          // them. What a consumer that only counts needs comes with the event.
          uint64_t failed = 0, changed = 0;
          for (const Record& r : e.records) {
            failed += !r.ok() && !r.skipped();
            changed += r.changed;
          }
          w.raw("{\"type\":\"files\",");
          u64_fields(w, {{"count", e.records.size()}, {"failed", failed}, {"changed", changed}, {"part", parts->size()}});
          w.raw("}");
          std::string& text = parts->emplace_back();
          text.reserve(e.weight + 2);
          W pw{text};
          pw.array(e.records, [&](const Record& r) { record(pw, r); });
          break;
        }
        w.raw("{\"type\":\"files\",\"records\":");
        w.array(e.records, [&](const Record& r) { record(w, r); });
        w.raw("}");
        break;
      case Event::ConflictEv:
        w.raw("{\"type\":\"conflict\",\"conflictId\":");
        w.u64(e.conflict.id);
        w.raw(",\"src\":");
        w.str(e.conflict.src);
        w.raw(",\"dest\":");
        w.str(e.conflict.dest);
        w.raw(",\"srcSize\":");
        w.u64(e.conflict.src_size);
        w.raw(",\"srcMtimeMs\":");
        w.dbl(e.conflict.src_mtime_ms);
        w.raw(",\"destSize\":");
        w.u64(e.conflict.dest_size);
        w.raw(",\"destMtimeMs\":");
        w.dbl(e.conflict.dest_mtime_ms);
        w.raw(",\"mtimeWindowMs\":");
        w.dbl(e.conflict.mtime_window_ms);
        w.raw("}");
        break;
    }
  }
  w.raw("]");
  return out;
}

}  // namespace ferry
